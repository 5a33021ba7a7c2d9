import { predictSequences, scorePredictions } from "./evaluation.js";
import { simulateSchool, splitLearners } from "./simulator/index.js";
import { trainers } from "./registry.js";

describe("the evaluation protocol", () => {
  test("models are compared on the same attempts; a task one model does not know is left out for all", async () => {
    const school = simulateSchool({ learners: 60, attemptsPerLearner: [20, 40] }, 5);
    const { train, test } = splitLearners(school, { seed: 1 });
    const elo = await trainers.elo!.fit(train, { seed: 1 });
    // A second model whose catalogue lacks the first task: its attempts must drop out for both.
    const dropped = school.catalog.tasks[0]!.taskId;
    const smaller = await trainers.elo!.fit(
      {
        catalog: { ...school.catalog, tasks: school.catalog.tasks.slice(1) },
        sequences: new Map([...train.sequences].map(([k, v]) => [k, v.filter((t) => t.taskId !== dropped)])),
      },
      { seed: 1 },
    );
    const [a, b] = predictSequences([elo, smaller], test.sequences);
    let expected = 0;
    for (const seq of test.sequences.values()) expected += seq.filter((t) => t.taskId !== dropped).length;
    expect(a!.p.length).toBe(expected);
    expect(b!.p.length).toBe(expected);
    expect([...a!.y]).toEqual([...b!.y]);
    const s = scorePredictions(a!);
    expect(s.auc).toBeGreaterThan(0.6);
    expect(s.attempts).toBe(expected - test.sequences.size);
  });

  test("a subset with one class gives NaN, not an exception", () => {
    const s = scorePredictions({
      p: new Float64Array([0.2, 0.7]),
      y: new Uint8Array([1, 1]),
      position: new Int32Array([1, 2]),
      learner: new Int32Array([0, 0]),
    });
    expect(Number.isNaN(s.auc)).toBe(true);
    expect(s.rmse).toBeCloseTo(0.3, 10);
  });
});
