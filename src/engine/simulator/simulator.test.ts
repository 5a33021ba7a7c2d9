import { oracleModel, simulateSchool, splitLearners, resolveSimulatorParams } from "./index.js";
import { EngineError } from "../errors.js";

const successRate = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("simulateSchool", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = simulateSchool({ learners: 30 }, 11, 0);
    const b = simulateSchool({ learners: 30 }, 11, 0);
    const c = simulateSchool({ learners: 30 }, 12, 0);
    expect(JSON.stringify(a.traces)).toBe(JSON.stringify(b.traces));
    expect(JSON.stringify(a.truth)).toBe(JSON.stringify(b.truth));
    expect(JSON.stringify(a.traces)).not.toBe(JSON.stringify(c.traces));
  });

  it("returns a consistent catalogue, a DAG in curriculum order and timed traces", () => {
    const start = Date.UTC(2026, 0, 5);
    const s = simulateSchool({ learners: 40 }, 3, start);
    const taskIds = new Set(s.catalog.tasks.map((t) => t.taskId));
    const skillIds = new Set(s.catalog.skillIds);
    expect(s.tasks).toHaveLength(s.params.skills * s.params.tasksPerSkill);
    s.skills.forEach((skill, k) => {
      skill.prerequisites.forEach((pre) => {
        expect(s.skills.findIndex((x) => x.skillId === pre)).toBeLessThan(k);
      });
    });
    for (const t of s.catalog.tasks) for (const q of t.skills) expect(skillIds.has(q.skillId)).toBe(true);
    expect(s.tasks.some((t) => t.skills.length === 2)).toBe(true);
    expect(s.tasks.every((t) => t.skills.length >= 1 && t.skills.length <= 2)).toBe(true);
    expect(new Set(s.learners.map((l) => l.group))).toEqual(new Set(["A", "B"]));
    for (const [id, seq] of s.sequences) {
      expect(seq.every((a) => a.learnerId === id && taskIds.has(a.taskId) && a.at >= start)).toBe(true);
      for (let i = 1; i < seq.length; i++) expect(seq[i]!.at).toBeGreaterThan(seq[i - 1]!.at);
    }
    expect(s.traces.length).toBe([...s.sequences.values()].reduce((n, q) => n + q.length, 0));
  });

  it("produces traces that show learning: success rises with practice", () => {
    // One skill, so the attempt index is the practice count on it (no curriculum confound).
    const s = simulateSchool({ skills: 1, learners: 150, attemptsPerLearner: [40, 40] }, 5);
    const early: number[] = [],
      late: number[] = [];
    for (const seq of s.sequences.values()) {
      seq.slice(0, 8).forEach((a) => {
        early.push(a.correct);
      });
      seq.slice(32).forEach((a) => {
        late.push(a.correct);
      });
    }
    expect(successRate(late) - successRate(early)).toBeGreaterThan(0.1);
  });

  it("injects a group bias when asked", () => {
    const s = simulateSchool({ learners: 400, groupAbilityOffset: { B: -1 } }, 9);
    const ability = (g: string) => {
      const xs = s.learners.filter((l) => l.group === g).map((l) => l.ability);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(ability("A") - ability("B")).toBeGreaterThan(0.6);
  });

  it("makes a group's answers noisier with groupSlip: P(correct) = (1 − slip)·σ(level − difficulty) + slip/2", () => {
    const slip = 0.4;
    const s = simulateSchool({ learners: 200, multiSkillFraction: 0, groupSlip: { B: slip } }, 4);
    const tasks = new Map(s.tasks.map((t) => [t.taskId, t]));
    for (const l of s.learners) {
      // First attempt: the level is the starting one, ability + the skill's deviation (nothing learnt yet).
      const first = s.sequences.get(l.learnerId)![0]!;
      const task = tasks.get(first.taskId)!;
      const level = 1 / (1 + Math.exp(-(l.ability + l.skillAbilities[task.primarySkillId]! - task.difficulty)));
      const expected = l.group === "B" ? (1 - slip) * level + slip / 2 : level;
      expect(first.pCorrect).toBeCloseTo(expected, 12);
    }
    // Every attempt of B stays inside [slip/2, 1 − slip/2]; the outcomes follow pCorrect (an oracle is calibrated).
    const b = s.traces.filter((a) => s.learners.find((l) => l.learnerId === a.learnerId)!.group === "B");
    expect(b.every((a) => a.pCorrect >= slip / 2 && a.pCorrect <= 1 - slip / 2)).toBe(true);
    const meanP = b.reduce((n, a) => n + a.pCorrect, 0) / b.length;
    const meanY = b.reduce((n, a) => n + a.correct, 0) / b.length;
    expect(Math.abs(meanY - meanP)).toBeLessThan(4 * Math.sqrt(0.25 / b.length));
    const allRandom = simulateSchool({ learners: 40, groupSlip: { B: 1 } }, 4);
    const groupOf = new Map(allRandom.learners.map((l) => [l.learnerId, l.group]));
    for (const a of allRandom.traces) expect(a.pCorrect === 0.5).toBe(groupOf.get(a.learnerId) === "B");
  });

  it("gives a group fewer attempts with groupAttemptsScale: max(1, round(scale · n))", () => {
    const s = simulateSchool(
      { learners: 60, attemptsPerLearner: [40, 40], groupAttemptsScale: { B: 0.5, C: 0.001 }, groups: { A: 1, B: 1, C: 1 } },
      6,
    );
    const expected: Record<string, number> = { A: 40, B: 20, C: 1 };
    for (const l of s.learners) expect(s.sequences.get(l.learnerId)!.length).toBe(expected[l.group]);
    expect(new Set(s.learners.map((l) => l.group))).toEqual(new Set(["A", "B", "C"]));
  });

  it("leaves the school unchanged with neutral group effects (slip 0, scale 1)", () => {
    const plain = simulateSchool({ learners: 60 }, 8);
    const neutral = simulateSchool({ learners: 60, groupSlip: { A: 0, B: 0 }, groupAttemptsScale: { A: 1, B: 1 } }, 8);
    expect(JSON.stringify(neutral.traces)).toBe(JSON.stringify(plain.traces));
    expect(JSON.stringify(neutral.truth)).toBe(JSON.stringify(plain.truth));
  });

  it("validates its parameters with typed errors", () => {
    expect(() => resolveSimulatorParams({ learners: 0 })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ attemptsPerLearner: [10, 5] })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groups: {} })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupAbilityOffset: { C: 1 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ exploration: 2 })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupSlip: { C: 0.1 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupSlip: { B: 1.5 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupSlip: { B: Number.NaN } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupAttemptsScale: { B: 0 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupAttemptsScale: { C: 1 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupAttemptsScale: { B: Number.POSITIVE_INFINITY } })).toThrow(EngineError);
    expect(resolveSimulatorParams({ skills: 20 }).skills).toBe(20);
    expect(simulateSchool({ skills: 20, learners: 5 }, 1).skills[19]!.skillId).toBe("skill-020");
  });
});

