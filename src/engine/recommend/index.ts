/**
 * Recommendation of the next tasks and planning of a learning path: pure decision logic over any
 * `KnowledgeModel`. Every answer carries its reason, structured and readable.
 */
export {
  recommend,
  recommendFromCandidates,
  candidatePredictions,
  candidatesInContext,
  recommendationCandidates,
  explorationDraw,
  explorationProbability,
} from "./recommend.js";
export type { RecommendationCandidate, RankedRecommendations } from "./recommend.js";
export { planPath, rolloutToMastery } from "./plan.js";
export { goalProgress } from "./progress.js";
export { topologicalOrder } from "./topo.js";
export type { TopologicalOrder } from "./topo.js";
export { compileCurriculum, isCompiledCurriculum } from "./curriculum.js";
export type { CurriculumGraph, GraphSkill, GraphTask, CompiledCurriculum, CompiledSkill, CompiledTask } from "./curriculum.js";
export { DEFAULT_RECOMMEND_PARAMS, resolveRecommendParams } from "./params.js";
export type { RecommendParams } from "./params.js";
export { explain as explainReason } from "./explain.js";
export { RECOMMEND_STRATEGIES } from "./types.js";
export type {
  RecommendStrategy,
  TeacherOverrides,
  LearnerContextInput,
  RecommendInput,
  ReasonCode,
  PolicyChoiceFacts,
  PrerequisiteStatus,
  RecommendationReason,
  Recommendation,
  PlanInput,
  EstimateStatus,
  PlanSkill,
  PlanStep,
  LearningPlan,
  FailureResponse,
  GoalProgressInput,
  GoalStatusCode,
  GoalProgress,
} from "./types.js";
