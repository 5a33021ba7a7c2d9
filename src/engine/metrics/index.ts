/** Evaluation metrics for P(correct) predictions against 0/1 outcomes. */
export { auc } from "./auc.js";
export { rmse, logLoss, successRate } from "./scores.js";
export { expectedCalibrationError } from "./calibration.js";
export { spearman } from "./spearman.js";
export { averageRanks } from "./ranks.js";
