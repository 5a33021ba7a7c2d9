/**
 * Readiness strata and the residuals recommendation parity compares (types.ts: "conditional on
 * readiness"). Computed once per audit, over every audited learner with a finite readiness, so that each
 * learner's residual is fixed and a permutation round only re-sums them.
 *
 * Strata are quantile classes: with m learners of finite readiness and S strata, a learner whose
 * readiness exceeds that of c others is in stratum ⌊S · c / m⌋. Equal readiness gives equal strata (ties
 * are never split by index), every stratum holds about m / S learners, and S = 1 is one stratum.
 *
 * A learner's residual of a figure v (mean predicted success of their recommended tasks, goal-advancing
 * share) is v_l − v̄_s, v̄_s the mean of v over the learners of their stratum s that have it. A side's mean
 * residual minus the other's is the directly standardised difference: zero when, stratum by stratum, both
 * sides get the same recommendations, however differently their learners spread over the strata.
 */

/** Per learner its stratum in 0 … strata − 1, or −1 without a finite readiness. */
export function readinessStrata(readiness: ArrayLike<number>, strata: number): Int32Array {
  const out = new Int32Array(readiness.length).fill(-1);
  const ranked: number[] = [];
  for (let l = 0; l < readiness.length; l++) if (Number.isFinite(readiness[l]!)) ranked.push(l);
  ranked.sort((a, b) => readiness[a]! - readiness[b]!);
  const m = ranked.length;
  let below = 0; // learners of strictly lower readiness than ranked[k]
  for (let k = 0; k < m; k++) {
    if (k > 0 && readiness[ranked[k]!]! > readiness[ranked[k - 1]!]!) below = k;
    out[ranked[k]!] = Math.floor((strata * below) / m);
  }
  return out;
}

/** Per learner v − its stratum's mean of v (NaN where v is NaN or the learner has no stratum). */
export function residualsByStratum(values: ArrayLike<number>, stratum: Int32Array, strata: number): Float64Array {
  const sum = new Float64Array(strata),
    n = new Float64Array(strata);
  for (let l = 0; l < values.length; l++) {
    const s = stratum[l]!;
    if (s < 0 || Number.isNaN(values[l]!)) continue;
    sum[s]! += values[l]!;
    n[s]!++;
  }
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let l = 0; l < values.length; l++) {
    const s = stratum[l]!;
    if (s >= 0 && !Number.isNaN(values[l]!)) out[l] = values[l]! - sum[s]! / n[s]!;
  }
  return out;
}
