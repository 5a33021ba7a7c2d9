/**
 * School shapes of bench/meta-dev-start.ts's development sets: retries (retryAfterFailure) and learners
 * who start anywhere in the curriculum (curriculumStart).
 */
import { createHash } from "node:crypto";
import { simulateSchool } from "./index.js";

/** Share of wrong answers (not a learner's last) followed at once by the same task. */
function retryShare(school: ReturnType<typeof simulateSchool>): number {
  let wrong = 0,
    repeated = 0;
  for (const seq of school.sequences.values()) {
    for (let t = 0; t + 1 < seq.length; t++) {
      if (seq[t]!.correct !== 0) continue;
      wrong++;
      if (seq[t + 1]!.taskId === seq[t]!.taskId) repeated++;
    }
  }
  return repeated / wrong;
}

describe("simulator retries", () => {
  it("0 (the default) draws nothing: the school is the one drawn before the option existed", () => {
    const a = simulateSchool({ learners: 30, retryAfterFailure: 0 }, 7, 0);
    // sha-256 of this school's traces as drawn by the simulator of commit 61ad070 (no retries).
    expect(createHash("sha256").update(JSON.stringify(a.traces)).digest("hex").slice(0, 16)).toBe("83d12b23fed650bd");
    // A task never follows itself without retries (the simulator avoids repeating the last task).
    expect(retryShare(a)).toBe(0);
  });

  it("a wrong answer is followed by the same task with the given probability", () => {
    expect(retryShare(simulateSchool({ learners: 60, retryAfterFailure: 1 }, 7, 0))).toBe(1);
    const share = retryShare(simulateSchool({ learners: 200, retryAfterFailure: 0.6 }, 7, 0));
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.65);
  });

  it("is validated", () => {
    expect(() => simulateSchool({ retryAfterFailure: 1.5 })).toThrow(/retryAfterFailure/);
  });
});

describe("simulator curriculum start", () => {
  /** The primary skill of each learner's first attempt. */
  const firstSkills = (school: ReturnType<typeof simulateSchool>) => {
    const primary = new Map(school.tasks.map((t) => [t.taskId, t.primarySkillId]));
    return new Set([...school.sequences.values()].map((seq) => primary.get(seq[0]!.taskId)!));
  };

  it('"first" starts every learner at the first skill (unless exploring); "anywhere" spreads them out', () => {
    const first = firstSkills(simulateSchool({ learners: 100, skills: 20, exploration: 0 }, 3, 0));
    expect([...first]).toEqual([simulateSchool({ learners: 1, skills: 20 }, 3, 0).skills[0]!.skillId]);
    const anywhere = firstSkills(simulateSchool({ learners: 100, skills: 20, exploration: 0, curriculumStart: "anywhere" }, 3, 0));
    expect(anywhere.size).toBeGreaterThanOrEqual(15);
  });

  it("is validated", () => {
    expect(() => simulateSchool({ curriculumStart: "middle" as never })).toThrow(/curriculumStart/);
  });
});
