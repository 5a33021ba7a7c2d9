/**
 * The served observation's attempts (policy-serving.ts `observedAttempts`): what the statement reads (the
 * times of the last attempts, the task and outcome of the last few) becomes the attempt count, the
 * sessions and the observed attempts the engine's `policyRecommend` takes.
 */
import { compileCurriculum } from "../../engine/recommend/index.js";
import { observedAttempts, SESSION_GAP_MS } from "./policy-serving.js";

const curriculum = compileCurriculum({
  skills: [
    { skillId: "s1", name: "one", prerequisites: [] },
    { skillId: "s2", name: "two", prerequisites: ["s1"] },
  ],
  tasks: [
    { taskId: "t1", skills: [{ skillId: "s1", weight: 1 }], topics: [] },
    { taskId: "t2", skills: [{ skillId: "s2", weight: 1 }], topics: [] },
    { taskId: "t3", skills: [{ skillId: "s2", weight: 1 }], topics: [] },
    { taskId: "none", skills: [], topics: [] }, // serves no skill
  ],
});
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 9);
// Eight attempts: a session of three, a gap, a session of five; the last four read in full.
const times = [0, 1, 2, 2 + 31, 34, 35, 36, 37].map((m) => T0 + m * MIN);
const recent = [
  { id: "a5", taskId: "t1", correct: true },
  { id: "a6", taskId: "none", correct: false },
  { id: "a7", taskId: "t2", correct: false },
  { id: "a8", taskId: "t3", correct: true },
];
const predicted: string[][] = [];
const predict = (ids: readonly string[]) => {
  predicted.push([...ids]);
  return ids.map((id) => (id === "t2" ? 0.3 : 0.9));
};
const knows = (id: string) => id !== "t3"; // t3 was created after the model's training

describe("observedAttempts", () => {
  beforeEach(() => {
    predicted.length = 0;
  });

  it("counts every attempt of the window, keeps those whose task serves a skill, and predicts the features' window only", () => {
    const o = observedAttempts({ times, recent }, curriculum, predict, knows, 2, T0 + 38 * MIN);
    expect(o.attempts).toBe(8);
    expect(o.history).toEqual([
      { taskId: "t1", skillId: "s1", correct: 1, predicted: 0.5 }, // outside the window of 2: not predicted
      { taskId: "t2", skillId: "s2", correct: 0, predicted: 0.3 },
      { taskId: "t3", skillId: "s2", correct: 1, predicted: 0.5 }, // unknown to the model
    ]);
    expect(predicted).toEqual([["t2"]]);
    expect(o.latestId).toBe("a8");
  });

  it("splits sessions where attempts are more than the gap apart, and ends the current one after a gap", () => {
    const during = observedAttempts({ times, recent }, curriculum, predict, knows, 10, T0 + 38 * MIN);
    expect([during.sessions, during.sessionAttempts]).toEqual([2, 5]);
    const after = observedAttempts({ times, recent }, curriculum, predict, knows, 10, times.at(-1)! + SESSION_GAP_MS + 1);
    expect([after.sessions, after.sessionAttempts]).toEqual([3, 0]);
    const atGap = observedAttempts({ times: [T0, T0 + SESSION_GAP_MS], recent }, curriculum, predict, knows, 10, T0 + SESSION_GAP_MS);
    expect([atGap.sessions, atGap.sessionAttempts]).toEqual([1, 2]); // exactly the gap apart: the same session
  });

  it("a learner without attempts: one session begun, nothing observed", () => {
    const o = observedAttempts({ times: [], recent: [] }, curriculum, predict, knows, 10, T0);
    expect(o).toEqual({ history: [], attempts: 0, sessions: 1, sessionAttempts: 0, latestId: null });
    expect(predicted).toEqual([]);
  });
});
