/**
 * MetaOptions.taskInfluenceLearners (task-prior.ts), through the engine's public entry point: a learner's
 * answers on a task few learners attempted move its offset much less, and tasks with at least κ learners
 * keep the plain prior (the fit is then the default one, number for number).
 */
import { EngineErrorCode, initBackend, type MetaModel, simulateSchool, type Trace, metaTrainer, type TrainingSet } from "../index.js";

const fast = {
  window: 16,
  batchWindows: 32,
  minStepsPerEpoch: 1,
  maxEpochs: 6,
  learningRate: 0.05,
  learningRateDecay: 1,
  validationFraction: 0,
};
const at = Date.UTC(2026, 10, 1);

beforeAll(async () => {
  await initBackend();
});

const school = simulateSchool({ learners: 24 }, 3, at);
const base: TrainingSet = { catalog: school.catalog, sequences: school.sequences };

/** Distinct learners and success rate per task of the school. */
function taskStats(sequences: ReadonlyMap<string, readonly Trace[]>) {
  const learners = new Map<string, Set<string>>();
  const wins = new Map<string, number[]>();
  for (const [id, seq] of sequences) {
    for (const t of seq) {
      if (!learners.has(t.taskId)) learners.set(t.taskId, new Set());
      learners.get(t.taskId)!.add(id);
      const w = wins.get(t.taskId) ?? [0, 0];
      w[0]! += t.correct;
      w[1]!++;
      wins.set(t.taskId, w);
    }
  }
  return { learners, rate: (task: string) => wins.get(task)![0]! / wins.get(task)![1]! };
}

const fitMeta = async (data: TrainingSet, kappa: number) =>
  (await metaTrainer.fit(data, { seed: 5, ...fast, taskInfluenceLearners: kappa })) as MetaModel;
const offset = (m: MetaModel, task: string) => m.params.taskOffset[m.catalog.task(task)]!;

describe("Meta's task-offset prior in units of learners (taskInfluenceLearners)", () => {
  it("bounds what one learner's answers on a thinly attempted task move its offset", async () => {
    const stats = taskStats(base.sequences);
    // The attempted task with the fewest learners; the intruder answers it against its success rate.
    const [thin, who] = [...stats.learners].sort((a, b) => a[1].size - b[1].size || a[0].localeCompare(b[0]))[0]!;
    expect(who.size).toBeLessThanOrEqual(5);
    const answer = stats.rate(thin) < 0.5 ? 1 : 0;
    const intruder: Trace[] = [0, 1, 2].map((k) => ({
      learnerId: "intruder",
      taskId: thin,
      correct: answer as 0 | 1,
      at: at + k * 60_000,
    }));
    const withIntruder: TrainingSet = { catalog: base.catalog, sequences: new Map([...base.sequences, ["intruder", intruder]]) };
    const influence = async (kappa: number) =>
      Math.abs(offset(await fitMeta(withIntruder, kappa), thin) - offset(await fitMeta(base, kappa), thin));
    const plain = await influence(0);
    const bounded = await influence(60);
    // Plain prior: the offset's precision is about n/4 + 2 (n ≤ 5·k attempts); with κ = 60 its prior
    // alone is (60 − L)·(n/L)/4 ≥ 10: the same answers move it several times less.
    expect(plain).toBeGreaterThan(0.05);
    expect(bounded).toBeLessThan(plain / 3);
  });

  it("leaves every task with at least κ learners at the plain prior: the same fit, number for number", async () => {
    const fewest = Math.min(...[...taskStats(base.sequences).learners.values()].map((s) => s.size));
    const plain = await fitMeta(base, 0);
    const atFloor = await fitMeta(base, fewest);
    expect([...atFloor.params.taskOffset]).toEqual([...plain.params.taskOffset]);
    expect([...atFloor.params.phi0]).toEqual([...plain.params.phi0]);
    const above = await fitMeta(base, fewest + 20);
    expect([...above.params.taskOffset]).not.toEqual([...plain.params.taskOffset]);
  });

  it("rejects a negative κ", async () => {
    await expect(metaTrainer.fit(base, { seed: 1, taskInfluenceLearners: -1 })).rejects.toMatchObject({
      code: EngineErrorCode.InvalidParameters,
    });
  });
});
