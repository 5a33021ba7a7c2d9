/**
 * Inputs and outputs of recommendation and path planning: plain data only. The services build the
 * inputs from the database (curriculum, goal, learner state, recent attempts, interests, a teacher's
 * overrides) and map the outputs to GraphQL.
 */
import type { Rng } from "../math.js";
import type { KnowledgeModel, LearnerState } from "../types.js";
import type { CompiledCurriculum, CurriculumGraph } from "./curriculum.js";

/**
 * - "zpd" (default): aim predicted success at the band (params.bandLow..bandHigh, target bandTarget).
 * - "lowest-mastery": the least-mastered workable skill first.
 * - "curriculum": the prerequisite (topological) order, NOT personalised: the ranking never reads the
 *   learner's state (what a learner without consent to personalisation gets).
 * - "policy": a learned sequencing policy chooses among the candidates (engine/policy/serve.ts
 *   `policyRecommend`); `recommend` itself ranks only by the three rules above.
 */
export type RecommendStrategy = "zpd" | "lowest-mastery" | "curriculum" | "policy";

/** The strategies `recommend` ranks by (the rules); "policy" is served by engine/policy. */
export const RECOMMEND_STRATEGIES: readonly RecommendStrategy[] = ["zpd", "lowest-mastery", "curriculum"];

/** A teacher's overrides. A task both pinned and skipped is skipped. */
export interface TeacherOverrides {
  /** Shown first, in this order (unknown task ids are ignored). */
  readonly pinnedTaskIds?: readonly string[];
  /** Never recommended, never a path step. */
  readonly skippedTaskIds?: readonly string[];
}

/** What both `recommend` and `planPath` read. */
export interface LearnerContextInput {
  readonly model: KnowledgeModel;
  /**
   * The learner's state under `model`. For a learner without consent pass `model.initialState()`: the
   * numbers shown (predicted success, mastery) are then the prior's, with no personal data.
   */
  readonly state: LearnerState;
  /** The curriculum, raw or compiled once with `compileCurriculum`. */
  readonly curriculum: CurriculumGraph | CompiledCurriculum;
  /** The goal's skills. Omitted or empty: every skill of the curriculum (no goal). Unknown ids are ignored. */
  readonly targetSkillIds?: readonly string[];
  /** The goal's mastery threshold τ in (0, 1); default params.masteryThreshold (0.8). */
  readonly masteryThreshold?: number;
  /** The learner's recent task ids, most recent first (only the first params.repeatWindow matter). */
  readonly recentTaskIds?: readonly string[];
  /** The learner's interests (topics). They only break ties. */
  readonly interests?: readonly string[];
  readonly overrides?: TeacherOverrides;
  /** Epoch ms put on hypothetical traces (models that read time); optional. */
  readonly now?: number;
}

export interface RecommendInput extends LearnerContextInput {
  /** How many tasks; default params.defaultCount (5). A non-negative integer. */
  readonly count?: number;
  readonly strategy?: RecommendStrategy;
  /**
   * ε-exploration of strategy "zpd" (recommend.ts `recommendFromCandidates`): with probability ε the
   * first unpinned place goes to a candidate drawn uniformly with `rng`, so that logged recommendations
   * give every candidate some support. Absent or ε = 0: deterministic. ε in [0, 1].
   */
  readonly exploration?: { readonly epsilon: number; readonly rng: Rng };
}

/**
 * Why a task was chosen (structured):
 * - PINNED: a teacher pinned it.
 * - IN_BAND: serves a goal skill; predicted success inside the band.
 * - CLOSEST_TO_BAND: serves a goal skill; no candidate inside the band, this is the closest.
 * - PREREQUISITE_GAP: serves an unmastered prerequisite of a goal skill (`prerequisiteOf`).
 * - LOWEST_MASTERY: strategy "lowest-mastery".
 * - CURRICULUM_ORDER: strategy "curriculum" (not personalised).
 * - REVIEW: every goal skill is already mastered; practice to keep it.
 * - POLICY: a learned sequencing policy chose it (`policy` says with which probability and what it aimed at).
 */
