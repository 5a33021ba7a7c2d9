/**
 * Multiple-testing corrections over a family of m p-values, as adjusted p-values in the input order
 * (a test is rejected at level α when its adjusted p-value is < α; same convention as R's p.adjust).
 * With p₍₁₎ ≤ … ≤ p₍ₘ₎ the sorted p-values:
 *
 * - Holm (1979), step-down, controls the family-wise error rate:
 *     adj₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎)
 * - Benjamini–Hochberg (1995), step-up, controls the false discovery rate (independent or positively
 *   dependent tests):
 *     adj₍ᵢ₎ = min_{j ≥ i} min(1, m · p₍ⱼ₎ / j)
 *
 * Both are monotone in the sorted order; ties keep their input order (the adjusted values agree).
 */
import { EngineError, EngineErrorCode } from "../errors.js";

export type Correction = "holm" | "benjamini-hochberg";

function sortedOrder(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) {
      throw new EngineError(EngineErrorCode.InvalidParameters, `p-value ${i} is ${p}, not in [0, 1]`);
    }
  });
  return pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]! || a - b);
}

/** Holm's step-down adjusted p-values, in input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = sortedOrder(pValues);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((index, j) => {
    running = Math.max(running, Math.min(1, (m - j) * pValues[index]!));
    out[index] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjusted p-values, in input order. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = sortedOrder(pValues);
  const out = new Array<number>(m);
  let running = 1;
  for (let j = m - 1; j >= 0; j--) {
    const index = order[j]!;
    running = Math.min(running, (m * pValues[index]!) / (j + 1));
    out[index] = running;
  }
  return out;
}

/** The adjusted p-values of `correction`. */
export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  return correction === "holm" ? holm(pValues) : benjaminiHochberg(pValues);
}
