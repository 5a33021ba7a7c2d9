/**
 * The audit's permutation rounds per attribute (one shuffle of its labels serves every group against the
 * rest: label-permutation.ts) against the per-comparison test (permutationTest on FairnessStatistics): the
 * same p-values for two groups, and the same null distribution for more.
 */
import { createRng, simulateSchool } from "../index.js";
import { auditFairness, comparisonSeed } from "./audit.js";
import { permutationTest } from "./permutation.js";
import { FAIRNESS_METRICS, FairnessStatistics, gapsOf } from "./statistics.js";
import type { FairnessAudit, FairnessAuditInput, LearnerRecommendations } from "./types.js";

/** A simulated school's attempts with the oracle's predictions, `groups` as the attribute, and random recommendations. */
function inputOf(groups: Record<string, number>, seed: number): FairnessAuditInput {
  const school = simulateSchool({ learners: 150, attemptsPerLearner: [15, 40], groups }, seed);
  const rng = createRng(seed);
  const groupOf = new Map(school.learners.map((l) => [l.learnerId, l.group]));
  const p: number[] = [],
    y: number[] = [],
    position: number[] = [],
    learner: number[] = [],
    labels: string[] = [];
  for (const [id, seq] of school.sequences) {
    seq.forEach((a, k) => {
      p.push(a.pCorrect);
      y.push(a.correct);
      position.push(k + 1);
      learner.push(labels.length);
    });
    labels.push(groupOf.get(id)!);
  }
  const recommendations: LearnerRecommendations[] = labels.map(() => ({
    predictedSuccess: [0.6 + 0.3 * rng.next()],
    goalAdvancingShare: rng.next(),
    attemptsToMastery: 5 + rng.int(20),
    readiness: rng.next(),
  }));
  return { p, y, position, learner, learners: labels.length, attributes: new Map([["g", labels]]), recommendations };
}

/** Each comparison's p-values by its own permutationTest (seeded as the audit seeds a lone comparison). */
function ownTests(input: FairnessAuditInput, audit: FairnessAudit, rounds: number) {
  const stats = new FairnessStatistics(input, audit.params.threshold, audit.params.readinessStrata);
  const labels = input.attributes.get("g")!;
  return audit.comparisons.map((c) => {
    const group = labels.flatMap((g, l) => (g === c.group ? [l] : []));
    const reference = labels.flatMap((g, l) => (g !== c.group && g !== null ? [l] : []));
    return permutationTest({
      learners: input.learners,
      group,
      reference,
      statistic: (side) => gapsOf(stats.compute(side)),
      rounds,
      seed: comparisonSeed(audit.params.seed, `g\u0000${c.group}\u0000${c.reference}`),
      oneSided: FAIRNESS_METRICS.map(([m]) => m === "ABROCA"),
    }).pValues;
  });
}

describe("the audit's permutation rounds, one shuffle per attribute", () => {
  it("two groups: the p-values of the comparison's own permutation test, exactly", () => {
    const input = inputOf({ A: 0.55, B: 0.45 }, 4);
    const audit = auditFairness(input, { rounds: 300 });
    expect(audit.comparisons).toHaveLength(1);
    const own = ownTests(input, audit, 300)[0]!;
    expect(audit.comparisons[0]!.checks.map((c) => c.pValue)).toEqual(own);
    expect(own.filter((p) => p !== null && p < 1).length).toBeGreaterThan(5); // p-values that could differ
  });

  it("three groups: each comparison's p-values estimate its own test's (within 4 standard errors of the difference)", () => {
    const input = inputOf({ A: 0.4, B: 0.35, C: 0.25 }, 6);
    const rounds = 3000;
    const audit = auditFairness(input, { rounds });
    expect(audit.comparisons.map((c) => c.group)).toEqual(["A", "B", "C"]);
    const own = ownTests(input, audit, rounds);
    audit.comparisons.forEach((c, k) => {
      c.checks.forEach((check, m) => {
        const p = own[k]![m]!;
        expect(check.pValue).not.toBeNull();
        // two independent Monte Carlo estimates of the same p: the difference has variance 2p(1 − p)/R
        expect(Math.abs(check.pValue! - p)).toBeLessThan(4 * Math.sqrt((2 * p * (1 - p)) / rounds) + 2 / rounds);
      });
    });
    const spread = own.flat().filter((p) => p! > 0.05 && p! < 0.95).length;
    expect(spread).toBeGreaterThan(10); // most are far from 0 and 1, where a mix-up of comparisons would show
  });
});
