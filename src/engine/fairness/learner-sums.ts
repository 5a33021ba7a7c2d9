/**
 * The per-learner sums behind the audit's calibration, true-positive-rate and recommendation figures,
 * computed once, so that a side's figures in a permutation round are sums over its learners
 * (O(learners × bins) per round, whatever the number of attempts):
 *
 * - per learner and calibration bin, the count, Σp and Σy of their headline attempts (position ≥ 2);
 *   a side's ECE = Σ_b |Σ_b p − Σ_b y| / n and calibration-in-the-large = (Σ p − Σ y) / n. The bins are
 *   those of `expectedCalibrationError` (metrics/calibration.ts): bin b = min(B − 1, ⌊p·B⌋), B = 10;
 * - per learner, their correct headline answers and those predicted ≥ threshold;
 * - per learner, the mean predicted success of the tasks recommended to them, their goal-advancing share
 *   and attempts to mastery (NaN where the replay gave none), and the first two's residuals within the
 *   learner's readiness stratum (readiness-strata.ts), each averaged over the side's learners that have it.
 */
import { readinessStrata, residualsByStratum } from "./readiness-strata.js";
import type { FairnessAuditInput } from "./types.js";

export const CALIBRATION_BINS = 10;

/** A side's sums, as `LearnerSums.sum` returns them. */
export interface SideSums {
  attempts: number;
  sumP: number;
  sumY: number;
  /** Σ_b |Σ_b p − Σ_b y|: ECE × attempts. */
  binGaps: number;
  positives: number;
  positivesAbove: number;
  recommendedLearners: number;
  /** Mean over the learners with the figure; NaN when none has it. */
  recommendedSuccess: number;
  goalAdvancingShare: number;
  attemptsToMastery: number;
  /** Mean residuals within the readiness strata (the conditional figures). */
  recommendedSuccessResidual: number;
  goalAdvancingShareResidual: number;
}

/** The per-learner recommendation figures, in the order of `LearnerSums.recommendation`. */
const RECOMMENDATION_FIGURES = 5;

const meanOfDefined = (values: ArrayLike<number>): number => {
  let s = 0,
    n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i]!)) {
      s += values[i]!;
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
};

export class LearnerSums {
  /** learner × bin: count, Σp, Σy of the headline attempts. */
  readonly binCount: Float64Array;
  readonly binSumP: Float64Array;
  readonly binSumY: Float64Array;
  private readonly positives: Float64Array;
  private readonly positivesAbove: Float64Array;
  /**
   * Per learner: had a recommendation (1/0); mean predicted success, goal share, attempts to mastery, and
   * the residuals of the first two within the readiness strata (NaN where undefined).
   */
  private readonly recommended: Uint8Array;
  private readonly recommendation: Float64Array[];

  constructor(input: FairnessAuditInput, threshold: number, strata: number) {
    const L = input.learners,
      B = CALIBRATION_BINS;
    this.binCount = new Float64Array(L * B);
    this.binSumP = new Float64Array(L * B);
    this.binSumY = new Float64Array(L * B);
    this.positives = new Float64Array(L);
    this.positivesAbove = new Float64Array(L);
    for (let i = 0; i < input.p.length; i++) {
      if (input.position[i]! < 2) continue;
      const p = input.p[i]!,
        y = input.y[i]!,
        l = input.learner[i]!;
      const cell = l * B + Math.min(B - 1, Math.floor(p * B));
      this.binCount[cell]!++;
      this.binSumP[cell]! += p;
      this.binSumY[cell]! += y;
      if (y === 1) {
        this.positives[l]!++;
        if (p >= threshold) this.positivesAbove[l]!++;
      }
    }
    this.recommended = new Uint8Array(L);
    const undefinedPerLearner = () => new Float64Array(L).fill(Number.NaN);
    const success = undefinedPerLearner(),
      share = undefinedPerLearner(),
      attempts = undefinedPerLearner(),
      readiness = undefinedPerLearner();
    input.recommendations?.forEach((r, l) => {
      if (!r || r.predictedSuccess.length === 0) return;
      this.recommended[l] = 1;
      success[l] = meanOfDefined(r.predictedSuccess);
      share[l] = r.goalAdvancingShare;
      attempts[l] = r.attemptsToMastery;
      readiness[l] = r.readiness;
    });
    const stratum = readinessStrata(readiness, strata);
    this.recommendation = [
      success,
      share,
      attempts,
      residualsByStratum(success, stratum, strata),
      residualsByStratum(share, stratum, strata),
    ];
  }

