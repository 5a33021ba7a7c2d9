/**
 * Enums of the personalisation API, each registered under its GraphQL values. Engine strategies
 * are lower-case ("zpd"); the API spells them as GraphQL enums (ZPD) and maps in one place here.
 */
import { registerEnumType } from "type-graphql";
import type {
  RecommendStrategy,
  ReasonCode as EngineReasonCode,
  EstimateStatus as EngineEstimateStatus,
  GoalStatusCode,
  RecommendationReason,
} from "../../engine/recommend/index.js";
import { Personalisation } from "../../services/personalisation/personalisation.service.js";
import type { PolicyFallbackCode as ServicePolicyFallbackCode } from "../../services/policy/policy-serving.js";

export enum RecommendationStrategy {
  ZPD = "ZPD",
  LOWEST_MASTERY = "LOWEST_MASTERY",
  CURRICULUM = "CURRICULUM",
  POLICY = "POLICY",
}
registerEnumType(RecommendationStrategy, {
  name: "RecommendationStrategy",
  description:
    "ZPD aims predicted success at a band (default 0.65–0.85); LOWEST_MASTERY works on the weakest skill first; CURRICULUM follows the prerequisite order (non-personalised); POLICY lets the school's learned sequencing policy choose among the same candidates (falling back to ZPD, with the reason in `fallback`, when it cannot be used).",
});

const TO_ENGINE: Record<RecommendationStrategy, RecommendStrategy> = {
  ZPD: "zpd",
  LOWEST_MASTERY: "lowest-mastery",
  CURRICULUM: "curriculum",
  POLICY: "policy",
};
export const toEngineStrategy = (s: RecommendationStrategy): RecommendStrategy => TO_ENGINE[s];
export const fromEngineStrategy = (s: RecommendStrategy): RecommendationStrategy =>
  (Object.keys(TO_ENGINE) as RecommendationStrategy[]).find((k) => TO_ENGINE[k] === s)!;

const PersonalisationValues = Object.fromEntries(Object.values(Personalisation).map((v) => [v, v])) as {
  readonly [K in Personalisation]: K;
};
registerEnumType(PersonalisationValues, {
  name: "PersonalisationMode",
  description:
    "PERSONALISED: the learner's own estimates; NO_CONSENT: no consent to personalisation (typical learner, curriculum order); NO_MODEL: no active model yet.",
});
export { Personalisation };
/** The registered GraphQL enum object (use in `@Field(() => PersonalisationMode)`). */
export const PersonalisationMode = PersonalisationValues;

export enum PredictionBasis {
  PERSONALISED = "PERSONALISED",
  TYPICAL_LEARNER = "TYPICAL_LEARNER",
  SKILL_ESTIMATE = "SKILL_ESTIMATE",
  NONE = "NONE",
}
registerEnumType(PredictionBasis, {
  name: "PredictionBasis",
  description:
    "Where a prediction comes from: the learner's state, a typical learner (no consent), the task's skills (a task newer than the model), or nothing (no model).",
});

/*
 * The engine's string unions, mirrored as GraphQL enums. `satisfies { [K in X]: K }` makes the
 * compiler fail when the engine adds or removes a value, so the API cannot drift from it.
 */
export const ReasonCode = {
  PINNED: "PINNED",
  IN_BAND: "IN_BAND",
  CLOSEST_TO_BAND: "CLOSEST_TO_BAND",
  PREREQUISITE_GAP: "PREREQUISITE_GAP",
  LOWEST_MASTERY: "LOWEST_MASTERY",
  CURRICULUM_ORDER: "CURRICULUM_ORDER",
  REVIEW: "REVIEW",
  POLICY: "POLICY",
} as const satisfies { [K in EngineReasonCode]: K };
export type ReasonCode = EngineReasonCode;
registerEnumType(ReasonCode, { name: "ReasonCode", description: "Why a task was chosen." });

export const SkillRole = { TARGET: "TARGET", PREREQUISITE: "PREREQUISITE" } as const satisfies { [K in RecommendationReason["role"]]: K };
export type SkillRole = RecommendationReason["role"];
registerEnumType(SkillRole, { name: "SkillRole", description: "A goal's target skill, or a prerequisite on the way to one." });

export const EstimateStatus = {
  MASTERED: "MASTERED",
  ESTIMATED: "ESTIMATED",
  CAPPED: "CAPPED",
  NO_TASKS: "NO_TASKS",
  NOT_MODELLED: "NOT_MODELLED",
} as const satisfies { [K in EngineEstimateStatus]: K };
export type EstimateStatus = EngineEstimateStatus;
registerEnumType(EstimateStatus, {
  name: "EstimateStatus",
  description:
    "How attempts-to-mastery was estimated: already mastered, estimated, at the cap (a lower bound), no task to practise, or not modelled (no model).",
});

export const GoalProgressStatus = {
  ACHIEVED: "ACHIEVED",
  ON_TRACK: "ON_TRACK",
  BEHIND: "BEHIND",
  UNCERTAIN: "UNCERTAIN",
  NO_DEADLINE: "NO_DEADLINE",
  BLOCKED: "BLOCKED",
} as const satisfies { [K in GoalStatusCode]: K };
export type GoalProgressStatus = GoalStatusCode;
registerEnumType(GoalProgressStatus, { name: "GoalProgressStatus", description: "Where a goal stands against its deadline." });

export enum SimilarityBasis {
  EMBEDDING = "EMBEDDING",
  SHARED_SKILLS = "SHARED_SKILLS",
}
registerEnumType(SimilarityBasis, {
  name: "SimilarityBasis",
  description: "EMBEDDING: the active model's metric-learned task embedding; SHARED_SKILLS: no embedding yet, tasks sharing skills.",
});

export const PolicyFallbackCode = {
  NO_CONSENT: "NO_CONSENT",
  NO_MODEL: "NO_MODEL",
  NO_POLICY: "NO_POLICY",
  POLICY_UNREADABLE: "POLICY_UNREADABLE",
  MODEL_CHANGED: "MODEL_CHANGED",
  CURRICULUM_CHANGED: "CURRICULUM_CHANGED",
  NO_CHOICE: "NO_CHOICE",
} as const satisfies { [K in ServicePolicyFallbackCode]: K };
export type PolicyFallbackCode = ServicePolicyFallbackCode;
registerEnumType(PolicyFallbackCode, {
  name: "PolicyFallbackCode",
  description:
    "Why strategy POLICY was not used: NO_CONSENT, NO_MODEL (not personalised: curriculum order); NO_POLICY (none active), POLICY_UNREADABLE (corrupt or another format), MODEL_CHANGED (trained with another knowledge model), CURRICULUM_CHANGED (trained for another curriculum), NO_CHOICE (fewer than two candidate tasks): the ZPD rule answered.",
});
