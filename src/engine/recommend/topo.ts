/**
 * The one topological sort of the skill DAG used by recommendation and path planning.
 *
 * Kahn's algorithm; among the skills whose prerequisites are all placed, the smallest skill id (plain
 * code-unit order, not locale order) comes first, so the order depends only on the graph, never on the
 * order the rows arrived in. Prerequisites naming skills outside `nodes` are ignored. A cycle (which the
 * curriculum API refuses, but the engine must not hang or throw on) is broken deterministically: the
 * skills left on cycles are appended in id order and reported in `cyclic`.
 */
export interface TopologicalOrder {
  /** Every node id exactly once, prerequisites before dependents. */
  readonly order: readonly string[];
  /** Ids that sat on (or behind) a cycle and were appended in id order; empty for a DAG. */
  readonly cyclic: readonly string[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Min-heap of strings (code-unit order). */
class IdHeap {
  private readonly items: string[] = [];
  get size(): number {
    return this.items.length;
  }
  push(id: string): void {
    const a = this.items;
    a.push(id);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (byId(a[parent]!, a[i]!) <= 0) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): string {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < a.length && byId(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && byId(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Topological order of `nodes` (id → prerequisite ids), ties broken by smallest id. */
export function topologicalOrder(nodes: ReadonlyMap<string, readonly string[]>): TopologicalOrder {
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of nodes.keys()) {
    indegree.set(id, 0);
    dependents.set(id, []);
  }
  for (const [id, prereqs] of nodes) {
    for (const pre of new Set(prereqs)) {
      if (pre === id || !nodes.has(pre)) continue;
      indegree.set(id, indegree.get(id)! + 1);
      dependents.get(pre)!.push(id);
    }
  }
  const ready = new IdHeap();
  for (const [id, d] of indegree) if (d === 0) ready.push(id);
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ready.pop();
    order.push(id);
    for (const dep of dependents.get(id)!) {
      const d = indegree.get(dep)! - 1;
      indegree.set(dep, d);
      if (d === 0) ready.push(dep);
    }
  }
  const placed = new Set(order);
  const cyclic = [...nodes.keys()].filter((id) => !placed.has(id)).sort(byId);
  return { order: [...order, ...cyclic], cyclic };
}
