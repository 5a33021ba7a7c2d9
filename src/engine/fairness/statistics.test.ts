/**
 * The audit's fast statistics (one sorted walk and per-learner sums: every observed figure, and the
 * rounds of a comparison with a reference group) against a direct recomputation with the metrics module
 * on each group's own attempts, for several random assignments of the labels. The rounds of the groups
 * against the rest are checked against these in attribute-statistics.test.ts.
 */
import { abroca, auc, auditFairness, createRng, expectedCalibrationError, rocCurve } from "../index.js";
import type { FairnessAuditInput, GroupStats, LearnerRecommendations } from "../index.js";

const rng = createRng(17);
const LEARNERS = 60;
const p: number[] = [],
  y: number[] = [],
  position: number[] = [],
  learner: number[] = [];
for (let l = 0; l < LEARNERS; l++) {
  const attempts = 1 + rng.int(25);
  for (let k = 1; k <= attempts; k++) {
    const score = Math.round(rng.next() * 20) / 20; // 21 distinct values, 0 and 1 included: ties everywhere
    p.push(score);
    y.push(rng.next() < 0.1 + 0.8 * score ? 1 : 0);
    position.push(k);
    learner.push(l);
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const defined = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));
const recommendations: (LearnerRecommendations | null)[] = Array.from({ length: LEARNERS }, () => {
  if (rng.next() < 0.2) return null;
  const count = rng.int(4);
  return {
    predictedSuccess: Array.from({ length: count }, () => rng.next()),
    goalAdvancingShare: count === 0 ? Number.NaN : rng.next(),
    attemptsToMastery: rng.next() < 0.3 ? Number.NaN : 3 + rng.int(30),
    readiness: rng.next() < 0.1 ? Number.NaN : Math.round(rng.next() * 8) / 8, // 9 values: tied learners
  };
});

/**
 * Per learner, a recommendation figure minus the mean of its readiness decile, directly: among the m
 * learners with a recommended task and a finite readiness, the one whose readiness exceeds c others' is in
 * decile ⌊10c/m⌋; NaN for the others.
 */
function residuals(figure: (r: LearnerRecommendations) => number): number[] {
  const ready = recommendations.map((r) => (r && r.predictedSuccess.length > 0 && Number.isFinite(r.readiness) ? r : null));
  const m = ready.filter((r) => r !== null).length;
  const decile = ready.map((r) =>
    r === null ? -1 : Math.floor((10 * ready.filter((o) => o !== null && o.readiness < r.readiness).length) / m),
  );
  return ready.map((r, l) => {
    if (r === null || Number.isNaN(figure(r))) return Number.NaN;
    const peers = ready.filter((o, k) => o !== null && decile[k] === decile[l] && !Number.isNaN(figure(o)));
    return figure(r) - mean(peers.map((o) => figure(o!)));
  });
}
const successResiduals = residuals((r) => mean([...r.predictedSuccess]));
const shareResiduals = residuals((r) => r.goalAdvancingShare);

/** The attempts of a set of learners, as plain arrays. */
function subset(members: Set<number>, from: number, to = Infinity) {
  const sp: number[] = [],
    sy: number[] = [];
  p.forEach((v, i) => {
    if (members.has(learner[i]!) && position[i]! >= from && position[i]! <= to) {
      sp.push(v);
      sy.push(y[i]!);
    }
  });
  return { p: sp, y: sy };
}

