/**
 * The Rényi-DP accountant of DP-SGD (issue #18, item 4): the privacy of T steps of the sampled Gaussian
 * mechanism — each step samples each record (a learner, for user-level privacy) with probability q,
 * clips each record's contribution to norm C and adds N(0, σ²C²) noise — as an (ε, δ) guarantee.
 *
 * RDP of one step at an integer order α ≥ 2 (Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy
 * of the Sampled Gaussian Mechanism", section 3.3):
 *
 *   A_α = Σ_{k=0..α} C(α, k) (1 − q)^(α−k) q^k exp((k² − k) / (2σ²)),    RDP(α) = log(A_α) / (α − 1),
 *
 * computed in log space (a log-sum-exp over k), and α/(2σ²) when q = 1 (the plain Gaussian mechanism).
 * RDP composes by addition: T steps give T·RDP(α). The conversion to (ε, δ) takes the best order:
 *
 * - "classic" (Mironov 2017, Proposition 3): ε = T·RDP(α) + log(1/δ) / (α − 1);
 * - "improved" (Balle et al. 2020, Theorem 21; as TF Privacy and Opacus now do):
 *   ε = T·RDP(α) + log((α − 1)/α) − (log δ + log α) / (α − 1), never larger than the classic one.
 *
 * Integer orders only: the reference tools add fractional orders, which matter when the best order is
 * small (large ε); on their MNIST examples the integer orders give their published figures.
 * Pure: numbers in, numbers out.
 */
import { EngineError, EngineErrorCode } from "../errors.js";

/** The default orders: 2 … 64, then 128, 256, 512 (those of the reference tools, integers only). */
export const DEFAULT_RDP_ORDERS: readonly number[] = [...Array.from({ length: 63 }, (_, i) => i + 2), 128, 256, 512];

export interface DpSgdSpend {
  /** Sampling probability of a record in a step, in (0, 1]. */
  readonly q: number;
  /** Noise multiplier: the noise's standard deviation over the clipping norm, > 0. */
  readonly noiseMultiplier: number;
  /** Steps taken, ≥ 0. */
  readonly steps: number;
  readonly delta: number;
  readonly orders?: readonly number[];
  readonly conversion?: "classic" | "improved";
}

export interface DpGuarantee {
  readonly epsilon: number;
  readonly delta: number;
  /** The order the best ε was found at. */
  readonly order: number;
}

/** log(e^a + e^b) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** RDP of one step of the sampled Gaussian mechanism at integer order α ≥ 2. */
export function sampledGaussianRdp(q: number, noiseMultiplier: number, order: number): number {
  if (!(q > 0 && q <= 1)) throw new EngineError(EngineErrorCode.InvalidParameters, `q must be within (0, 1], got ${q}`);
  if (!(noiseMultiplier > 0))
    throw new EngineError(EngineErrorCode.InvalidParameters, `noiseMultiplier must be > 0, got ${noiseMultiplier}`);
  if (!Number.isInteger(order) || order < 2)
    throw new EngineError(EngineErrorCode.InvalidParameters, `an order must be an integer ≥ 2, got ${order}`);
  const s2 = noiseMultiplier * noiseMultiplier;
  if (q === 1) return order / (2 * s2);
  let logA = Number.NEGATIVE_INFINITY;
  let logBinom = 0; // log C(α, 0)
  const [lq, l1q] = [Math.log(q), Math.log1p(-q)];
  for (let k = 0; k <= order; k++) {
    if (k > 0) logBinom += Math.log(order - k + 1) - Math.log(k);
    logA = logAdd(logA, logBinom + (order - k) * l1q + k * lq + (k * k - k) / (2 * s2));
  }
  return logA / (order - 1);
}

/** The (ε, δ) guarantee of `steps` steps of DP-SGD, at the best of `orders`. */
export function dpSgdEpsilon(spend: DpSgdSpend): DpGuarantee {
  const { q, noiseMultiplier, steps, delta } = spend;
  if (!(delta > 0 && delta < 1)) throw new EngineError(EngineErrorCode.InvalidParameters, `delta must be within (0, 1), got ${delta}`);
  if (!(Number.isInteger(steps) && steps >= 0))
    throw new EngineError(EngineErrorCode.InvalidParameters, `steps must be an integer ≥ 0, got ${steps}`);
  const conversion = spend.conversion ?? "improved";
  let best: DpGuarantee = { epsilon: Number.POSITIVE_INFINITY, delta, order: Number.NaN };
  for (const order of spend.orders ?? DEFAULT_RDP_ORDERS) {
    const rdp = steps * sampledGaussianRdp(q, noiseMultiplier, order);
    const epsilon =
      conversion === "classic"
        ? rdp + Math.log(1 / delta) / (order - 1)
        : rdp + Math.log((order - 1) / order) - (Math.log(delta) + Math.log(order)) / (order - 1);
    if (epsilon < best.epsilon) best = { epsilon: Math.max(0, epsilon), delta, order };
  }
  return best;
}
