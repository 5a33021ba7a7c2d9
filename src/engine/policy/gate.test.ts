/**
 * The train-policy job's gate (school-policy.ts, judgeGate): a learned policy goes live only when it beats
 * the tuned ZPD rule's return on the same held-out episodes AND keeps as many learners engaged, within
 * the standard error of the paired engagement difference. Episode results are built by hand.
 */
import { type EpisodeResult, judgeGate } from "./index.js";

const band = { bandLow: 0.6, bandHigh: 0.7, bandTarget: 0.65 };

function episode(totalReward: number, engaged: boolean, attemptsToMastery: number | null = 20): EpisodeResult {
  return {
    learnerType: "fast",
    goalSkillIds: ["s"],
    attempts: 40,
    attemptsToMastery,
    masteryGainAtBudget: 0.2,
    engagedAtBudget: engaged,
    droppedOut: !engaged,
    sessionsCompleted: 2,
    sessionsStopped: 0,
    totalReward,
    propensities: [],
  };
}

const many = (n: number, f: (i: number) => EpisodeResult) => Array.from({ length: n }, (_, i) => f(i));

describe("judgeGate", () => {
  test("passes a policy with a higher return that keeps every learner the rule keeps", () => {
    const theirs = many(20, (i) => episode(0.1, i % 4 !== 0));
    const mine = many(20, (i) => episode(0.15, i % 4 !== 0));
    const v = judgeGate(mine, theirs, 300, band);
    expect(v.passed).toBe(true);
    expect(v.refusedFor).toBeNull();
    expect(v.difference).toBeCloseTo(0.05, 12);
    expect(v.engagementDifference).toBe(0);
    expect(v.policy.engaged).toBeCloseTo(0.75, 12);
    expect(v.episodes).toBe(20);
  });

  test("refuses a policy whose return is not above the rule's, whatever its engagement", () => {
    const theirs = many(20, () => episode(0.1, false));
    const mine = many(20, () => episode(0.1, true));
    const v = judgeGate(mine, theirs, 300, band);
    expect(v.passed).toBe(false);
    expect(v.refusedFor).toBe("RETURN");
    expect(v.engagementDifference).toBe(1);
  });

  test("refuses a faster policy that loses learners beyond the gate's noise", () => {
    // The rule keeps all 20 learners; the policy, with a higher return, loses 5 of them: the paired
    // differences are −1 five times and 0 fifteen times: mean −0.25, standard error √(0.25·0.75·20/19/20) ≈ 0.099.
    const theirs = many(20, () => episode(0.1, true));
    const mine = many(20, (i) => episode(0.2, i >= 5, 12));
    const v = judgeGate(mine, theirs, 300, band);
    expect(v.engagementDifference).toBeCloseTo(-0.25, 12);
    expect(v.engagementStandardError).toBeCloseTo(Math.sqrt((5 * 0.75 ** 2 + 15 * 0.25 ** 2) / 19 / 20), 12);
    expect(v.passed).toBe(false);
    expect(v.refusedFor).toBe("ENGAGEMENT");
    expect(v.policy.medianAttemptsToMastery).toBe(12);
  });

  test("lets a loss of engagement within one standard error through", () => {
    // Two learners lost of 20 and one gained: mean −0.05, standard error √(2.95/19/20) ≈ 0.088.
    const theirs = many(20, (i) => episode(0.1, i !== 2));
    const mine = many(20, (i) => episode(0.2, i !== 0 && i !== 1));
    const v = judgeGate(mine, theirs, 300, band);
    expect(v.engagementDifference).toBeCloseTo(-0.05, 12);
    expect(v.engagementStandardError).toBeCloseTo(Math.sqrt(2.95 / 19 / 20), 12);
    expect(v.passed).toBe(true);
  });
});
