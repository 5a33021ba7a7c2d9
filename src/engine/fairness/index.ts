/** The fairness audit (issue #15): every model audited by learner group, permutation-tested. */
export type * from "./types.js";
export { DEFAULT_FAIRNESS_PARAMS } from "./params.js";
export type { FairnessParams } from "./params.js";
export { resolveFairnessParams } from "./resolve-params.js";
export { auditFairness } from "./audit.js";
export { rocCurve, abroca, downsampleRoc } from "./roc.js";
export type { RocCurve } from "./roc.js";
export { permutationTest } from "./permutation.js";
export type { PermutationTestInput, PermutationTestResult, SideStatistic } from "./permutation.js";
export { holm, benjaminiHochberg, adjustPValues } from "./multiple-testing.js";
export type { Correction } from "./multiple-testing.js";
export { learnerReadiness, replayRecommendations } from "./recommendation-replay.js";
export type { RecommendationReplayInput, ReplayGoal } from "./recommendation-replay.js";
export { groupBalancedWeights, perGroupCalibration } from "./mitigation.js";
export type { CalibrationMethod, GroupCalibration, PerGroupCalibration } from "./mitigation.js";
