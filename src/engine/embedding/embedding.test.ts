import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { simulateSchool, type SimulatedSchool } from "../simulator/index.js";
import type { TaskInfo, Trace, TrainingSet } from "../types.js";
import { defaultEmbeddingOptions, loadTaskEmbedding, type TaskEmbedding, trainTaskEmbedding, validateEmbeddingOptions } from "./index.js";
import { embedRows, forward, initialWeights, normalisedQRows } from "./network.js";
import { labelPairs, type EncodedAttempts, type RaschFit } from "./pairs.js";

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof EngineError ? e.code : `not an EngineError: ${String(e)}`;
  }
  return undefined;
};
const codeAsync = async (f: () => Promise<unknown>): Promise<string | undefined> => {
  try {
    await f();
  } catch (e) {
    return e instanceof EngineError ? e.code : `not an EngineError: ${String(e)}`;
  }
  return undefined;
};
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/**
 * One school: every 4th task is held out of training altogether (catalogue and traces) to play the new
 * task; two extra catalogue tasks with identical skills and no attempts play "in the catalogue, never
 * attempted".
 */
function heldOutSchool(s: SimulatedSchool) {
  const held = new Set(s.tasks.filter((_, i) => i % 4 === 2).map((t) => t.taskId));
  const skill = s.catalog.skillIds[3]!;
  const unattempted: TaskInfo[] = [
    { taskId: "zz-unattempted-b", skills: [{ skillId: skill, weight: 1 }] },
    { taskId: "zz-unattempted-a", skills: [{ skillId: skill, weight: 1 }] },
  ];
  const data: TrainingSet = {
    catalog: { skillIds: s.catalog.skillIds, tasks: [...s.catalog.tasks.filter((t) => !held.has(t.taskId)), ...unattempted] },
    sequences: new Map([...s.sequences].map(([id, seq]) => [id, seq.filter((a) => !held.has(a.taskId))])),
  };
  return { data, held, unattempted };
}

