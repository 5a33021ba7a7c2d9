import { EngineError, EngineErrorCode } from "../errors.js";
import { averageRanks } from "./ranks.js";

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks (ties share their mean rank),
 * so it is exact with ties, unlike the 1 − 6Σd²/(n(n²−1)) shortcut. NaN when either side is constant.
 */
export function spearman(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  if (xs.length !== ys.length || xs.length < 2) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `spearman: needs two equally long series of at least 2 values (${xs.length}, ${ys.length})`,
    );
  }
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const n = rx.length;
  const mean = (n + 1) / 2; // average ranks always have this mean
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean,
      dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}
