/**
 * Recommendation parity conditional on readiness (types.ts): groups that differ only in how ready their
 * learners are get no conditional gap, while a recommender that aims one group's band higher is caught.
 */
import { predictSequences } from "../evaluation.js";
import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import { auditFairness } from "./audit.js";
import { replayRecommendations } from "./recommendation-replay.js";
import type { FairnessAuditInput, LearnerRecommendations } from "./types.js";

const check = (audit: ReturnType<typeof auditFairness>, metric: string) => audit.checks.find((c) => c.metric === metric)!;

describe("recommendation parity, by hand: two groups that differ in readiness only", () => {
  // Readiness 0.3, 0.5 or 0.7; the recommendations depend on it alone: predicted success 0.4 + 0.5·r (the
  // mean of r-dependent pairs), goal-advancing share 1 − r. A: 20 learners at each level; B: 40 at 0.3, 20 at 0.5.
  const levels = [
    ...[0.3, 0.5, 0.7].flatMap((r) => new Array<number>(20).fill(r)),
    ...new Array<number>(40).fill(0.3),
    ...new Array<number>(20).fill(0.5),
  ];
  const groups = levels.map((_, l) => (l < 60 ? "A" : "B"));
  const recommendations: LearnerRecommendations[] = levels.map((r) => ({
    predictedSuccess: [0.35 + 0.5 * r, 0.45 + 0.5 * r],
    goalAdvancingShare: 1 - r,
    attemptsToMastery: 10,
    readiness: r,
  }));
  // Three attempts per learner, the same for all: the prediction checks see no difference.
  const input: FairnessAuditInput = {
    p: levels.flatMap(() => [0.6, 0.6, 0.6]),
    y: levels.flatMap(() => [1, 0, 1]),
    position: levels.flatMap(() => [1, 2, 3]),
    learner: levels.flatMap((_, l) => [l, l, l]),
    learners: levels.length,
    attributes: new Map([["g", groups]]),
    recommendations,
  };
  // Raw means: A 0.65 and 0.5; B (40·0.55 + 20·0.65)/60 = 0.58333… and (40·0.7 + 20·0.5)/60 = 0.63333…
  const rawSuccess = 35 / 60 - 0.65,
    rawShare = 38 / 60 - 0.5;

  it("gives no conditional gap (p = 1) and reports the raw gaps beside it", () => {
    const audit = auditFairness(input, { rounds: 200 });
    expect(audit.comparisons.map((c) => `${c.group} vs ${c.reference}`)).toEqual(["B vs rest"]); // equal sizes: the later label
    for (const [metric, raw] of [
      ["RECOMMENDED_SUCCESS", rawSuccess],
      ["GOAL_ADVANCING_SHARE", rawShare],
    ] as const) {
      const c = check(audit, metric);
      expect(c.gap).toBeCloseTo(0, 12);
      expect(c.rawGap).toBeCloseTo(raw, 12);
      expect(Math.abs(raw)).toBeGreaterThan(c.threshold!); // the raw gap alone is beyond the threshold
      expect(c.pValue).toBe(1);
      expect(c.status).toBe("PASS");
      expect(c.reason).toContain("conditional on readiness (raw gap ");
    }
    const stats = audit.comparisons[0]!.groupStats.recommended!;
    expect(stats.meanPredictedSuccess).toBeCloseTo(35 / 60, 12); // the raw figures stay in the report
    expect(stats.meanReadiness).toBeCloseTo((40 * 0.3 + 20 * 0.5) / 60, 12);
    expect(stats.successResidual).toBeCloseTo(0, 12);
  });

  it("with one stratum compares the raw means, and then the same data fail", () => {
    const audit = auditFairness(input, { rounds: 200, readinessStrata: 1 });
    const success = check(audit, "RECOMMENDED_SUCCESS");
    expect(success.gap).toBeCloseTo(rawSuccess, 12);
    expect(success.status).toBe("FAIL");
    expect(check(audit, "GOAL_ADVANCING_SHARE").gap).toBeCloseTo(rawShare, 12);
    expect(audit.reason).toContain("RECOMMENDED_SUCCESS gap −0.067 conditional on readiness (raw gap −0.067)");
  });

  it("without any readiness, the conditional checks are not auditable and say why", () => {
    const unready = { ...input, recommendations: recommendations.map((r) => ({ ...r, readiness: Number.NaN })) };
    const c = check(auditFairness(unready, { rounds: 50 }), "RECOMMENDED_SUCCESS");
    expect(c.status).toBe("NOT_AUDITABLE");
    expect(c.reason).toMatch(/has a readiness/);
    expect(c.rawGap).toBeCloseTo(rawSuccess, 12);
  });
});

