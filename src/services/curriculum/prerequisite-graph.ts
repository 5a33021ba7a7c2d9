/**
 * The prerequisite DAG, as a pure function over its edges: adding the edge "skill depends on
 * prerequisite" must not close a cycle. No database, no I/O — the service loads the school's edges
 * inside the transaction that inserts the new one and asks this module.
 */
import { BadInputError } from "../common/domain-error.js";

/** `skillId` depends on `prerequisiteId` (the prerequisite should be mastered first). */
export interface PrerequisiteEdge {
  readonly skillId: string;
  readonly prerequisiteId: string;
}

/**
 * The cycle that adding `skillId → prerequisiteId` would close, or `undefined` when the edge is safe.
 * The cycle is given as skill ids in dependency order, starting and ending with `skillId`: each id
 * depends on the next one. A self-loop is `[skillId, skillId]`; with the edges A→B and B→C,
 * adding C→A gives `[C, A, B, C]`. The shortest such cycle is reported (breadth-first search).
 */
export function findPrerequisiteCycle(edges: readonly PrerequisiteEdge[], skillId: string, prerequisiteId: string): string[] | undefined {
  if (skillId === prerequisiteId) return [skillId, skillId];
  const dependsOn = new Map<string, string[]>();
  for (const e of edges) {
    const list = dependsOn.get(e.skillId);
    if (list) list.push(e.prerequisiteId);
    else dependsOn.set(e.skillId, [e.prerequisiteId]);
  }
  // Does `prerequisiteId` (transitively) depend on `skillId`? Search from it along "depends on".
  const parent = new Map<string, string | null>([[prerequisiteId, null]]);
  const queue: string[] = [prerequisiteId];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of dependsOn.get(node) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, node);
      if (next === skillId) {
        const path: string[] = [];
        for (let at: string | null = next; at !== null; at = parent.get(at) ?? null) path.push(at);
        path.reverse(); // prerequisiteId … skillId
        return [skillId, ...path];
      }
      queue.push(next);
    }
  }
  return undefined;
}

/** Throws BAD_USER_INPUT (reason PREREQUISITE_CYCLE, with the cycle) when the edge would close a cycle. */
export function assertNoPrerequisiteCycle(edges: readonly PrerequisiteEdge[], skillId: string, prerequisiteId: string): void {
  const cycle = findPrerequisiteCycle(edges, skillId, prerequisiteId);
  if (!cycle) return;
  const message =
    cycle.length === 2
      ? `a skill cannot be its own prerequisite (${skillId})`
      : `this prerequisite would close a cycle in the prerequisite graph: ${cycle.join(" → ")}`;
  throw new BadInputError(message, { reason: "PREREQUISITE_CYCLE", cycle });
}
