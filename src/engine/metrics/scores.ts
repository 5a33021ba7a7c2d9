import { PROBABILITY_FLOOR, clampProbability } from "../math.js";
import { checkPairs } from "./check.js";

/** Root mean squared error: √( Σ (pᵢ − yᵢ)² / n ). */
export function rmse(predictions: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  checkPairs(predictions, outcomes, "rmse");
  let s = 0;
  for (let i = 0; i < predictions.length; i++) s += (predictions[i]! - outcomes[i]!) ** 2;
  return Math.sqrt(s / predictions.length);
}

/**
 * Mean log loss (binary cross-entropy, natural log): −Σ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)] / n, with every
 * pᵢ first clipped into [ε, 1 − ε] (ε = PROBABILITY_FLOOR = 1e-6 by default) so one confident mistake
 * costs at most ln(1/ε) ≈ 13.8 instead of infinity.
 */
export function logLoss(predictions: ArrayLike<number>, outcomes: ArrayLike<number>, epsilon: number = PROBABILITY_FLOOR): number {
  checkPairs(predictions, outcomes, "logLoss");
  let s = 0;
  for (let i = 0; i < predictions.length; i++) {
    const p = clampProbability(predictions[i]!, epsilon);
    s -= outcomes[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / predictions.length;
}

/** Mean outcome (the success rate). */
export function successRate(outcomes: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < outcomes.length; i++) s += outcomes[i]!;
  return outcomes.length === 0 ? NaN : s / outcomes.length;
}
