/**
 * Off-policy evaluation (issue 19 item 5): the value of a policy π estimated from episodes that another
 * policy μ (the logging policy) chose, each step logged with μ's propensity for its action and π's
 * probability of the same action. The value is undiscounted and truncated at a horizon H:
 *   V_H(π) = E_π[ Σ_{t<H} r_t ].
 *
 * Notation: ρ_t = π(a_t|s_t) / μ(a_t|s_t); the cumulative weight w_t = Π_{s≤t} ρ_s (w_{−1} = 1). An
 * episode that ended before H stays in an absorbing state: reward 0, ρ = 1 (its weight keeps its last
 * value). Over N episodes i:
 *   IS     (per episode)      (1/N) Σ_i w_{i,H−1} · Σ_{t<H} r_{i,t}
 *   WIS    (self-normalised)  Σ_i w_{i,H−1} G_i / Σ_i w_{i,H−1}
 *   PDIS   (per decision)     (1/N) Σ_i Σ_{t<H} w_{i,t} r_{i,t}            (a reward weighted only by the choices before it)
 *   WPDIS  (self-normalised per decision: "SNIPS")   Σ_{t<H} Σ_i w_{i,t} r_{i,t} / Σ_i w_{i,t}
 *   DR     (Jiang & Li 2016)  (1/N) Σ_i Σ_{t<H} [ w_{i,t} (r_{i,t} − Q̂_{i,t}) + w_{i,t−1} V̂_{i,t} ]
 *   WDR    (Thomas & Brunskill 2016) the same with w_{i,t} / Σ_j w_{j,t} for w_{i,t} / N (w̄_{i,−1} = 1/N)
 * with Q̂_{i,t} = Q̂(s_t, a_t) a reward model's value-to-go of the logged action and V̂_{i,t} = Σ_a π(a|s_t)
 * Q̂(s_t, a) (0 for both: DR is PDIS). IS, PDIS and DR are unbiased when μ gives every action π takes a
 * positive probability (support); the weighted ones trade a bias that vanishes with N for less variance.
 * The effective sample size of the episode weights, (Σ_i w_{i,H−1})² / Σ_i w_{i,H−1}², says how many of
 * the N episodes the estimate effectively rests on.
 *
 * `fitRidge` is the simple reward model's least squares (the benchmark's Q̂ is linear in the policy's
 * features). Pure: no randomness, no I/O.
 */
import { EngineError, EngineErrorCode } from "../errors.js";

/** One logged decision. */
export interface LoggedStep {
  readonly reward: number;
  /** μ(a_t|s_t): the logging policy's propensity for the action it took; in (0, 1]. */
  readonly propensity: number;
  /** π(a_t|s_t): the evaluated policy's probability of that action; in [0, 1]. */
  readonly target: number;
  /** Q̂(s_t, a_t) (DR); default 0. */
  readonly q?: number;
  /** V̂(s_t) = Σ_a π(a|s_t) Q̂(s_t, a) (DR); default 0. */
  readonly v?: number;
}

export type LoggedEpisode = readonly LoggedStep[];

export interface OffPolicyEstimates {
  readonly horizon: number;
  readonly episodes: number;
  readonly is: number;
  readonly wis: number;
  readonly pdis: number;
  readonly wpdis: number;
  readonly dr: number;
  readonly wdr: number;
  /** (Σ w)² / Σ w² of the episodes' weights at the horizon; 0 when every weight is 0. */
  readonly ess: number;
}

const invalid = (why: string) => new EngineError(EngineErrorCode.InvalidParameters, `off-policy evaluation: ${why}`);