export type ReasonCode =
  | "PINNED"
  | "IN_BAND"
  | "CLOSEST_TO_BAND"
  | "PREREQUISITE_GAP"
  | "LOWEST_MASTERY"
  | "CURRICULUM_ORDER"
  | "REVIEW"
  | "POLICY";

/** What a learned policy's choice was (reason code POLICY). */
export interface PolicyChoiceFacts {
  /** π of the task: the probability the policy gives it as the learner's next task. */
  readonly probability: number;
  /** The candidates the policy chose among. */
  readonly candidates: number;
  /** True for the task drawn from π (the first item); false for the alternatives, in π order. */
  readonly drawn: boolean;
  /** What the choice aims at, in words (serve.ts `policyAim`). */
  readonly aim: string;
}

export interface PrerequisiteStatus {
  readonly skillId: string;
  readonly name: string;
  readonly mastery: number;
  readonly mastered: boolean;
}

export interface RecommendationReason {
  readonly code: ReasonCode;
  readonly strategy: RecommendStrategy;
  /** The skill the task serves. */
  readonly skillId: string;
  readonly skillName: string;
  /** Its mastery now (P(correct) on a typical task of the skill). */
  readonly mastery: number;
  readonly masterySd: number;
  readonly mastered: boolean;
  /** TARGET: a goal skill; PREREQUISITE: an unmastered prerequisite of one. */
  readonly role: "TARGET" | "PREREQUISITE";
  /** For a PREREQUISITE: the goal-path skills that need it. */
  readonly prerequisiteOf: readonly { readonly skillId: string; readonly name: string }[];
  /** The served skill's direct prerequisites and their mastery. */
  readonly prerequisites: readonly PrerequisiteStatus[];
  readonly predictedSuccess: number;
  readonly band: { readonly low: number; readonly high: number; readonly target: number };
  readonly inBand: boolean;
  /** The learner's interests among the task's topics. */
  readonly matchedInterests: readonly string[];
  /** False when the model does not know the task (its prediction is the skill-mastery prior). */
  readonly calibrated: boolean;
  /** Set for code POLICY. */
  readonly policy?: PolicyChoiceFacts;
}

export interface Recommendation {
  readonly taskId: string;
  /** The skill it serves. */
  readonly skillId: string;
  readonly predictedSuccess: number;
  /** Expected gain in mastery toward the goal from one attempt (definition: learner-view.ts `expectedProgress`). */
  readonly expectedProgress: number;
  readonly reason: RecommendationReason;
  /** The reason as one readable sentence. */
  readonly explanation: string;
  /**
   * The probability with which the strategy put this task at this rank, given the ranks above it (a
   * stochastic choice's, e.g. ε-exploration's or a learned policy's). Absent: 1 (a deterministic rule).
   * Logged with every served recommendation (services/recommendation-log/).
   */
  readonly propensity?: number;
}

export interface PlanInput extends LearnerContextInput {
  /**
   * The learner's last attempts, newest first (a few more than params.struggleFailures suffice). The
   * trailing run of failures (up to the first success) is what the plan reacts to: a task just failed
   * is not a step while another task of its skill is left, and a skill failed struggleFailures times
   * in a row gets an easier task than the ones failed, or a prerequisite to go back to (plan.ts).
   */
  readonly recentAttempts?: readonly { readonly taskId: string; readonly correct: boolean }[];
}

/** How the attempts-to-mastery estimate came about. */
/**
 * MASTERED: mastered now (0). ESTIMATED: the roll-out reached τ. CAPPED: it did not within the cap (the
 * cap is reported, a lower bound). NO_TASKS: no task to practise (not skipped, known to the curriculum).
 * NOT_MODELLED: the skill has tasks but the model knows none of them (a curriculum newer than the model):
 * no estimate until the next training.
 */
export type EstimateStatus = "MASTERED" | "ESTIMATED" | "CAPPED" | "NO_TASKS" | "NOT_MODELLED";

