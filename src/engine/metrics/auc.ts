import { checkPairs } from "./check.js";
import { averageRanks } from "./ranks.js";

/**
 * Area under the ROC curve, rank-based (the Mann–Whitney U statistic):
 *
 *   AUC = (Σ_{i positive} rank_i − n₊(n₊ + 1)/2) / (n₊ · n₋)
 *
 * with average ranks for tied predictions, so a tie between a positive and a negative counts ½ — the
 * same value as the trapezoidal ROC area. Returns NaN when only one class is present (AUC is undefined
 * there; callers print it as "n/a").
 */
export function auc(predictions: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  checkPairs(predictions, outcomes, "auc");
  const ranks = averageRanks(predictions);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < outcomes.length; i++) {
    if (outcomes[i] === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = outcomes.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
