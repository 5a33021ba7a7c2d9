import { simulateSchool, splitLearners, resolveSimulatorParams } from "./index.js";
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

  it("validates its parameters with typed errors", () => {
    expect(() => resolveSimulatorParams({ learners: 0 })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ attemptsPerLearner: [10, 5] })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groups: {} })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ groupAbilityOffset: { C: 1 } })).toThrow(EngineError);
    expect(() => resolveSimulatorParams({ exploration: 2 })).toThrow(EngineError);
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
