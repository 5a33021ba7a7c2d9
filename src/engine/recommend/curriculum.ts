/**
 * The curriculum as recommendation sees it (plain data the services build from the database), and its
 * compiled form: skills in topological order, each task's served skill, tasks by skill. Compiling is
 * O(skills + tasks); a service may compile once per curriculum change and pass the compiled value to
 * every `recommend` / `planPath` call (both accept either form).
 */
import type { TaskSkill } from "../types.js";
import { topologicalOrder } from "./topo.js";

/** A skill of the DAG. */
export interface GraphSkill {
  readonly skillId: string;
  /** Shown in explanations. */
  readonly name: string;
  /** Direct prerequisites (skill ids). Ids unknown to the curriculum are ignored. */
  readonly prerequisites: readonly string[];
}

/** A task with its Q-matrix row and topics (for interest matching). */
export interface GraphTask {
  readonly taskId: string;
  readonly skills: readonly TaskSkill[];
  readonly topics?: readonly string[];
}

export interface CurriculumGraph {
  readonly skills: readonly GraphSkill[];
  readonly tasks: readonly GraphTask[];
}

export interface CompiledSkill {
  readonly skillId: string;
  readonly name: string;
  /** Direct prerequisites known to the curriculum, deduplicated, in topological order. */
  readonly prerequisites: readonly string[];
  /** Position in `CompiledCurriculum.order`. */
  readonly topoIndex: number;
}

export interface CompiledTask {
  readonly taskId: string;
  readonly skills: readonly TaskSkill[];
  readonly topics: readonly string[];
  /**
   * The skill the task serves: its highest-weight skill known to the curriculum; on equal weights the
   * later one in topological order (the more advanced skill), then the smaller id. Null when the task
   * names no known skill (such a task is never recommended).
   */
  readonly skillId: string | null;
}

export interface CompiledCurriculum {
  readonly compiled: true;
  /** Skills by id. */
  readonly skills: ReadonlyMap<string, CompiledSkill>;
  /** Skill ids in topological order (see topo.ts). */
  readonly order: readonly string[];
  /** Skill ids that sat on a cycle (empty for a DAG). */
  readonly cyclic: readonly string[];
  readonly tasks: ReadonlyMap<string, CompiledTask>;
  /** skill id → tasks serving it, in task-id order. */
  readonly tasksBySkill: ReadonlyMap<string, readonly CompiledTask[]>;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function isCompiledCurriculum(c: CurriculumGraph | CompiledCurriculum): c is CompiledCurriculum {
  return (c as CompiledCurriculum).compiled === true;
}

/** Compiles a curriculum (a compiled one is returned as is). Duplicate ids: the first row wins. */
export function compileCurriculum(curriculum: CurriculumGraph | CompiledCurriculum): CompiledCurriculum {
  if (isCompiledCurriculum(curriculum)) return curriculum;
  const raw = new Map<string, GraphSkill>();
  for (const s of curriculum.skills ?? []) if (s && typeof s.skillId === "string" && !raw.has(s.skillId)) raw.set(s.skillId, s);
  const graph = new Map<string, readonly string[]>();
  for (const [id, s] of raw)
    graph.set(
      id,
      (s.prerequisites ?? []).filter((p) => p !== id && raw.has(p)),
    );
  const { order, cyclic } = topologicalOrder(graph);
  const topo = new Map(order.map((id, i) => [id, i]));
  const skills = new Map<string, CompiledSkill>();
  for (const id of order) {
    const s = raw.get(id)!;
    const prerequisites = [...new Set(graph.get(id)!)].sort((a, b) => topo.get(a)! - topo.get(b)!);
    skills.set(id, {
      skillId: id,
      name: typeof s.name === "string" && s.name.length > 0 ? s.name : id,
      prerequisites,
      topoIndex: topo.get(id)!,
    });
  }
  const tasks = new Map<string, CompiledTask>();
  const tasksBySkill = new Map<string, CompiledTask[]>(order.map((id) => [id, []]));
  const sortedTasks = [...(curriculum.tasks ?? [])]
    .filter((t) => t && typeof t.taskId === "string")
    .sort((a, b) => byId(a.taskId, b.taskId));
  for (const t of sortedTasks) {
    if (tasks.has(t.taskId)) continue;
    const q = (t.skills ?? []).filter((e) => skills.has(e.skillId) && Number.isFinite(e.weight) && e.weight > 0);
    let served: string | null = null;
    let best = -Infinity;
    for (const e of q) {
      const better =
        e.weight > best ||
        (e.weight === best &&
          served !== null &&
          (topo.get(e.skillId)! > topo.get(served)! || (topo.get(e.skillId) === topo.get(served) && byId(e.skillId, served) < 0)));
      if (better) {
        best = e.weight;
        served = e.skillId;
      }
    }
    const task: CompiledTask = { taskId: t.taskId, skills: t.skills ?? [], topics: t.topics ?? [], skillId: served };
    tasks.set(t.taskId, task);
    if (served !== null) tasksBySkill.get(served)!.push(task);
  }
  return { compiled: true, skills, order, cyclic, tasks, tasksBySkill };
}
