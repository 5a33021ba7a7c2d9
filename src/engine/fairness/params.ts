/**
 * The fairness audit's parameters: one object with documented defaults, validated (options.ts).
 *
 * Thresholds are policy, not statistics: a gap fails only when it is both larger than its threshold and
 * significant after the multiple-testing correction. A threshold of null reports the gap without gating
 * on it — used where a gap is expected between groups of different ability even under a perfectly fair
 * model (equal opportunity cannot hold together with calibration when base rates differ: Kleinberg,
 * Mullainathan & Raghavan 2017; Chouldechova 2017), so gating on it would penalise calibration.
 */
import type { FairnessMetric } from "./types.js";

export interface FairnessParams {
  /** A group with fewer learners is reported as INSUFFICIENT_DATA. */
  readonly minGroupSize: number;
  /** Permutation rounds per comparison (≥ 1,000 for a report). */
  readonly rounds: number;
  /** Seed of the permutations. */
  readonly seed: number;
  /** Family-wise (Holm) or false-discovery (Benjamini–Hochberg) level over the audit's gated checks. */
  readonly alpha: number;
  readonly correction: "holm" | "benjamini-hochberg";
  /** Threshold of EQUAL_OPPORTUNITY's true-positive rate: the recommender's band floor by default. */
  readonly threshold: number;
  /** Per metric: |gap| above which a significant gap fails; null = reported only. */
  readonly thresholds: Readonly<Record<FairnessMetric, number | null>>;
  /** Compare each group with this group instead of the rest, per attribute (absent: the rest). */
  readonly referenceGroups: Readonly<Record<string, string>>;
  /** Audit the intersections of two attributes where both groups are large enough. */
  readonly intersections: boolean;
  /**
   * Quantile strata of readiness within which RECOMMENDED_SUCCESS and GOAL_ADVANCING_SHARE compare
   * learners (readiness-strata.ts). Default 10 (deciles): Cochran (1968) found five strata remove about
   * 90 % of the bias of a confounder; ten leave less within a stratum and keep ≈ 10 % of the audited
   * learners in each (e.g. 30 of 300). 1 compares the raw means.
   */
  readonly readinessStrata: number;
}

export const DEFAULT_FAIRNESS_PARAMS: FairnessParams = {
  minGroupSize: 30,
  rounds: 1000,
  seed: 1,
  alpha: 0.05,
  correction: "holm",
  threshold: 0.65,
  thresholds: {
    AUC: 0.02,
    ABROCA: 0.02,
    ECE: 0.03,
    CALIBRATION_IN_THE_LARGE: 0.03,
    EQUAL_OPPORTUNITY: null,
    COLD_START_AUC: 0.03,
    RECOMMENDED_SUCCESS: 0.03,
    GOAL_ADVANCING_SHARE: 0.1,
    ATTEMPTS_TO_MASTERY: null,
  },
  referenceGroups: {},
  intersections: true,
  readinessStrata: 10,
};
