/**
 * The report of one set of learners (a group or its reference): its metrics (the figures the checks
 * compare) and what the plots need — a ROC curve, a reliability diagram and the spread of the
 * predicted success of the tasks recommended to it.
 */
import { downsampleRoc, rocCurve } from "./roc.js";
import { CALIBRATION_BINS, type LearnerSums } from "./learner-sums.js";
import type { SideValues } from "./statistics.js";
import type { FairnessAuditInput, GroupStats } from "./types.js";

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** Linear-interpolation quantile (R's type 7) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function reliability(stats: LearnerSums, members: readonly number[]): GroupStats["calibration"] {
  const diagram: { bin: number; meanPredicted: number; meanObserved: number; n: number }[] = [];
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    let n = 0,
      p = 0,
      y = 0;
    for (const l of members) {
      const c = l * CALIBRATION_BINS + b;
      n += stats.binCount[c]!;
      p += stats.binSumP[c]!;
      y += stats.binSumY[c]!;
    }
    if (n > 0) diagram.push({ bin: b, meanPredicted: p / n, meanObserved: y / n, n });
  }
  return diagram;
}

function recommended(input: FairnessAuditInput, members: readonly number[], values: SideValues): GroupStats["recommended"] {
  if (!input.recommendations) return null;
  const predicted: number[] = [];
  let learners = 0,
    readiness = 0,
    ready = 0;
  for (const l of members) {
    const r = input.recommendations[l];
    if (!r || r.predictedSuccess.length === 0) continue;
    learners++;
    for (const p of r.predictedSuccess) if (Number.isFinite(p)) predicted.push(p);
    if (Number.isFinite(r.readiness)) {
      readiness += r.readiness;
      ready++;
    }
  }
  if (learners === 0) return null;
  predicted.sort((a, b) => a - b);
  const histogram = new Array<number>(10).fill(0);
  for (const p of predicted) histogram[Math.max(0, Math.min(9, Math.floor(p * 10)))]!++;
  return {
    learners,
    meanPredictedSuccess: orNull(values.recommendedSuccess),
    quartiles: predicted.length === 0 ? null : [quantile(predicted, 0.25), quantile(predicted, 0.5), quantile(predicted, 0.75)],
    histogram,
    goalAdvancingShare: orNull(values.goalAdvancingShare),
    attemptsToMastery: orNull(values.attemptsToMastery),
    meanReadiness: ready === 0 ? null : readiness / ready,
    successResidual: orNull(values.recommendedSuccessResidual),
    goalAdvancingShareResidual: orNull(values.goalAdvancingShareResidual),
  };
}

/** The stats of `members` (learner indices); `values` are their fast statistics (statistics.ts). */
export function groupStats(
  input: FairnessAuditInput,
  sums: LearnerSums,
  label: string,
  members: readonly number[],
  values: SideValues,
): GroupStats {
  const member = new Uint8Array(input.learners);
  for (const l of members) member[l] = 1;
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < input.p.length; i++) {
    if (input.position[i]! >= 2 && member[input.learner[i]!] === 1) {
      p.push(input.p[i]!);
      y.push(input.y[i]!);
    }
  }
  const curve = p.length > 0 ? rocCurve(p, y) : null;
  return {
    label,
    learners: members.length,
    attempts: values.attempts,
    auc: orNull(values.auc),
    ece: orNull(values.ece),
    meanPredicted: orNull(values.meanPredicted),
    meanObserved: orNull(values.meanObserved),
    calibrationInTheLarge: orNull(values.calibrationInTheLarge),
    truePositiveRate: orNull(values.truePositiveRate),
    coldStartAuc: orNull(values.coldStartAuc),
    roc: curve ? downsampleRoc(curve) : [],
    calibration: reliability(sums, members),
    recommended: recommended(input, members, values),
  };
}