describe("task embedding on a simulated school", () => {
  const school = simulateSchool({ learners: 200, attemptsPerLearner: [60, 60] }, 21);
  const { data, held, unattempted } = heldOutSchool(school);
  const primary = new Map(school.tasks.map((t) => [t.taskId, t.primarySkillId]));
  const trueDifficulty = new Map(school.tasks.map((t) => [t.taskId, t.difficulty]));
  const trained = school.tasks.filter((t) => !held.has(t.taskId)).map((t) => t.taskId);
  let emb: TaskEmbedding;
  let seconds = 0;
  const progress: number[] = [];

  beforeAll(async () => {
    const began = Date.now();
    emb = await trainTaskEmbedding(data, { seed: 5, onProgress: (f) => progress.push(f) });
    seconds = (Date.now() - began) / 1000;
  });

  it("trains quickly, reports its pairs and progress, and answers finite vectors", () => {
    expect(seconds).toBeLessThan(20); // ~3 s on 2 cores (wasm)
    expect(emb.report.alikePairs).toBeGreaterThan(0);
    expect(emb.report.unlikePairs).toBeGreaterThan(0);
    expect(emb.report.steps).toBeGreaterThan(0);
    expect(Number.isFinite(emb.report.finalLoss)).toBe(true);
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]!))).toBe(true);
    expect(emb.dimension).toBe(defaultEmbeddingOptions.dimension);
    for (const id of emb.taskIds) expect(emb.vector(id).every(Number.isFinite)).toBe(true);
  });

  it("similar() finds tasks of the query's primary skill far more often than chance (precision@5)", () => {
    let hits = 0,
      total = 0,
      base = 0;
    for (const id of trained) {
      for (const n of emb.similar(id, 5)) {
        total++;
        if (primary.get(n.taskId) === primary.get(id)) hits++;
      }
      base += trained.filter((j) => j !== id && primary.get(j) === primary.get(id)).length / (trained.length - 1);
    }
    const precision = hits / total;
    const baseRate = base / trained.length;
    // Measured: precision@5 ≈ 0.85 against a base rate ≈ 0.075 (school seed 21, training seed 5).
    expect(precision).toBeGreaterThanOrEqual(3 * baseRate);
  });

  it("puts tasks of like difficulty next to each other within a skill", () => {
    // The labels are behavioural: neighbours of the same skill are closer in (true) difficulty than the
    // skill's other tasks are on average.
    let nearGap = 0,
      nearN = 0,
      allGap = 0,
      allN = 0;
    for (const id of trained) {
      const mates = trained.filter((j) => j !== id && primary.get(j) === primary.get(id));
      for (const j of mates) {
        allGap += Math.abs(trueDifficulty.get(j)! - trueDifficulty.get(id)!);
        allN++;
      }
      const nearest = emb.similar(id, 3).filter((n) => primary.get(n.taskId) === primary.get(id));
      for (const n of nearest) {
        nearGap += Math.abs(trueDifficulty.get(n.taskId)! - trueDifficulty.get(id)!);
        nearN++;
      }
    }
    // Measured ≈ 0.8 of the skill's average gap (without training, same-skill tasks coincide: ≈ 1).
    expect(nearGap / nearN).toBeLessThan(0.9 * (allGap / allN));
  });

  it("returns non-negative distances, nearest first, without the query, with a deterministic tie-break", () => {
    for (const id of trained.slice(0, 40)) {
      const ns = emb.similar(id, 10);
      expect(ns).toHaveLength(10);
      expect(ns.some((n) => n.taskId === id)).toBe(false);
      ns.forEach((n, i) => {
        expect(n.distance).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(n.distance)).toBe(true);
        if (i > 0) expect(n.distance).toBeGreaterThanOrEqual(ns[i - 1]!.distance);
      });
    }
    expect(emb.similar(trained[0]!, 0)).toEqual([]);
    expect(emb.similar(trained[0]!, 10_000)).toHaveLength(emb.taskIds.length - 1);
    // The two never-attempted tasks share their skills, hence their vector: a tie at distance 0, broken by id.
    const [b, a] = unattempted as [TaskInfo, TaskInfo];
    expect(emb.similar(b.taskId, 1)).toEqual([{ taskId: a.taskId, distance: 0 }]);
    const third = emb.similar(trained[0]!, emb.taskIds.length).filter((n) => n.taskId.startsWith("zz-"));
    expect(third.map((n) => n.taskId)).toEqual([a.taskId, b.taskId]);
  });

  it("embeds a catalogue task without attempts exactly as a new task with its skills", () => {
    const [b] = unattempted as [TaskInfo];
    expect(same(emb.vector(b.taskId), emb.embedNew({ taskId: "brand-new", skills: b.skills }))).toBe(true);
  });

  it("gives a new task a difficulty prior from its neighbours, closer to the truth than the global mean", () => {
    const known = new Map(trained.map((id) => [id, trueDifficulty.get(id)!]));
    const globalMean = [...known.values()].reduce((a, b) => a + b, 0) / known.size;
    let priorError = 0,
      meanError = 0;
    const heldTasks = data.catalog.tasks.length > 0 ? school.catalog.tasks.filter((t) => held.has(t.taskId)) : [];
    expect(heldTasks.length).toBeGreaterThan(20);
    for (const task of heldTasks) {
      expect(emb.has(task.taskId)).toBe(false);
      const v = emb.embedNew(task);
      expect(v).toHaveLength(emb.dimension);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(emb.similarToTask(task, 4)).toEqual(emb.nearestTo(v, 4));
      const prior = emb.difficultyPrior(task, known);
      expect(Number.isFinite(prior)).toBe(true);
      priorError += Math.abs(prior! - trueDifficulty.get(task.taskId)!);
      meanError += Math.abs(globalMean - trueDifficulty.get(task.taskId)!);
    }
    // Measured ≈ 0.83 against ≈ 0.93 (mean absolute error in logits over the 36 held-out tasks).
    expect(priorError / heldTasks.length).toBeLessThan(meanError / heldTasks.length);
    // Edges: no neighbour with a difficulty → undefined; NaN difficulties are skipped; k = 1 is its nearest.
    expect(emb.difficultyPrior(heldTasks[0]!, new Map())).toBeUndefined();
    expect(emb.difficultyPrior(heldTasks[0]!, new Map(trained.map((id) => [id, Number.NaN])))).toBeUndefined();
    const nearest = emb.nearestTo(emb.embedNew(heldTasks[0]!), 1)[0]!;
    expect(emb.difficultyPrior(heldTasks[0]!, known, 1)).toBe(known.get(nearest.taskId));
    // A known task's prior comes from its own neighbours, never from itself.
    const own = emb.similar(trained[0]!, 1)[0]!;
    expect(emb.difficultyPrior({ taskId: trained[0]!, skills: [] }, known, 1)).toBe(known.get(own.taskId));
    // Many at once (one candidate list for all), against a reference built from nearestTo over every
    // task: the mean over the 3 nearest with a difficulty, the task itself excluded.
    const reference = (t: TaskInfo) => {
      const near = emb
        .nearestTo(emb.has(t.taskId) ? emb.vector(t.taskId) : emb.embedNew(t), 100_000)
        .filter((n) => n.taskId !== t.taskId && known.has(n.taskId))
        .slice(0, 3);
      return near.reduce((a, n) => a + known.get(n.taskId)!, 0) / near.length;
    };
    const batch = [heldTasks[0]!, heldTasks[1]!, ...trained.slice(0, 3).map((taskId) => ({ taskId, skills: [] }))];
    const priors = emb.difficultyPriors(batch, known, 3);
    batch.forEach((t, i) => {
      expect(priors[i]).toBeCloseTo(reference(t), 12);
    });
  });

  it("new tasks: unknown skills are ignored, malformed ones are typed errors", () => {
    const skill = data.catalog.skillIds[0]!;
    const withUnknown = emb.embedNew({
      taskId: "n1",
      skills: [
        { skillId: skill, weight: 1 },
        { skillId: "skill-from-next-year", weight: 0.5 },
      ],
    });
    expect(same(withUnknown, emb.embedNew({ taskId: "n2", skills: [{ skillId: skill, weight: 1 }] }))).toBe(true);
    expect(emb.embedNew({ taskId: "n3", skills: [] }).every(Number.isFinite)).toBe(true);
    expect(code(() => emb.embedNew({ taskId: "n4", skills: [{ skillId: skill, weight: 2 }] }))).toBe(EngineErrorCode.InvalidData);
    expect(code(() => emb.embedNew(null as unknown as TaskInfo))).toBe(EngineErrorCode.InvalidData);
  });

  it("serialises and loads back to identical vectors and answers", () => {
    const bytes = emb.serialize();
    const back = loadTaskEmbedding(bytes);
    expect(back.taskIds).toEqual(emb.taskIds);
    for (const id of emb.taskIds) expect(same(back.vector(id), emb.vector(id))).toBe(true);
    expect(back.similar(trained[7]!, 5)).toEqual(emb.similar(trained[7]!, 5));
    expect(emb.similarToTask({ taskId: trained[7]!, skills: [] }, 5)).toEqual(emb.similar(trained[7]!, 5));
    const task = school.catalog.tasks.find((t) => held.has(t.taskId))!;
    expect(same(back.embedNew(task), emb.embedNew(task))).toBe(true);
    expect(back.options).toEqual(emb.options);
    const { seconds: _s, ...report } = emb.report;
    expect(back.report).toEqual(report);
    expect(back.serialize()).toEqual(bytes);
  });

  it("refuses damaged and foreign files with typed errors", () => {
    const bytes = emb.serialize();
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0xff;
    expect(code(() => loadTaskEmbedding(flipped))).toBe(EngineErrorCode.CorruptModel);
    expect(code(() => loadTaskEmbedding(bytes.subarray(0, 10)))).toBe(EngineErrorCode.CorruptModel);
    expect(code(() => loadTaskEmbedding(encodeModel({ model: "irt", meta: {}, tensors: {} })))).toBe(EngineErrorCode.UnsupportedFormat);
    expect(code(() => loadTaskEmbedding(encodeModel({ model: "task-embedding", meta: { taskIds: [], skillIds: [] }, tensors: {} })))).toBe(
      EngineErrorCode.CorruptModel,
    );
    const file = decodeModel(bytes);
    const poisoned = Float32Array.from(file.tensors.w2 as Float32Array);
    poisoned[0] = Number.NaN;
    expect(code(() => loadTaskEmbedding(encodeModel({ ...file, tensors: { ...file.tensors, w2: poisoned } })))).toBe(
      EngineErrorCode.CorruptModel,
    );
    expect(loadTaskEmbedding(encodeModel(file)).similar(trained[0]!, 3)).toEqual(emb.similar(trained[0]!, 3));
  });

  it("gives typed errors for unknown tasks and bad arguments", () => {
    expect(code(() => emb.similar("no-such-task", 5))).toBe(EngineErrorCode.UnknownTask);
    expect(code(() => emb.vector("no-such-task"))).toBe(EngineErrorCode.UnknownTask);
    expect(code(() => emb.similar(trained[0]!, -1))).toBe(EngineErrorCode.InvalidParameters);
    expect(code(() => emb.similar(trained[0]!, 1.5))).toBe(EngineErrorCode.InvalidParameters);
    expect(code(() => emb.nearestTo([1, 2], 3))).toBe(EngineErrorCode.InvalidParameters);
    expect(code(() => emb.nearestTo(new Float32Array(emb.dimension).fill(Number.NaN), 3))).toBe(EngineErrorCode.InvalidParameters);
    expect(code(() => emb.difficultyPrior(unattempted[0]!, new Map(), 0))).toBe(EngineErrorCode.InvalidParameters);
  });
});