export interface PlanSkill {
  readonly skillId: string;
  readonly name: string;
  /** Mastery now. */
  readonly mastery: number;
  readonly mastered: boolean;
  /** A goal skill (else an unmastered prerequisite of one). */
  readonly target: boolean;
  /**
   * Simulated attempts until the model's mastery reaches τ (plan.ts). 0 when mastered; the cap
   * (params.maxAttemptsToMastery, a lower bound) when not reached within it; null for NO_TASKS and
   * NOT_MODELLED.
   */
  readonly estimatedAttemptsToMastery: number | null;
  readonly status: EstimateStatus;
}

/**
 * How a step answers the learner's recent failures on its skill (absent when there were none):
 * EASIER: a task predicted easier than every task just failed; PREREQUISITE_REVIEW: a step on a
 * prerequisite of the failed skill, put before it (no easier task was left); NO_EASIER: neither an
 * easier task nor a prerequisite to go back to (the explanation says so); OTHER_TASK: another task
 * than the one just failed (fewer failures than params.struggleFailures).
 */
export type FailureResponse = "EASIER" | "PREREQUISITE_REVIEW" | "NO_EASIER" | "OTHER_TASK";

export interface PlanStep {
  readonly skillId: string;
  readonly taskId: string;
  /** Set when the step answers recent failures (see FailureResponse), with how many in a row. */
  readonly afterFailures?: { readonly response: FailureResponse; readonly failures: number; readonly failedSkillId: string };
  readonly reason: RecommendationReason;
  readonly explanation: string;
  readonly estimatedAttemptsToMastery: number | null;
  /** Predicted success once the earlier steps are done (the simulated state the task was chosen at). */
  readonly plannedSuccess: number;
}

export interface LearningPlan {
  /** Pinned tasks first, then one step per unmastered plan skill in topological order. */
  readonly steps: readonly PlanStep[];
  /** The goal's skills and their unmastered prerequisites, in topological order. */
  readonly skills: readonly PlanSkill[];
  readonly masteryThreshold: number;
}

export interface GoalProgressInput {
  readonly plan: LearningPlan;
  /** Epoch ms. */
  readonly now: number;
  /** Epoch ms, or null / omitted for a goal without a deadline. */
  readonly deadline?: number | null;
  /** The learner's recent pace: attempts per day (≥ 0). */
  readonly attemptsPerDay: number;
}

export type GoalStatusCode = "ACHIEVED" | "ON_TRACK" | "BEHIND" | "UNCERTAIN" | "NO_DEADLINE" | "BLOCKED";

export interface GoalProgress {
  readonly targetSkills: number;
  readonly masteredSkills: number;
  /** masteredSkills / targetSkills (1 for a goal with no known skill). */
  readonly shareMastered: number;
  /** Σ estimatedAttemptsToMastery over the plan's skills (CAPPED ones count the cap; NO_TASKS and NOT_MODELLED ones 0). */
  readonly attemptsRemaining: number;
  /** True when some estimate hit the cap or is missing (NOT_MODELLED): attemptsRemaining is then a lower bound. */
  readonly lowerBound: boolean;
  /** Plan skills with no task to practise: the goal cannot be reached through tasks. */
  readonly blockedSkillIds: readonly string[];
  /** attemptsRemaining / attemptsPerDay; null when the pace is 0 and attempts remain. */
  readonly daysNeeded: number | null;
  /** now + daysNeeded, epoch ms; null when daysNeeded is null. */
  readonly projectedCompletionAt: number | null;
  readonly deadline: number | null;
  /** (deadline − now) in days, null without deadline; negative once passed. */
  readonly daysLeft: number | null;
  /**
   * null without a deadline, and when the remaining attempts are only a lower bound that the pace would
   * still meet (UNCERTAIN: some skill's estimate hit the cap or is missing). A lower bound that already
   * misses the deadline is BEHIND.
   */
  readonly onTrack: boolean | null;
  readonly status: GoalStatusCode;
  readonly explanation: string;
}
