/**
 * The sequencing environment (issue 19 item 1): simulated schools with hidden, learning, forgetting and
 * sometimes discouraged learners; episodes a policy runs through, seeing only what the live system sees;
 * the heuristic policies built on the recommender, and the ZPD band's tuning on the training families.
 * Pure: seeds and times are arguments.
 */
export { DEFAULT_ENGAGEMENT, DEFAULT_LEARNER_TYPES, DEFAULT_POLICY_ENV_OPTIONS, resolvePolicyEnvOptions } from "./params.js";
export type { EngagementParams, LearnerType, PolicyEnvOptions } from "./params.js";
export { stopProbability } from "./engagement.js";
export { POLICY_FAMILIES, TRAINING_FAMILIES, HELD_OUT_FAMILIES } from "./families.js";
export type { PolicyFamily } from "./families.js";
export { simulatePolicySchool } from "./school.js";
export type { PolicySchool, PolicyEnvironment } from "./school.js";
export { observe } from "./observation.js";
export type { Observation, ObservationInput, ObservedAttempt, ObservedHistory, PolicyCandidate } from "./observation.js";
export { Episode, runEpisode, EPISODE_LEARNER_ID } from "./episode.js";
export type { EpisodeSpec, EpisodeResult, HiddenLearner, StepResult } from "./episode.js";
export {
  RANDOM_POLICY,
  CURRICULUM_POLICY,
  LOWEST_MASTERY_POLICY,
  ZPD_POLICY,
  HEURISTIC_POLICIES,
  zpdPolicy,
  epsilonGreedy,
} from "./policies.js";
export type { SequencingPolicy, PolicyChoice, ZpdBand } from "./policies.js";
export { tuneZpdBand, DEFAULT_BAND_GRID } from "./tune.js";
export type { BandGridOptions, BandScore, TunedBand } from "./tune.js";
export { CANDIDATE_FEATURES, CONTEXT_FEATURES, DEFAULT_FEATURE_PARAMS, FEATURE_COUNT, FEATURE_LAYOUT, policyFeatures } from "./features.js";
export type { FeatureParams } from "./features.js";
export { LearnedPolicy, loadPolicy, serializePolicy, sharpenPolicy, POLICY_FORMAT, POLICY_FORMAT_VERSION } from "./learned.js";
export type { PolicyTrainingInfo } from "./learned.js";
export { DEFAULT_POLICY_TRAINING, resolvePolicyTrainingOptions, trainPolicy } from "./ppo.js";
export type { PolicyIteration, PolicyTrainingOptions, PolicyTrainingRun, TrainedPolicy } from "./ppo.js";
export { curriculumFingerprint, curriculumPolicySchool, simulableCurriculum, SCHOOL_CURRICULUM_FAMILY } from "./curriculum-school.js";
export type { CurriculumSchoolOptions } from "./curriculum-school.js";
export { judgeGate, trainSchoolPolicy } from "./school-policy.js";
export type { GateFigures, PolicyGateVerdict, SchoolPolicy, SchoolPolicyOptions } from "./school-policy.js";
export { policyAim, policyRecommend, servedObservation } from "./serve.js";
export type { PolicyRecommendation, PolicyRecommendInput } from "./serve.js";
export { offPolicyEstimates, fitRidge, RidgeSums } from "./off-policy.js";
export type { LoggedEpisode, LoggedStep, OffPolicyEstimates } from "./off-policy.js";