/** Every estimator above on `episodes`, truncated at `horizon` decisions. NaN for a self-normalised one whose weights are all 0. */
export function offPolicyEstimates(episodes: readonly LoggedEpisode[], horizon: number): OffPolicyEstimates {
  if (!Number.isInteger(horizon) || horizon < 1) throw invalid(`the horizon must be a positive integer (got ${horizon})`);
  const n = episodes.length;
  if (n === 0) throw invalid("no episode");
  for (const e of episodes)
    for (const s of e.slice(0, horizon)) {
      if (!(s.propensity > 0 && s.propensity <= 1)) throw invalid(`a propensity must be in (0, 1] (got ${s.propensity})`);
      if (!(s.target >= 0 && s.target <= 1)) throw invalid(`a target probability must be in [0, 1] (got ${s.target})`);
      if (!Number.isFinite(s.reward)) throw invalid("a reward is not finite");
    }
  const prev = new Float64Array(n).fill(1); // w_{i,t−1}
  const returns = new Float64Array(n);
  let pdis = 0,
    wpdis = 0,
    dr = 0,
    wdr = 0;
  let prevSum = n; // Σ_i w_{i,t−1}
  const w = new Float64Array(n);
  for (let t = 0; t < horizon; t++) {
    let sum = 0,
      weighted = 0,
      drTerm = 0,
      correction = 0,
      baseline = 0;
    for (let i = 0; i < n; i++) {
      const s = episodes[i]![t];
      w[i] = s ? prev[i]! * (s.target / s.propensity) : prev[i]!;
      sum += w[i]!;
      if (!s) continue;
      returns[i]! += s.reward;
      weighted += w[i]! * s.reward;
      drTerm += w[i]! * (s.reward - (s.q ?? 0)) + prev[i]! * (s.v ?? 0);
      correction += w[i]! * (s.reward - (s.q ?? 0));
      baseline += prev[i]! * (s.v ?? 0);
    }
    pdis += weighted / n;
    wpdis += sum > 0 ? weighted / sum : Number.NaN;
    dr += drTerm / n;
    wdr += (sum > 0 ? correction / sum : Number.NaN) + (prevSum > 0 ? baseline / prevSum : Number.NaN);
    prev.set(w);
    prevSum = sum;
  }
  let sw = 0,
    sw2 = 0,
    swg = 0;
  for (let i = 0; i < n; i++) {
    sw += prev[i]!;
    sw2 += prev[i]! ** 2;
    swg += prev[i]! * returns[i]!;
  }
  return {
    horizon,
    episodes: n,
    is: swg / n,
    wis: sw > 0 ? swg / sw : Number.NaN,
    pdis,
    wpdis,
    dr,
    wdr,
    ess: sw2 > 0 ? (sw * sw) / sw2 : 0,
  };
}

/**
 * Ridge regression: β minimising Σ_k (y_k − x_k·β)² + λ‖β‖², from the sums XᵀX (d × d, row-major) and
 * Xᵀy that `RidgeSums` accumulates; solved by Cholesky. λ > 0 keeps it solvable when features are
 * collinear or constant.
 */
export class RidgeSums {
  readonly xtx: Float64Array;
  readonly xty: Float64Array;
  count = 0;

  constructor(readonly dims: number) {
    if (!Number.isInteger(dims) || dims < 1) throw invalid(`ridge: dims must be a positive integer (got ${dims})`);
    this.xtx = new Float64Array(dims * dims);
    this.xty = new Float64Array(dims);
  }

  /** Adds one sample (x has `dims` values). */
  add(x: ArrayLike<number>, y: number): void {
    const d = this.dims;
    if (x.length !== d) throw invalid(`ridge: a sample has ${x.length} values, not ${d}`);
    for (let a = 0; a < d; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      this.xty[a]! += xa * y;
      for (let b = 0; b < d; b++) this.xtx[a * d + b]! += xa * x[b]!;
    }
    this.count++;
  }
}

export function fitRidge(sums: RidgeSums, lambda: number): Float64Array {
  if (!(lambda > 0)) throw invalid(`ridge: lambda must be > 0 (got ${lambda})`);
  const d = sums.dims;
  const l = new Float64Array(d * d); // Cholesky factor of XᵀX + λI
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = sums.xtx[i * d + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j]!;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = sums.xty[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * z[k]!;
    z[i] = s / l[i * d + i]!;
  }
  const beta = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * beta[k]!;
    beta[i] = s / l[i * d + i]!;
  }
  return beta;
}
