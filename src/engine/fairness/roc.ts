/**
 * ROC curves and ABROCA, the absolute between-ROC-curves area (Gardner, Brooks & Baker, "Evaluating
 * Predictive Models of Student Success: Closing the Methodological Gap", LAK'19):
 *
 *   ABROCA = ∫₀¹ | TPR_a(f) − TPR_b(f) | df
 *
 * Each ROC curve is the piecewise-linear curve through its (FPR, TPR) points, one point per distinct
 * score (walking the scores downwards), so a run of tied scores is one diagonal segment — the convention
 * under which the area under the curve equals the Mann–Whitney AUC with ties counted ½.
 *
 * The integral is exact (no grid): the breakpoints of both curves are merged, so on each interval
 * [f₀, f₁] between consecutive breakpoints both curves are linear and so is d(f) = TPR_a(f) − TPR_b(f),
 * with end values d₀ and d₁:
 *
 *   ∫_{f₀}^{f₁} |d| df = (f₁ − f₀)(|d₀| + |d₁|) / 2                  if d₀ · d₁ ≥ 0
 *                      = (f₁ − f₀)(d₀² + d₁²) / (2 (|d₀| + |d₁|))     otherwise
 *
 * (the second: the two triangles either side of the crossing at f₀ + (f₁ − f₀)|d₀|/(|d₀| + |d₁|)).
 * A vertical step of a curve (several positives at one FPR) has no width and adds nothing.
 */
import { checkPairs } from "../metrics/check.js";

/** A ROC curve: (FPR, TPR) points from (0, 0) to (1, 1), FPR non-decreasing. */
export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
}

/**
 * Indices of `p` (restricted to `indices`) sorted by descending score, and the end (exclusive) of each
 * run of equal scores: one ROC point per run.
 */
export function orderByScore(p: ArrayLike<number>, indices: Int32Array): { order: Int32Array; blockEnd: Int32Array } {
  const order = Int32Array.from(indices).sort((a, b) => p[b]! - p[a]! || a - b);
  const ends: number[] = [];
  for (let i = 1; i <= order.length; i++) {
    if (i === order.length || p[order[i]!] !== p[order[i - 1]!]) ends.push(i);
  }
  return { order, blockEnd: Int32Array.from(ends) };
}

/** The ROC curve of predictions against 0/1 outcomes; null when one class is missing (TPR or FPR undefined). */
export function rocCurve(predictions: ArrayLike<number>, outcomes: ArrayLike<number>): RocCurve | null {
  checkPairs(predictions, outcomes, "rocCurve");
  const all = new Int32Array(predictions.length);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const { order, blockEnd } = orderByScore(predictions, all);
  const tp = new Float64Array(blockEnd.length + 1);
  const fp = new Float64Array(blockEnd.length + 1);
  let start = 0;
  for (let b = 0; b < blockEnd.length; b++) {
    let t = tp[b]!,
      f = fp[b]!;
    for (let i = start; i < blockEnd[b]!; i++) {
      if (outcomes[order[i]!] === 1) t++;
      else f++;
    }
    tp[b + 1] = t;
    fp[b + 1] = f;
    start = blockEnd[b]!;
  }
  const positives = tp[blockEnd.length]!;
  const negatives = fp[blockEnd.length]!;
  if (positives === 0 || negatives === 0) return null;
  for (let k = 0; k < tp.length; k++) {
    tp[k]! /= positives;
    fp[k]! /= negatives;
  }
  return { fpr: fp, tpr: tp };
}

/** Trapezoidal area under the first `n` points of a curve (= the Mann–Whitney AUC for a ROC curve). */
export function areaUnderPoints(x: Float64Array, y: Float64Array, n: number): number {
  let area = 0;
  for (let k = 1; k < n; k++) area += ((x[k]! - x[k - 1]!) * (y[k]! + y[k - 1]!)) / 2;
  return area;
}

/** Value at `f` of the segment from point i to point i + 1 (which has positive width). */
const at = (x: Float64Array, y: Float64Array, i: number, f: number): number =>
  y[i]! + ((y[i + 1]! - y[i]!) * (f - x[i]!)) / (x[i + 1]! - x[i]!);

/**
 * ∫₀¹ |a(f) − b(f)| df for two piecewise-linear curves given by their first `na` and `nb` points, each
 * from f = 0 to f = 1 with non-decreasing f (the module comment's exact merge).
 */
export function areaBetweenPoints(ax: Float64Array, ay: Float64Array, na: number, bx: Float64Array, by: Float64Array, nb: number): number {
  let i = 0,
    j = 0,
    f = 0,
    area = 0;
  for (;;) {
    // Segment i of a and j of b: the ones covering (f, next breakpoint); vertical steps are skipped,
    // landing on their top (the curve's value just right of f).
    while (i + 1 < na && ax[i + 1]! <= f) i++;
    while (j + 1 < nb && bx[j + 1]! <= f) j++;
    if (i + 1 >= na || j + 1 >= nb) return area;
    // biome-ignore lint/complexity/useMathMinMax: Math.min is not inlined under Jest's module sandbox (10–20× slower here)
    const g = ax[i + 1]! < bx[j + 1]! ? ax[i + 1]! : bx[j + 1]!;
    const d0 = at(ax, ay, i, f) - at(bx, by, j, f);
    const d1 = at(ax, ay, i, g) - at(bx, by, j, g);
    const a0 = d0 < 0 ? -d0 : d0,
      a1 = d1 < 0 ? -d1 : d1;
    if (d0 * d1 >= 0) area += ((g - f) * (a0 + a1)) / 2;
    else area += ((g - f) * (d0 * d0 + d1 * d1)) / (2 * (a0 + a1));
    f = g;
  }
}

/** ABROCA between two ROC curves (the module comment's formula; 0 for identical curves, at most 1). */
export function abroca(a: RocCurve, b: RocCurve): number {
  return areaBetweenPoints(a.fpr, a.tpr, a.fpr.length, b.fpr, b.tpr, b.fpr.length);
}

/**
 * At most `maxPoints` points of a curve for plots: the first, the last and evenly spaced ones between
 * (by index, so the steep and flat parts both keep points), consecutive duplicates dropped.
 */
export function downsampleRoc(curve: RocCurve, maxPoints = 101): [fpr: number, tpr: number][] {
  const n = curve.fpr.length;
  const out: [number, number][] = [];
  const take = Math.min(n, Math.max(2, maxPoints));
  for (let k = 0; k < take; k++) {
    const i = take === 1 ? 0 : Math.round((k * (n - 1)) / (take - 1));
    const point: [number, number] = [curve.fpr[i]!, curve.tpr[i]!];
    const last = out[out.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) out.push(point);
  }
  return out;
}