describe("training inputs, options and determinism", () => {
  const small = simulateSchool({ learners: 40, skills: 6, tasksPerSkill: 8, attemptsPerLearner: [30, 30] }, 3);

  it("is deterministic for a seed: same seed → byte-identical files; another seed → other weights", async () => {
    const tensors = tf.memory().numTensors;
    const a = await trainTaskEmbedding(small, { seed: 11 });
    expect(tf.memory().numTensors).toBe(tensors); // no tensor leaks
    const b = await trainTaskEmbedding(small, { seed: 11 });
    const c = await trainTaskEmbedding(small, { seed: 12 });
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
    expect(Buffer.from(a.serialize()).equals(Buffer.from(c.serialize()))).toBe(false);
    // The learners' order in the Map does not matter (they are visited in sorted id order).
    const reversed: TrainingSet = { catalog: small.catalog, sequences: new Map([...small.sequences].reverse()) };
    const d = await trainTaskEmbedding(reversed, { seed: 11 });
    expect(Buffer.from(d.serialize()).equals(Buffer.from(a.serialize()))).toBe(true);
  });

  it("honours its options and validates them with INVALID_PARAMETERS", async () => {
    const e = await trainTaskEmbedding(small, { seed: 1, dimension: 4, hidden: 8, maxSteps: 10 });
    expect(e.dimension).toBe(4);
    expect(e.report.steps).toBe(10);
    expect(e.vector(small.catalog.tasks[0]!.taskId)).toHaveLength(4);
    for (const bad of [
      { dimension: 0 },
      { hidden: 1.5 },
      { margin: 0 },
      { margin: Number.NaN },
      { window: 0 },
      { minCoAttempts: 0 },
      { alikeGap: -1 },
      { alikeGap: 1, unlikeGap: 0.5 },
      { correlationZ: -1 },
      { maxPairs: 0 },
      { batchSize: 1 },
      { epochs: 0 },
      { maxSteps: -1 },
      { learningRate: 0 },
      { l2Task: -1 },
      { raschPrior: 0 },
      { priorNeighbours: 0 },
    ]) {
      expect(code(() => validateEmbeddingOptions(bad))).toBe(EngineErrorCode.InvalidParameters);
      expect(await codeAsync(() => trainTaskEmbedding(small, { seed: 1, ...bad }))).toBe(EngineErrorCode.InvalidParameters);
    }
    expect(await codeAsync(() => trainTaskEmbedding(small, { seed: 1.5 }))).toBe(EngineErrorCode.InvalidParameters);
    expect(await codeAsync(() => trainTaskEmbedding(small, undefined as never))).toBe(EngineErrorCode.InvalidParameters);
    expect(validateEmbeddingOptions({})).toEqual(defaultEmbeddingOptions);
  });

  it("refuses empty training sets, unknown tasks and unknown skills", async () => {
    expect(await codeAsync(() => trainTaskEmbedding({ catalog: small.catalog, sequences: new Map() }, { seed: 1 }))).toBe(
      EngineErrorCode.EmptyTrainingSet,
    );
    expect(await codeAsync(() => trainTaskEmbedding({ catalog: small.catalog, sequences: new Map([["u", []]]) }, { seed: 1 }))).toBe(
      EngineErrorCode.EmptyTrainingSet,
    );
    const stray: Trace = { learnerId: "u", taskId: "not-in-catalogue", correct: 1 };
    expect(await codeAsync(() => trainTaskEmbedding({ catalog: small.catalog, sequences: new Map([["u", [stray]]]) }, { seed: 1 }))).toBe(
      EngineErrorCode.UnknownTask,
    );
    const badCatalog = { skillIds: ["a"], tasks: [{ taskId: "t", skills: [{ skillId: "b", weight: 1 }] }] };
    expect(
      await codeAsync(() =>
        trainTaskEmbedding(
          { catalog: badCatalog, sequences: new Map([["u", [{ learnerId: "u", taskId: "t", correct: 1 as const }]]]) },
          { seed: 1 },
        ),
      ),
    ).toBe(EngineErrorCode.UnknownSkill);
  });

  it("still answers (from the skills alone) when the traces yield no labelled pair", async () => {
    // One attempt per learner: no co-attempts, nothing to train on; vectors come from the Q-matrix.
    const one = new Map([...small.sequences].map(([id, seq]) => [id, seq.slice(0, 1)]));
    const e = await trainTaskEmbedding({ catalog: small.catalog, sequences: one }, { seed: 1 });
    expect(e.report.trainingPairs).toBe(0);
    expect(e.report.steps).toBe(0);
    expect(e.report.finalLoss).toBeNull();
    const t = small.catalog.tasks[0]!;
    expect(same(e.vector(t.taskId), e.embedNew(t))).toBe(true);
    for (const n of e.similar(t.taskId, 5)) expect(Number.isFinite(n.distance)).toBe(true);
  });
});

