/**
 * The fairness audit's vocabulary: plain data. The audit compares, per protected attribute, each group of
 * held-out learners with the rest (or a reference group) on accuracy, ranking (ABROCA), calibration,
 * cold start and the recommendations they get, with a permutation test per gap.
 *
 * Group labels reach the audit as opaque strings per learner index. No model, recommender or training
 * set ever receives them: the audit reads the predictions and recommendations they produced without them.
 */

/** A check's outcome. INSUFFICIENT_DATA: a group below the minimum size; NOT_AUDITABLE: the metric is undefined (the reason says why). */
export type CheckStatus = "PASS" | "FAIL" | "INSUFFICIENT_DATA" | "NOT_AUDITABLE";

/** FAILED: a check failed. PASSED: none failed and at least one passed. NOT_AUDITABLE: nothing could be checked (the reason says why). */
export type AuditStatus = "PASSED" | "FAILED" | "NOT_AUDITABLE";

/**
 * Each gap is group − reference (ABROCA is an unsigned area):
 * - AUC: AUC on attempts 2.. of each learner;
 * - ABROCA: ∫₀¹ |ROC_group(f) − ROC_reference(f)| df (Gardner, Brooks & Baker 2019);
 * - ECE: expected calibration error (10 equal-width bins);
 * - CALIBRATION_IN_THE_LARGE: mean predicted − mean observed success;
 * - EQUAL_OPPORTUNITY: true-positive rate at the threshold (share of correct answers predicted ≥ threshold);
 * - COLD_START_AUC: AUC on attempts 2–10;
 * - RECOMMENDED_SUCCESS: per learner, the mean predicted success of the tasks recommended to them, conditional
 *   on readiness (below);
 * - GOAL_ADVANCING_SHARE: per learner, the share of recommended tasks that advance their goal, conditional on
 *   readiness;
 * - ATTEMPTS_TO_MASTERY: per learner, the planned attempts to reach the goal; averaged.
 *
 * Conditional on readiness (conditional statistical parity, Corbett-Davies, Pierson, Feller, Goel & Huq
 * 2017; by direct standardisation): a recommender serves a learner from the tasks their state leaves open,
 * so a group of weaker learners is offered tasks of lower predicted success even by a recommender that
 * aims the same for everyone — fewer tasks fall in its band for them. Parity means learners in the same
 * state get the same kind of recommendation whatever their group. Each learner's figure is taken minus the
 * mean figure of the audited learners in the same readiness stratum (readiness-strata.ts: quantile strata
 * of `LearnerRecommendations.readiness`); the gap is the group's mean residual minus the reference's.
 * The raw means stay in GroupStats.recommended and FairnessCheck.rawGap.
 */
export type FairnessMetric =
  | "AUC"
  | "ABROCA"
  | "ECE"
  | "CALIBRATION_IN_THE_LARGE"
  | "EQUAL_OPPORTUNITY"
  | "COLD_START_AUC"
  | "RECOMMENDED_SUCCESS"
  | "GOAL_ADVANCING_SHARE"
  | "ATTEMPTS_TO_MASTERY";

/** What a replay of one held-out learner through the recommender gave (NaN where it gave nothing). */
export interface LearnerRecommendations {
  /** Predicted success of each recommended task (by the audited model). */
  readonly predictedSuccess: readonly number[];
  /** Share of the recommended tasks that advance the learner's goal, in [0, 1]; NaN with no recommendation. */
  readonly goalAdvancingShare: number;
  /** Planned attempts to reach the goal; NaN when the plan gives no estimate. */
  readonly attemptsToMastery: number;
  /**
   * The learner's state as the recommendation may legitimately depend on it: the mean predicted success
   * of every task the recommender could choose for them (`candidatePredictions`: their goal's unmastered
   * skills' tasks past the prerequisite gate), under the recommender's shared parameters; NaN when it could
   * choose none. RECOMMENDED_SUCCESS and GOAL_ADVANCING_SHARE compare learners of equal readiness.
   */
  readonly readiness: number;
}

export interface FairnessAuditInput {
  /**
   * The audited model's predictions on the held-out learners, as the evaluation protocol makes them
   * (`predictSequences`): per attempt its prediction, outcome, 1-based position and learner index.
   */
  readonly p: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly position: ArrayLike<number>;
  readonly learner: ArrayLike<number>;
  /** Number of learners (indices 0 … learners − 1). */
  readonly learners: number;
  /** attribute name → group label per learner index (null: not recorded for that learner). */
  readonly attributes: ReadonlyMap<string, readonly (string | null)[]>;
  /** Per learner index, the replayed recommendations; omitted: recommendation parity is not audited. */
  readonly recommendations?: readonly (LearnerRecommendations | null)[];
}