function expectDirect(stats: GroupStats, members: Set<number>, threshold: number) {
  const h = subset(members, 2);
  const cold = subset(members, 2, 10);
  expect(stats.learners).toBe(members.size);
  expect(stats.attempts).toBe(h.p.length);
  expect(stats.auc).toBeCloseTo(auc(h.p, h.y), 12);
  expect(stats.coldStartAuc).toBeCloseTo(auc(cold.p, cold.y), 12);
  expect(stats.ece).toBeCloseTo(expectedCalibrationError(h.p, h.y), 12);
  expect(stats.meanPredicted).toBeCloseTo(mean(h.p), 12);
  expect(stats.meanObserved).toBeCloseTo(mean(h.y), 12);
  expect(stats.calibrationInTheLarge).toBeCloseTo(mean(h.p) - mean(h.y), 12);
  const positives = h.p.filter((_, i) => h.y[i] === 1);
  expect(stats.truePositiveRate).toBeCloseTo(positives.filter((v) => v >= threshold).length / positives.length, 12);
  // reliability diagram: bin b holds p in [b/10, (b+1)/10), the last bin also p = 1
  for (const bin of stats.calibration) {
    const inBin = h.p.map((v, i) => [v, i] as const).filter(([v]) => Math.min(9, Math.floor(v * 10)) === bin.bin);
    expect(bin.n).toBe(inBin.length);
    expect(bin.meanPredicted).toBeCloseTo(mean(inBin.map(([v]) => v)), 12);
    expect(bin.meanObserved).toBeCloseTo(mean(inBin.map(([, i]) => h.y[i]!)), 12);
  }
  expect(stats.calibration.reduce((n, b) => n + b.n, 0)).toBe(h.p.length);
  // recommendations: per learner, then averaged over the learners that have the figure
  const recs = [...members].map((l) => recommendations[l]).filter((r): r is LearnerRecommendations => !!r && r.predictedSuccess.length > 0);
  expect(stats.recommended?.learners).toBe(recs.length);
  expect(stats.recommended?.meanPredictedSuccess).toBeCloseTo(mean(recs.map((r) => mean([...r.predictedSuccess]))), 12);
  expect(stats.recommended?.goalAdvancingShare).toBeCloseTo(mean(defined(recs.map((r) => r.goalAdvancingShare))), 12);
  expect(stats.recommended?.attemptsToMastery).toBeCloseTo(mean(defined(recs.map((r) => r.attemptsToMastery))), 12);
  const readiness = defined(recs.map((r) => r.readiness));
  expect(stats.recommended?.meanReadiness).toBeCloseTo(mean(readiness), 12);
  expect(stats.recommended?.successResidual).toBeCloseTo(mean(defined([...members].map((l) => successResiduals[l]!))), 12);
  expect(stats.recommended?.goalAdvancingShareResidual).toBeCloseTo(mean(defined([...members].map((l) => shareResiduals[l]!))), 12);
  const all = recs.flatMap((r) => [...r.predictedSuccess]).sort((a, b) => a - b);
  const median = all.length % 2 === 1 ? all[(all.length - 1) / 2]! : (all[all.length / 2 - 1]! + all[all.length / 2]!) / 2;
  expect(stats.recommended?.quartiles?.[1]).toBeCloseTo(median, 12);
  expect(stats.recommended?.histogram.reduce((a, b) => a + b, 0)).toBe(all.length);
  return h;
}

describe("the audit's fast statistics", () => {
  it("equal auc(), expectedCalibrationError() and direct sums on each group, for several label permutations", () => {
    const labels = [...new Array<string>(25).fill("A"), ...new Array<string>(35).fill("B")];
    for (let trial = 0; trial < 4; trial++) {
      const shuffled = rng.shuffle(labels);
      const input: FairnessAuditInput = {
        p,
        y,
        position,
        learner,
        learners: LEARNERS,
        attributes: new Map([["g", shuffled]]),
        recommendations,
      };
      const audit = auditFairness(input, { rounds: 0, minGroupSize: 2 });
      expect(audit.comparisons).toHaveLength(1); // two groups: the smaller one (A) against the rest only
      const c = audit.comparisons[0]!;
      expect([c.group, c.reference]).toEqual(["A", "rest"]);
      const inA = new Set(shuffled.flatMap((g, l) => (g === "A" ? [l] : [])));
      const inB = new Set(shuffled.flatMap((g, l) => (g === "B" ? [l] : [])));
      const a = expectDirect(c.groupStats, inA, audit.params.threshold);
      const b = expectDirect(c.referenceStats, inB, audit.params.threshold);
      const gap = (metric: string) => c.checks.find((k) => k.metric === metric)!.gap!;
      expect(gap("ABROCA")).toBeCloseTo(abroca(rocCurve(a.p, a.y)!, rocCurve(b.p, b.y)!), 12);
      expect(gap("AUC")).toBeCloseTo(auc(a.p, a.y) - auc(b.p, b.y), 12);
      expect(gap("CALIBRATION_IN_THE_LARGE")).toBeCloseTo(
        c.groupStats.calibrationInTheLarge! - c.referenceStats.calibrationInTheLarge!,
        12,
      );
      // conditional on readiness: the difference of the mean residuals within the readiness deciles
      const residualGap = (r: number[]) => mean(defined([...inA].map((l) => r[l]!))) - mean(defined([...inB].map((l) => r[l]!)));
      expect(gap("RECOMMENDED_SUCCESS")).toBeCloseTo(residualGap(successResiduals), 12);
      expect(gap("GOAL_ADVANCING_SHARE")).toBeCloseTo(residualGap(shareResiduals), 12);
      const rawGap = (metric: string) => c.checks.find((k) => k.metric === metric)!.rawGap!;
      expect(rawGap("RECOMMENDED_SUCCESS")).toBeCloseTo(
        c.groupStats.recommended!.meanPredictedSuccess! - c.referenceStats.recommended!.meanPredictedSuccess!,
        12,
      );
      expect(rawGap("GOAL_ADVANCING_SHARE")).toBeCloseTo(
        c.groupStats.recommended!.goalAdvancingShare! - c.referenceStats.recommended!.goalAdvancingShare!,
        12,
      );
      expect(c.checks.find((k) => k.metric === "AUC")!.rawGap).toBeUndefined();
    }
  });
});