describe("the pair-labelling rule", () => {
  it("labels by difficulty gap and residual correlation, from co-attempts within the window", () => {
    // Tasks 0..3 with Rasch difficulties 0, 0.2, 2, 0.1 (a fake fit: the rule is what is tested here).
    const difficulty = Float64Array.from([0, 0.2, 2, 0.1]);
    // Two learners, both attempting tasks 0, 1, 3, 2 in that order.
    const att: EncodedAttempts = {
      start: Int32Array.from([0, 4, 8]),
      task: Int32Array.from([0, 1, 3, 2, 0, 1, 3, 2]),
      correct: new Uint8Array(8),
    };
    const residual = Float64Array.from([0.5, 0.4, -0.3, 0.3, -0.5, -0.4, 0.3, -0.2]);
    const rasch: RaschFit = { ability: new Float64Array(2), difficulty, residual };
    const o = { ...defaultEmbeddingOptions, window: 1, minCoAttempts: 2 };
    const labelsOf = (pairs: ReturnType<typeof labelPairs>) => {
      const out: Record<string, number> = {};
      for (let p = 0; p < pairs.y.length; p++) out[`${pairs.a[p]}-${pairs.b[p]}`] = pairs.y[p]!;
      return out;
    };
    // Window 1: only neighbours co-attempt. {0,1}: close, surprises agree → alike. {1,3}: close, but
    // opposite surprises (0.4·−0.3 + −0.4·0.3 < 0) → unlike. {2,3}: difficulties 1.9 apart → unlike.
    const pairs = labelPairs(att, rasch, 4, o, createRng(1));
    expect(labelsOf(pairs)).toEqual({ "0-1": 1, "1-3": 0, "2-3": 0 });
    expect(pairs.coAttemptedPairs).toBe(3);
    expect([pairs.alike, pairs.unlike]).toEqual([1, 2]);
    // Fewer co-attempts than minCoAttempts: unlabelled.
    expect(labelPairs(att, rasch, 4, { ...o, minCoAttempts: 3 }, createRng(1)).y).toHaveLength(0);
    // Window 2 reaches {0,3} (opposite surprises → unlike) and {1,2} (far → unlike).
    expect(labelsOf(labelPairs(att, rasch, 4, { ...o, window: 2 }, createRng(1)))).toEqual({
      "0-1": 1,
      "1-3": 0,
      "2-3": 0,
      "0-3": 0,
      "1-2": 0,
    });
    // A gap between alikeGap and unlikeGap with agreeing surprises is left unlabelled.
    expect(labelsOf(labelPairs(att, rasch, 4, { ...o, alikeGap: 0.1, unlikeGap: 1 }, createRng(1)))).toEqual({ "1-3": 0, "2-3": 0 });
    // maxPairs keeps a seeded sample.
    const capped = labelPairs(att, rasch, 4, { ...o, window: 3, maxPairs: 2 }, createRng(1));
    expect(capped.y).toHaveLength(2);
    expect(capped.labelledBeforeSampling).toBe(6);
  });
});

