/** The field's baselines, behind the engine's `KnowledgeModel` interface. */
export { irtTrainer, loadIrtModel, IrtModel, DEFAULT_IRT_PARAMS } from "./irt.js";
export type { IrtParams } from "./irt.js";
export { eloTrainer, loadEloModel, EloModel, DEFAULT_ELO_PARAMS } from "./elo.js";
export type { EloParams } from "./elo.js";
export { pfaTrainer, loadPfaModel } from "./pfa.js";
export { bestLrTrainer, loadBestLrModel } from "./bestlr.js";
export { CountLogisticModel, DEFAULT_COUNT_LOGISTIC_PARAMS, PFA_FEATURES, BESTLR_FEATURES } from "./count-logistic.js";
export type { CountLogisticParams, CountFeatureSet } from "./count-logistic.js";
export { bktTrainer, bktForgettingTrainer, loadBktModel, BktModel, DEFAULT_BKT_PARAMS } from "./bkt.js";
export type { BktParams } from "./bkt.js";
export { fitKc as fitBktComponent, emStep as bktEmStep } from "./bkt-em.js";
export type { BktKcParams, EmResult as BktEmResult } from "./bkt-em.js";