/** The metrics of one set of learners (a group, or its reference). Null: undefined on this set. */
export interface GroupStats {
  readonly label: string;
  readonly learners: number;
  /** Attempts 2.. of each learner (the headline subset). */
  readonly attempts: number;
  readonly auc: number | null;
  readonly ece: number | null;
  readonly meanPredicted: number | null;
  readonly meanObserved: number | null;
  readonly calibrationInTheLarge: number | null;
  readonly truePositiveRate: number | null;
  readonly coldStartAuc: number | null;
  /** ROC curve, at most ~101 points from (0,0) to (1,1), for plots. */
  readonly roc: readonly (readonly [fpr: number, tpr: number])[];
  /** Reliability diagram: 10 equal-width bins (empty bins left out). */
  readonly calibration: readonly {
    readonly bin: number;
    readonly meanPredicted: number;
    readonly meanObserved: number;
    readonly n: number;
  }[];
  /** Recommendation parity (null when not audited or no learner of the set got a recommendation). */
  readonly recommended: {
    readonly learners: number;
    readonly meanPredictedSuccess: number | null;
    /** Quartiles of the predicted success of all tasks recommended to the set. */
    readonly quartiles: readonly [number, number, number] | null;
    /** Counts over 10 equal-width bins of predicted success [0, 0.1), … [0.9, 1]. */
    readonly histogram: readonly number[];
    readonly goalAdvancingShare: number | null;
    readonly attemptsToMastery: number | null;
    /** Mean readiness of the set's learners with one. */
    readonly meanReadiness: number | null;
    /**
     * Mean over the set's learners of (their mean predicted success of the tasks recommended − the mean of
     * the audited learners in their readiness stratum): the group's minus the reference's is the conditional
     * RECOMMENDED_SUCCESS gap.
     */
    readonly successResidual: number | null;
    /** As successResidual, of the goal-advancing share (GOAL_ADVANCING_SHARE's conditional gap). */
    readonly goalAdvancingShareResidual: number | null;
  } | null;
}

export interface FairnessCheck {
  readonly attribute: string;
  readonly group: string;
  /** "rest" (every other learner with the attribute recorded) or the reference group's label. */
  readonly reference: string;
  readonly metric: FairnessMetric;
  /** group − reference (ABROCA: the area; RECOMMENDED_SUCCESS, GOAL_ADVANCING_SHARE: conditional on readiness); null when undefined. */
  readonly gap: number | null;
  /** Of the checks conditional on readiness: the unconditional gap (group − reference of the raw means). */
  readonly rawGap?: number | null;
  /** |gap| above this fails when significant; null: reported, never gating. */
  readonly threshold: number | null;
  /** Permutation p-value (two-sided; ABROCA one-sided), null when not tested. */
  readonly pValue: number | null;
  /** After the multiple-testing correction over every gated check of the audit. */
  readonly adjustedPValue: number | null;
  readonly status: CheckStatus;
  /** One sentence: why this status. */
  readonly reason: string;
}

export interface FairnessComparison {
  readonly attribute: string;
  readonly group: string;
  readonly reference: string;
  readonly groupStats: GroupStats;
  readonly referenceStats: GroupStats;
  readonly checks: readonly FairnessCheck[];
}

export interface AttributeSummary {
  readonly name: string;
  /** Learners per group (every group, small ones included). */
  readonly groups: readonly { readonly label: string; readonly learners: number }[];
  /** True for an intersection of two attributes ("a×b"). */
  readonly intersection: boolean;
  readonly status: "AUDITED" | "INSUFFICIENT_DATA" | "NOT_AUDITABLE";
  readonly reason: string;
}

export interface FairnessAudit {
  readonly status: AuditStatus;
  /** One sentence: the outcome, naming the failing checks (attribute, group, metric, gap, p-value). */
  readonly reason: string;
  readonly learners: number;
  readonly attempts: number;
  readonly attributes: readonly AttributeSummary[];
  readonly comparisons: readonly FairnessComparison[];
  /** Every check of every comparison, flattened. */
  readonly checks: readonly FairnessCheck[];
  /** The resolved parameters the audit ran with. */
  readonly params: import("./params.js").FairnessParams;
}
