/**
 * The audit's statistics of one split of the learners into a group (side 1) and its reference
 * (side 0), fast enough to recompute in every permutation round: everything that does not depend on
 * the split is computed once — the headline attempts (position ≥ 2) and the cold-start attempts
 * (positions 2–10) each sorted by prediction (sorted-walk.ts: AUC, ROC, ABROCA in one walk per round)
 * and the per-learner sums (learner-sums.ts: calibration, true-positive rate, recommendations and their
 * residuals within the readiness strata, in O(learners × bins) per round).
 */
import { LearnerSums, type SideSums } from "./learner-sums.js";
import { SortedWalk } from "./sorted-walk.js";
import type { FairnessAuditInput, FairnessMetric } from "./types.js";

/** One side's figures (NaN where undefined). */
export interface SideValues {
  readonly auc: number;
  readonly ece: number;
  readonly meanPredicted: number;
  readonly meanObserved: number;
  /** mean predicted − mean observed success. */
  readonly calibrationInTheLarge: number;
  /** Share of the correct answers predicted ≥ the threshold. */
  readonly truePositiveRate: number;
  readonly coldStartAuc: number;
  readonly recommendedSuccess: number;
  readonly goalAdvancingShare: number;
  readonly attemptsToMastery: number;
  /** Mean residuals of the two above within the readiness strata (readiness-strata.ts). */
  readonly recommendedSuccessResidual: number;
  readonly goalAdvancingShareResidual: number;
  /** Headline attempts. */
  readonly attempts: number;
  /** Learners with at least one recommended task. */
  readonly recommendedLearners: number;
}

export interface SplitStatistics {
  readonly reference: SideValues;
  readonly group: SideValues;
  /** ABROCA between the two sides' headline ROC curves (NaN when either is undefined). */
  readonly abroca: number;
}

type SideField = Exclude<keyof SideValues, "attempts" | "recommendedLearners" | "meanPredicted" | "meanObserved">;

/** The audited metrics in report order, each with the side figure its gap compares (ABROCA: the area). */
export const FAIRNESS_METRICS: readonly (readonly [FairnessMetric, SideField | null])[] = [
  ["AUC", "auc"],
  ["ABROCA", null],
  ["ECE", "ece"],
  ["CALIBRATION_IN_THE_LARGE", "calibrationInTheLarge"],
  ["EQUAL_OPPORTUNITY", "truePositiveRate"],
  ["COLD_START_AUC", "coldStartAuc"],
  ["RECOMMENDED_SUCCESS", "recommendedSuccessResidual"],
  ["GOAL_ADVANCING_SHARE", "goalAdvancingShareResidual"],
  ["ATTEMPTS_TO_MASTERY", "attemptsToMastery"],
];

/** The metrics whose gap is conditional on readiness (types.ts), each with the raw figure of its rawGap. */
export const CONDITIONAL_ON_READINESS: Readonly<Partial<Record<FairnessMetric, SideField>>> = {
  RECOMMENDED_SUCCESS: "recommendedSuccess",
  GOAL_ADVANCING_SHARE: "goalAdvancingShare",
};

export class FairnessStatistics {
  readonly sums: LearnerSums;
  /** The headline attempts (position ≥ 2) and the cold-start ones (2–10), each sorted by prediction. */
  readonly headline: SortedWalk;
  readonly coldStart: SortedWalk;

  /** `input`'s predictions must all be probabilities (the audit checks before); `strata`: readiness strata. */
  constructor(input: FairnessAuditInput, threshold: number, strata: number) {
    this.sums = new LearnerSums(input, threshold, strata);
    this.headline = new SortedWalk(input, (k) => k >= 2);
    this.coldStart = new SortedWalk(input, (k) => k >= 2 && k <= 10);
  }

  /** The statistics of the split `side` (side[learner]: 1 group, 0 reference, 2 neither). */
  compute(side: Uint8Array): SplitStatistics {
    this.headline.walk(side);
    const abroca = this.headline.abroca();
    const auc = [this.headline.auc[0]!, this.headline.auc[1]!];
    this.coldStart.walk(side);
    const sums = this.sums.sum(side);
    const [reference, group] = [0, 1].map((s) => sideValues(sums[s]!, auc[s]!, this.coldStart.auc[s]!));
    return { reference: reference!, group: group!, abroca };
  }
}

/** One side's figures from its sums and its two AUCs. */
export function sideValues(sums: SideSums, auc: number, coldStartAuc: number): SideValues {
  const { attempts: n, sumP, sumY, binGaps, positives, positivesAbove, ...recommendation } = sums;
  const defined = n > 0;
  return {
    auc,
    ece: defined ? binGaps / n : Number.NaN,
    meanPredicted: defined ? sumP / n : Number.NaN,
    meanObserved: defined ? sumY / n : Number.NaN,
    calibrationInTheLarge: defined ? (sumP - sumY) / n : Number.NaN,
    truePositiveRate: positives > 0 ? positivesAbove / positives : Number.NaN,
    coldStartAuc,
    attempts: n,
    ...recommendation,
  };
}

/** Group − reference per FAIRNESS_METRICS entry (ABROCA: the area). */
export function gapsOf(stats: SplitStatistics, out: Float64Array = new Float64Array(FAIRNESS_METRICS.length)): Float64Array {
  FAIRNESS_METRICS.forEach(([, field], m) => {
    out[m] = field === null ? stats.abroca : stats.group[field] - stats.reference[field];
  });
  return out;
}
