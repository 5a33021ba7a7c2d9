/**
 * Reference computations for the analytics tests, in plain JavaScript from the test's own description
 * of a school (never from the views): the statistics the views release, and the learner sets behind
 * each cell, for checking what a subtraction of released cells would reveal.
 */

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** PostgreSQL's percentile_cont: linear interpolation between the order statistics at p·(n − 1). */
export function percentileCont(xs: readonly number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/**
 * A released or suppressed cell, with what it covers (known to the test, not to an attacker): units
 * "<learner>|<unit>", the unit being what the family's parts split (a day of attempts), or "" for the
 * learner itself.
 */
export interface Cell {
  readonly key: string;
  readonly units: ReadonlySet<string>;
  readonly suppressed: boolean;
}

const learnersOf = (c: Cell) => new Set([...c.units].map((u) => u.split("|")[0]!));
const minus = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].filter((x) => !b.has(x)).length;

/**
 * What subtractions of released cells give away, as the learner counts involved: for every pair of
 * released siblings, |X∖Y| and |Y∖X| in learners (X − Y is a figure over those when one contains the
 * other, and a difference of two small groups otherwise); for a family, the learners with a unit of the
 * total covered by no released part or by several (total − Σ released parts is a figure over them).
 * Each must be 0 or ≥ k.
 */
export function leaks(k: number, siblings: readonly Cell[], families: readonly { total: Cell; parts: readonly Cell[] }[]): string[] {
  const found: string[] = [];
  const small = (n: number) => n > 0 && n < k;
  const released = siblings.filter((c) => !c.suppressed);
  for (const [i, x] of released.entries())
    for (const y of released.slice(i + 1)) {
      const [lx, ly] = [learnersOf(x), learnersOf(y)];
      if (small(minus(lx, ly)) || small(minus(ly, lx))) found.push(`${x.key} − ${y.key}: ${minus(lx, ly)} / ${minus(ly, lx)} learners`);
    }
  for (const { total, parts } of families) {
    if (total.suppressed) continue;
    const cover = new Map<string, number>();
    for (const p of parts) if (!p.suppressed) for (const u of p.units) cover.set(u, (cover.get(u) ?? 0) + 1);
    const residual = new Set([...total.units].filter((u) => cover.get(u) !== 1).map((u) => u.split("|")[0]));
    if (small(residual.size)) found.push(`${total.key} − released parts: ${residual.size} learners`);
  }
  return found;
}