describe("splitLearners", () => {
  it("splits learners by seed, deterministically and without overlap", () => {
    const s = simulateSchool({ learners: 50 }, 2);
    const a = splitLearners(s, { seed: 4 });
    const b = splitLearners(s, { seed: 4 });
    expect([...a.test.sequences.keys()]).toEqual([...b.test.sequences.keys()]);
    expect(a.test.sequences.size).toBe(10);
    expect(a.train.sequences.size).toBe(40);
    for (const id of a.test.sequences.keys()) expect(a.train.sequences.has(id)).toBe(false);
    expect(() => splitLearners(s, { seed: 1, testFraction: 1 })).toThrow(EngineError);
  });
});

describe("oracleModel", () => {
  const school = simulateSchool({ learners: 40, groupSlip: { B: 0.3 }, groupAbilityOffset: { B: -0.5 } }, 13);
  const oracle = oracleModel(school);

  it("predicts every attempt's true pCorrect and ends at the truth's final levels and mastery", () => {
    for (const l of school.learners) {
      let state = oracle.learnerState(l.learnerId);
      for (const a of school.sequences.get(l.learnerId)!) {
        expect(oracle.predict(state, a.taskId)).toBe(a.pCorrect);
        state = oracle.update(state, a);
      }
      const levels = school.truth.finalSkillLevel[l.learnerId]!;
      const mastery = oracle.mastery(state);
      mastery.forEach((m, k) => {
        const id = school.skills[k]!.skillId;
        expect(m.p).toBe(school.truth.finalMastery[l.learnerId]![id]);
        // Each skill's first task, its Q-matrix row read from the truth: (1 − slip)·σ(weighted level − difficulty) + slip/2.
        const task = school.tasks.find((t) => t.primarySkillId === id)!;
        const w = task.skills.reduce((n, q) => n + q.weight, 0);
        const level = task.skills.reduce((n, q) => n + q.weight * levels[q.skillId]!, 0) / w;
        const slip = l.group === "B" ? 0.3 : 0;
        const expected = (1 - slip) / (1 + Math.exp(-(level - school.truth.taskDifficulty[task.taskId]!))) + slip / 2;
        expect(oracle.predictMany(state, [task.taskId])[0]).toBeCloseTo(expected, 12);
      });
      const replayed = oracle.replay(oracle.learnerState(l.learnerId), school.sequences.get(l.learnerId)!);
      expect(replayed).toEqual(state);
    }
  });

  it("answers unknown tasks, skills and foreign states with typed errors", () => {
    const s = oracle.initialState();
    expect(() => oracle.predict(s, "nope")).toThrow(expect.objectContaining({ code: "UNKNOWN_TASK" }));
    expect(() => oracle.mastery(s, ["nope"])).toThrow(expect.objectContaining({ code: "UNKNOWN_SKILL" }));
    expect(() => oracle.predict({ ...s, model: "meta:0" }, school.tasks[0]!.taskId)).toThrow(
      expect.objectContaining({ code: "STATE_MISMATCH" }),
    );
  });
});