  /** Both sides' sums for the split `side` (side[learner]: 1 group, 0 reference, 2 neither). */
  sum(side: Uint8Array): [SideSums, SideSums] {
    const sums = this.sumByLabel(side, 2);
    return [sideSums(sums, [0]), sideSums(sums, [1])];
  }

  /**
   * Per label the sums of its learners, in one pass over the learners (label[learner] in 0 … labels − 1;
   * a larger label is left out). A side made of several labels is their sums added (`sideSums`).
   */
  sumByLabel(label: Uint8Array, labels: number): LabelSums {
    const B = CALIBRATION_BINS,
      F = RECOMMENDATION_FIGURES;
    const out: LabelSums = {
      labels,
      count: new Float64Array(labels * B),
      sumP: new Float64Array(labels * B),
      sumY: new Float64Array(labels * B),
      positives: new Float64Array(labels),
      positivesAbove: new Float64Array(labels),
      recommendedLearners: new Float64Array(labels),
      recSum: new Float64Array(labels * F),
      recN: new Float64Array(labels * F),
    };
    const { count, sumP, sumY, positives, positivesAbove, recommendedLearners, recSum, recN } = out;
    for (let l = 0; l < label.length; l++) {
      const s = label[l]!;
      if (s >= labels) continue;
      for (let b = 0, c = l * B; b < B; b++, c++) {
        if (this.binCount[c] === 0) continue;
        count[s * B + b]! += this.binCount[c]!;
        sumP[s * B + b]! += this.binSumP[c]!;
        sumY[s * B + b]! += this.binSumY[c]!;
      }
      positives[s]! += this.positives[l]!;
      positivesAbove[s]! += this.positivesAbove[l]!;
      if (this.recommended[l] === 0) continue;
      recommendedLearners[s]!++;
      for (let f = 0; f < F; f++) {
        const v = this.recommendation[f]![l]!;
        if (Number.isNaN(v)) continue;
        recSum[F * s + f]! += v;
        recN[F * s + f]!++;
      }
    }
    return out;
  }
}

/** Per label: per calibration bin the count, Σp, Σy; the positives; per recommendation figure Σ and count. */
export interface LabelSums {
  readonly labels: number;
  readonly count: Float64Array;
  readonly sumP: Float64Array;
  readonly sumY: Float64Array;
  readonly positives: Float64Array;
  readonly positivesAbove: Float64Array;
  readonly recommendedLearners: Float64Array;
  readonly recSum: Float64Array;
  readonly recN: Float64Array;
}

/**
 * The sums of the side made of the labels `members` (in that order, bin by bin: a calibration gap is
 * taken on the side's bin totals). One label's side is its own sums exactly (0 + x = x).
 */
export function sideSums(sums: LabelSums, members: readonly number[]): SideSums {
  const B = CALIBRATION_BINS,
    F = RECOMMENDATION_FIGURES;
  let n = 0,
    p = 0,
    y = 0,
    gaps = 0,
    positives = 0,
    above = 0,
    learners = 0;
  for (let b = 0; b < B; b++) {
    let cb = 0,
      pb = 0,
      yb = 0;
    for (const s of members) {
      cb += sums.count[s * B + b]!;
      pb += sums.sumP[s * B + b]!;
      yb += sums.sumY[s * B + b]!;
    }
    n += cb;
    p += pb;
    y += yb;
    gaps += Math.abs(pb - yb);
  }
  const recSum = new Float64Array(F),
    recN = new Float64Array(F);
  for (const s of members) {
    positives += sums.positives[s]!;
    above += sums.positivesAbove[s]!;
    learners += sums.recommendedLearners[s]!;
    for (let f = 0; f < F; f++) {
      recSum[f]! += sums.recSum[F * s + f]!;
      recN[f]! += sums.recN[F * s + f]!;
    }
  }
  const mean = (f: number) => (recN[f]! > 0 ? recSum[f]! / recN[f]! : Number.NaN);
  return {
    attempts: n,
    sumP: p,
    sumY: y,
    binGaps: gaps,
    positives,
    positivesAbove: above,
    recommendedLearners: learners,
    recommendedSuccess: mean(0),
    goalAdvancingShare: mean(1),
    attemptsToMastery: mean(2),
    recommendedSuccessResidual: mean(3),
    goalAdvancingShareResidual: mean(4),
  };
}