describe("recommendation parity on a simulated school: a recommender biased for one group", () => {
  // Elo fitted on 40 % of a school; the other 120 learners (two groups, no difference between them) are
  // replayed through the recommender, fairly or with group B's band moved up by 0.1 ([0.75, 0.95]).
  const school = simulateSchool({ learners: 200, attemptsPerLearner: [20, 50] }, 21);
  const split = splitLearners(school, { seed: 2, testFraction: 0.6 });
  const groupOf = new Map(school.learners.map((l) => [l.learnerId, l.group]));
  const curriculum = {
    skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
    tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
  };
  const ids = [...split.test.sequences.keys()];
  const groups = ids.map((id) => groupOf.get(id)!);
  const audits: Record<"fair" | "biased", ReturnType<typeof auditFairness>> = {} as never;

  beforeAll(async () => {
    const eloOptions = { seed: 1, a: 0.4, b: 0.03 }; // fixed step sizes: no grid search, a fast fit
    const elo = await trainers.elo!.fit(split.train, eloOptions);
    const predictions = predictSequences([elo], split.test.sequences)[0]!;
    const replay = (biased: boolean) =>
      replayRecommendations({
        model: elo,
        curriculum,
        sequences: split.test.sequences,
        now: Date.UTC(2026, 5, 1),
        paramsFor: (id) => (biased && groupOf.get(id) === "B" ? { bandLow: 0.75, bandHigh: 0.95, bandTarget: 0.85 } : undefined),
      });
    for (const kind of ["fair", "biased"] as const) {
      const input = {
        ...predictions,
        learners: ids.length,
        attributes: new Map([["group", groups]]),
        recommendations: replay(kind === "biased"),
      };
      audits[kind] = auditFairness(input, { rounds: 400, referenceGroups: { group: "A" } });
    }
  });

  it("flags the biased recommender's RECOMMENDED_SUCCESS gap, conditional on readiness", () => {
    expect(groups.filter((g) => g === "A").length).toBeGreaterThanOrEqual(30);
    expect(groups.filter((g) => g === "B").length).toBeGreaterThanOrEqual(30);
    const biased = check(audits.biased, "RECOMMENDED_SUCCESS");
    expect([biased.group, biased.reference, biased.status]).toEqual(["B", "A", "FAIL"]);
    expect(biased.gap!).toBeGreaterThan(0.03); // B is sent easier tasks than A learners as ready as they are
    expect(audits.biased.reason).toContain("group: B vs A, RECOMMENDED_SUCCESS gap ");
    // the readiness the strata are drawn from ignores the override: the same in both replays
    const readiness = (a: typeof audits.fair) => a.comparisons[0]!.groupStats.recommended!.meanReadiness;
    expect(readiness(audits.biased)).toBe(readiness(audits.fair));
  });

  it("does not flag the same recommender without the bias", () => {
    const fair = check(audits.fair, "RECOMMENDED_SUCCESS");
    expect(fair.status).toBe("PASS");
    expect(Math.abs(fair.gap!)).toBeLessThan(Math.abs(check(audits.biased, "RECOMMENDED_SUCCESS").gap!));
  });
});
