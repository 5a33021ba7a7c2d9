/**
 * ABROCA (roc.ts) between two ROC curves given as steps: a ROC curve rises only between negatives, so a
 * curve with N negatives and P positives is N steps, step t spanning f ∈ [t/N, (t + 1)/N] over which the
 * curve is linear, from L₀/P to L₁/P (L: positives ranked above; flat, L₀ = L₁, unless the step's negative
 * is tied with positives, whose diagonal segment it then carries a share of: grouped-walk.ts). The two
 * step grids {t/N_a} and {s/N_b} merge in a fixed order — compare (t + 1)·N_b with (s + 1)·N_a, integers —
 * and on each piece between consecutive grid points both curves are linear, so |Δ| integrates exactly
 * (roc.ts's formula, a sign change included):
 *
 *   ∫ |d| = w (|d₀| + |d₁|) / 2            if d₀ · d₁ ≥ 0
 *         = w (d₀² + d₁²) / (2 (|d₀| + |d₁|))   otherwise
 */

/**
 * ∫₀¹ |a(f) − b(f)| df: curve a has aN steps, step t over [t/aN, (t + 1)/aN] rising linearly from
 * aFrom[t]/aP to aTo[t]/aP; b likewise (the module comment).
 */
export function mergeSteps(
  aFrom: Float64Array,
  aTo: Float64Array,
  aN: number,
  aP: number,
  bFrom: Float64Array,
  bTo: Float64Array,
  bN: number,
  bP: number,
): number {
  const toA = 1 / aP,
    toB = 1 / bP,
    widthA = 1 / aN,
    widthB = 1 / bN;
  let t = 0,
    s = 0,
    f = 0,
    area = 0;
  while (t < aN && s < bN) {
    const endA = (t + 1) * bN,
      endB = (s + 1) * aN; // the pieces' right ends, both scaled by aN · bN
    const h = endA <= endB ? (t + 1 === aN ? 1 : (t + 1) * widthA) : s + 1 === bN ? 1 : (s + 1) * widthB;
    const a0 = aFrom[t]!,
      a1 = aTo[t]!,
      b0 = bFrom[s]!,
      b1 = bTo[s]!;
    // each curve's value at f and h: flat steps without arithmetic, rising ones by their share of the step
    const d0 = (a0 === a1 ? a0 : a0 + (a1 - a0) * (f * aN - t)) * toA - (b0 === b1 ? b0 : b0 + (b1 - b0) * (f * bN - s)) * toB;
    const d1 = (a0 === a1 ? a0 : a0 + (a1 - a0) * (h * aN - t)) * toA - (b0 === b1 ? b0 : b0 + (b1 - b0) * (h * bN - s)) * toB;
    const abs0 = d0 < 0 ? -d0 : d0,
      abs1 = d1 < 0 ? -d1 : d1;
    area += d0 * d1 >= 0 ? ((h - f) * (abs0 + abs1)) / 2 : ((h - f) * (d0 * d0 + d1 * d1)) / (2 * (abs0 + abs1));
    f = h;
    if (endA <= endB) t++;
    if (endB <= endA) s++;
  }
  return area;
}

/** mergeSteps of two curves whose steps are all flat (no ties): on each piece |Δ| is constant. */
export function mergeFlatSteps(a: Float64Array, aN: number, aP: number, b: Float64Array, bN: number, bP: number): number {
  const toA = 1 / aP,
    toB = 1 / bP,
    widthA = 1 / aN,
    widthB = 1 / bN;
  let t = 0,
    s = 0,
    f = 0,
    area = 0;
  while (t < aN && s < bN) {
    const endA = (t + 1) * bN,
      endB = (s + 1) * aN;
    const h = endA <= endB ? (t + 1 === aN ? 1 : (t + 1) * widthA) : s + 1 === bN ? 1 : (s + 1) * widthB;
    const d = a[t]! * toA - b[s]! * toB;
    area += (h - f) * (d < 0 ? -d : d);
    f = h;
    if (endA <= endB) t++;
    if (endB <= endA) s++;
  }
  return area;
}
