/**
 * Per-learner loss weights in Meta's training: the normalisation (hand case), equal weights reproduce the
 * unweighted fit byte for byte, and a heavier group pulls the fitted prior toward its own success rate.
 */
import { initBackend } from "../backend.js";
import { EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import { simulateSchool } from "../simulator/index.js";
import type { Trace, TrainingSet } from "../types.js";
import { metaTrainer } from "./index.js";
import { attemptWeights } from "./learner-weights.js";

const fast = { window: 16, batchWindows: 32, minStepsPerEpoch: 1, maxEpochs: 4, learningRate: 0.05, learningRateDecay: 1, patience: 2 };

beforeAll(async () => {
  await initBackend();
});

describe("attemptWeights", () => {
  it("gives each attempt its learner's weight, scaled to a mean of 1 per attempt", () => {
    // a: 1 attempt, weight 3; b: 3 attempts, weight 1 (absent). Σ n·w = 3 + 3 = 6 over N = 4 attempts:
    // a's attempt 3·4/6 = 2, b's 1·4/6 = 2/3; mean (2 + 3·2/3)/4 = 1.
    const seq = { learnerIds: ["a", "b"], start: Int32Array.from([0, 1, 4]), task: new Int32Array(4), correct: new Uint8Array(4) };
    const w = attemptWeights(seq, new Map([["a", 3]]))!;
    expect(w[0]).toBeCloseTo(2, 15);
    for (const j of [1, 2, 3]) expect(w[j]).toBeCloseTo(2 / 3, 15);
    expect(attemptWeights(seq, undefined)).toBeUndefined();
    expect([
      ...attemptWeights(
        seq,
        new Map([
          ["a", 5],
          ["b", 5],
        ]),
      )!,
    ]).toEqual([1, 1, 1, 1]);
  });
});

describe("Meta with learnerWeights", () => {
  const school = simulateSchool({ learners: 60, attemptsPerLearner: [20, 40] }, 21);
  const data: TrainingSet = { catalog: school.catalog, sequences: school.sequences };

  it("fits exactly the unweighted model when every weight is 1", async () => {
    const plain = await metaTrainer.fit(data, { seed: 5, ...fast });
    const ones = new Map([...school.sequences.keys()].map((id) => [id, 1]));
    const weighted = await metaTrainer.fit(data, { seed: 5, ...fast, learnerWeights: ones });
    expect(Buffer.from(weighted.serialize()).equals(Buffer.from(plain.serialize()))).toBe(true);
  }, 60_000);

  it("moves the prior toward the group that weighs more", async () => {
    // Two groups on the same two tasks: X succeeds 85 % of the time, Y 25 %. The weighted log loss's
    // optimum of the shared prior is the weighted success rate, so weighing X up raises a new learner's
    // predicted success and weighing Y up lowers it.
    const rng = createRng(3);
    const catalog = { tasks: ["t1", "t2"].map((taskId) => ({ taskId, skills: [{ skillId: "s", weight: 1 }] })), skillIds: ["s"] };
    const sequences = new Map<string, Trace[]>();
    const group = new Map<string, string>();
    for (let u = 0; u < 40; u++) {
      const id = `u${u}`;
      const rate = u % 2 === 0 ? 0.85 : 0.25;
      group.set(id, u % 2 === 0 ? "X" : "Y");
      sequences.set(
        id,
        Array.from(
          { length: 12 },
          (_, a) => ({ learnerId: id, taskId: a % 2 === 0 ? "t1" : "t2", correct: rng.next() < rate ? 1 : 0 }) as Trace,
        ),
      );
    }
    const tiny: TrainingSet = { catalog, sequences };
    const heavy = (g: string) => new Map([...group].map(([id, h]) => [id, h === g ? 9 : 1]));
    const prior = async (learnerWeights?: Map<string, number>) => {
      const m = await metaTrainer.fit(tiny, { seed: 2, ...fast, maxEpochs: 6, learnerWeights });
      return m.predict(m.initialState(), "t1");
    };
    const [x, none, y] = [await prior(heavy("X")), await prior(), await prior(heavy("Y"))];
    expect(x).toBeGreaterThan(none + 0.05);
    expect(y).toBeLessThan(none - 0.05);
  }, 60_000);

  it("rejects a weight that is not a finite number > 0", async () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(metaTrainer.fit(data, { seed: 1, ...fast, learnerWeights: new Map([["learner-0001", bad]]) })).rejects.toMatchObject({
        code: EngineErrorCode.InvalidParameters,
      });
    }
  });
});
