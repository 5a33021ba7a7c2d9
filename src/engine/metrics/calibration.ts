import { checkPairs } from "./check.js";

/**
 * Expected calibration error with equal-width bins:
 *
 *   ECE = Σ_b (n_b / n) · | mean(p over bin b) − mean(y over bin b) |
 *
 * The bins split [0, 1] into `bins` intervals of equal width (10 by default: [0, 0.1), [0.1, 0.2), …,
 * [0.9, 1.0]; the last bin is closed so p = 1 lands in it). Empty bins contribute nothing.
 */
export function expectedCalibrationError(predictions: ArrayLike<number>, outcomes: ArrayLike<number>, bins = 10): number {
  checkPairs(predictions, outcomes, "expectedCalibrationError");
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += outcomes[i]!;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) ece += Math.abs(sumP[b]! - sumY[b]!) / predictions.length; // = (n_b/n)·|mean p − mean y|
  }
  return ece;
}
