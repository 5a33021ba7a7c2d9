import { BEHIND_FAILURES, replanReason, ReplanReason, type ReplanInput } from "./replan-trigger.js";

const PLANNED = new Date("2026-11-01T12:00:00Z");
const later = (s: number) => new Date(PLANNED.getTime() + s * 1000);
const skillsOfTask = (taskId: string) => [taskId.split(":")[0]!];
const base: ReplanInput = {
  steps: [
    { skillId: "A", taskId: "A:1" },
    { skillId: "B", taskId: "B:1" },
  ],
  masteryThreshold: 0.8,
  changes: [],
  attempts: [],
  prior: [],
  skillsOfTask,
  bandLow: 0.65,
};

describe("when a path is re-planned by itself", () => {
  test("AHEAD only when a pending step's skill crosses the threshold, not when it was mastered already or is not on the path", () => {
    expect(
      replanReason({ ...base, changes: [{ skillId: "B", mastery: 0.82, delta: 0.05 }], attempts: [{ taskId: "B:2", correct: true }] }),
    ).toBe(ReplanReason.AHEAD);
    expect(
      replanReason({ ...base, changes: [{ skillId: "B", mastery: 0.9, delta: 0.02 }], attempts: [{ taskId: "B:2", correct: true }] }),
    ).toBeNull();
    expect(
      replanReason({ ...base, changes: [{ skillId: "C", mastery: 0.82, delta: 0.05 }], attempts: [{ taskId: "C:2", correct: true }] }),
    ).toBeNull();
  });

  test("BEHIND when the current step's skill falls below the band, or after enough failures in a row on it, and again on each further one", () => {
    const fail = [{ taskId: "A:2", correct: false }];
    expect(replanReason({ ...base, changes: [{ skillId: "A", mastery: 0.6, delta: -0.08 }], attempts: fail })).toBe(ReplanReason.BEHIND);
    // Below the band already: one failure is not enough …
    const below = { ...base, changes: [{ skillId: "A", mastery: 0.5, delta: -0.03 }], attempts: fail };
    expect(replanReason(below)).toBeNull();
    // … BEHIND_FAILURES in a row on the skill are, whether or not the path was re-planned in between
    // (a re-plan after failures that leave the learner behind is followed by another on the next one).
    const prior = Array.from({ length: BEHIND_FAILURES - 1 }, (_, i) => ({ taskId: "A:3", correct: false, createdAt: later(10 - i) }));
    expect(replanReason({ ...below, prior })).toBe(ReplanReason.BEHIND);
    expect(replanReason({ ...below, prior: prior.map((a) => ({ ...a, createdAt: later(-5) })) })).toBe(ReplanReason.BEHIND);
    expect(replanReason({ ...below, prior: [{ taskId: "A:2", correct: false, createdAt: later(11) }, ...prior] })).toBe(
      ReplanReason.BEHIND,
    );
    // Not when one of them was a success or was on another skill.
    expect(replanReason({ ...below, prior: prior.map((a, i) => (i === 0 ? { ...a, correct: true } : a)) })).toBeNull();
    expect(replanReason({ ...below, prior: prior.map((a, i) => (i === 0 ? { ...a, taskId: "B:3" } : a)) })).toBeNull();
    // A later step's skill falling does not make the learner behind.
    expect(
      replanReason({ ...base, changes: [{ skillId: "B", mastery: 0.6, delta: -0.08 }], attempts: [{ taskId: "B:2", correct: false }] }),
    ).toBeNull();
  });

  test("no pending step or no mastery change: nothing to decide", () => {
    expect(replanReason({ ...base, steps: [], changes: [{ skillId: "A", mastery: 0.85, delta: 0.1 }] })).toBeNull();
    expect(replanReason({ ...base, changes: [] })).toBeNull();
  });
});
