import { randomUUID } from "node:crypto";
import {
  EngineError,
  isEvaluationLearner,
  partitionByEvaluationSet,
  simulateSchool,
  evaluationHash,
  EVALUATION_FRACTION,
} from "./index.js";

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe("the evaluation set", () => {
  it("holds about `fraction` of the learners, independently per salt", () => {
    const learners = ids(20_000);
    for (const fraction of [0.1, EVALUATION_FRACTION, 0.5]) {
      const share = learners.filter((l) => isEvaluationLearner(l, { salt: "school-a", fraction })).length / learners.length;
      // Binomial: sd = sqrt(f(1-f)/n) ≤ 0.0036; 5 sd.
      expect(Math.abs(share - fraction)).toBeLessThan(0.018);
    }
    const a = new Set(learners.filter((l) => isEvaluationLearner(l, { salt: "school-a", fraction: 0.2 })));
    const both = learners.filter((l) => a.has(l) && isEvaluationLearner(l, { salt: "school-b", fraction: 0.2 })).length;
    // Independent salts: the overlap is ~ 0.2 · 0.2 of the learners, not 0.2.
    expect(both / learners.length).toBeGreaterThan(0.03);
    expect(both / learners.length).toBeLessThan(0.05);
  });

  it("is stable for a learner: the same answer at every call, whoever else is in the school", () => {
    const learners = ids(500);
    const rule = { salt: "s", fraction: 0.2 };
    const first = learners.map((l) => isEvaluationLearner(l, rule));
    expect(
      ids(500)
        .concat(learners)
        .slice(500)
        .map((l) => isEvaluationLearner(l, rule)),
    ).toEqual(first);
    expect(learners.map((l) => evaluationHash("s", l)).every((h) => h >= 0 && h < 1)).toBe(true);
  });

  it("spreads time-ordered ids (UUIDv7-like, a shared prefix) as well as random ones", () => {
    const prefix = "01938f2c-7a10-7";
    const learners = Array.from(
      { length: 10_000 },
      (_, i) => `${prefix}${i.toString(16).padStart(3, "0").slice(-3)}-8${((i * 2654435761) >>> 0).toString(16).padStart(11, "0")}`,
    );
    const share = learners.filter((l) => isEvaluationLearner(l, { salt: "x", fraction: 0.2 })).length / learners.length;
    expect(Math.abs(share - 0.2)).toBeLessThan(0.025);
  });

  it("partitions a training set into disjoint train and evaluation learners that cover it, with the catalogue shared", () => {
    const sim = simulateSchool({ learners: 200 }, 7, Date.UTC(2026, 0, 5));
    const rule = { salt: "school", fraction: 0.25 };
    const { train, evaluation } = partitionByEvaluationSet(sim, rule);
    expect(train.sequences.size + evaluation.sequences.size).toBe(sim.sequences.size);
    for (const id of evaluation.sequences.keys()) {
      expect(train.sequences.has(id)).toBe(false);
      expect(isEvaluationLearner(id, rule)).toBe(true);
      expect(evaluation.sequences.get(id)).toBe(sim.sequences.get(id));
    }
    for (const id of train.sequences.keys()) expect(isEvaluationLearner(id, rule)).toBe(false);
    expect(evaluation.sequences.size).toBeGreaterThan(20);
    expect(train.catalog).toBe(sim.catalog);
  });

  it("refuses a fraction outside (0, 1) and an empty salt", () => {
    for (const fraction of [0, 1, -0.1, Number.NaN]) expect(() => isEvaluationLearner("l", { salt: "s", fraction })).toThrow(EngineError);
    expect(() => isEvaluationLearner("l", { salt: "", fraction: 0.2 })).toThrow(/salt/);
  });
});