describe("the network's two implementations", () => {
  it("typed-array forward() equals the TensorFlow.js graph", async () => {
    await initBackend();
    const rng = createRng(4);
    const N = 5,
      K = 3,
      H = 6,
      D = 4;
    const w = initialWeights(rng, N, K, H, D);
    for (let i = 0; i < w.task.length; i++) w.task[i] = 0.5 * rng.normal();
    for (let i = 0; i < w.b1.length; i++) w.b1[i] = 0.3 * rng.normal();
    const qStart = Int32Array.from([0, 1, 3, 4, 4, 5]),
      qSkill = Int32Array.from([0, 1, 2, 2, 0]),
      qWeight = Float64Array.from([1, 1, 0.5, 0.7, 1]);
    const rows = normalisedQRows(N, K, qStart, qSkill, qWeight);
    const graph = tf.tidy(
      () =>
        embedRows(
          { skill: tf.tensor2d(w.skill, [K, H]), b1: tf.tensor1d(w.b1), w2: tf.tensor2d(w.w2, [H, D]), b2: tf.tensor1d(w.b2) },
          tf.tensor2d(rows, [N, K]),
          tf.tensor2d(w.task, [N, H]),
        ).dataSync() as Float32Array,
    );
    for (let i = 0; i < N; i++) {
      const v = forward(w, qSkill.subarray(qStart[i]!, qStart[i + 1]!), qWeight.subarray(qStart[i]!, qStart[i + 1]!), i);
      for (let d = 0; d < D; d++) expect(v[d]!).toBeCloseTo(graph[i * D + d]!, 5);
    }
  });
});
