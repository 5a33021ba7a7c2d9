/**
 * The Meta model end to end on simulator data (never the real benchmark data): it recovers the true
 * task difficulties, beats its ablation on new learners, is deterministic for a seed, reloads from its
 * file with identical behaviour, and answers bad input with typed errors.
 */
import { initBackend } from "../backend.js";
import { EngineErrorCode } from "../errors.js";
import { auc, logLoss, spearman } from "../metrics/index.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel, Trace, TrainingSet } from "../types.js";
import { ablationTrainer, defaultMetaOptions, loadMetaModel, type MetaModel, metaTrainer, validateMetaOptions } from "./index.js";

const school = simulateSchool({ learners: 400 }, 11);
/** Small windows and batches: the simulated school is small, and CI has 2 cores. */
const fast = {
  window: 32,
  batchWindows: 64,
  minStepsPerEpoch: 1,
  maxEpochs: 20,
  learningRate: 0.05,
  learningRateDecay: 1,
  patience: 3,
  l2Task: 1,
};
const { train, test } = splitLearners(school, { seed: 3, testFraction: 0.3 });
let meta: MetaModel;
let ablation: MetaModel;

beforeAll(async () => {
  await initBackend();
  meta = (await metaTrainer.fit(train, { seed: 1, ...fast })) as MetaModel;
  ablation = (await ablationTrainer.fit(train, { seed: 1, ...fast })) as MetaModel;
}, 120_000);

/** Online protocol on held-out learners: predict each attempt from the earlier ones, then update. */
function online(model: KnowledgeModel, data: TrainingSet, from = 1, to = Infinity) {
  const p: number[] = [],
    y: number[] = [];
  for (const seq of data.sequences.values()) {
    let state = model.initialState();
    seq.forEach((trace, n) => {
      if (n + 1 >= from && n + 1 <= to) {
        p.push(model.predict(state, trace.taskId));
        y.push(trace.correct);
      }
      state = model.update(state, trace);
    });
  }
  return { auc: auc(p, y), logLoss: logLoss(p, y) };
}

const expectCode = (f: () => unknown, code: EngineErrorCode) => expect(f).toThrow(expect.objectContaining({ code }));
const expectCodeAsync = (f: () => Promise<unknown>, code: EngineErrorCode) => expect(f()).rejects.toMatchObject({ code });

describe("Meta on simulator data", () => {
  it("recovers the order of the true task difficulties (Spearman ≥ 0.9)", () => {
    const ids = school.tasks.map((t) => t.taskId);
    const rho = spearman(
      ids.map((id) => school.truth.taskDifficulty[id]!),
      ids.map((id) => meta.taskDifficulty(id)),
    );
    expect(rho).toBeGreaterThanOrEqual(0.9);
  });

  it("beats the ablation on new learners (log loss overall, AUC on their first attempts)", () => {
    const m = online(meta, test),
      a = online(ablation, test);
    expect(m.logLoss).toBeLessThan(a.logLoss);
    expect(m.auc).toBeGreaterThan(a.auc);
    const mCold = online(meta, test, 2, 10),
      aCold = online(ablation, test, 2, 10);
    expect(mCold.auc).toBeGreaterThan(aCold.auc);
    expect(mCold.logLoss).toBeLessThan(aCold.logLoss);
  });

  it("learned what the ablation fixes: φ₀ and per-coordinate steps that decay with practice", () => {
    expect(ablation.params.phi0.every((v) => v === 0)).toBe(true);
    expect(new Set(ablation.params.alpha).size).toBe(1);
    expect([...ablation.params.decay]).toEqual([0, 0]);
    expect([...ablation.params.boost]).toEqual([0, 0]);
    expect([...ablation.params.recent]).toEqual([0, 0]);
    expect(new Set(meta.params.alpha).size).toBeGreaterThan(1);
    expect(meta.params.decay[0]).toBeGreaterThan(0);
  });

  it("mastery: a probability with an sd that shrinks with evidence", () => {
    const [learnerId, seq] = [...test.sequences.entries()][0]!;
    const skill = school.tasks.find((t) => t.taskId === seq[0]!.taskId)!.primarySkillId;
    let state = meta.initialState();
    const before = meta.mastery(state, [skill])[0]!;
    for (let n = 0; n < 10; n++) state = meta.update(state, { learnerId, taskId: seq[0]!.taskId, correct: 1 });
    const after = meta.mastery(state, [skill])[0]!;
    expect(after.sd).toBeLessThan(before.sd);
    expect(after.p).toBeGreaterThan(before.p);
    expect(after.attempts).toBe(10);
    expect(meta.mastery(state)).toHaveLength(school.catalog.skillIds.length);
  });
});

describe("serialisation and determinism", () => {
  it("reloads with identical predictions, updates and mastery", () => {
    for (const model of [meta, ablation]) {
      const loaded = loadMetaModel(decodeModel(model.serialize()));
      expect(loaded.name).toBe(model.name);
      expect(loaded.serialize()).toEqual(model.serialize());
      const taskIds = school.tasks.map((t) => t.taskId);
      let s1 = model.initialState(),
        s2 = loaded.initialState();
      for (const trace of [...test.sequences.values()][1]!) {
        expect(loaded.predictMany(s2, taskIds)).toEqual(model.predictMany(s1, taskIds));
        s1 = model.update(s1, trace);
        s2 = loaded.update(s2, trace);
      }
      expect(loaded.mastery(s2)).toEqual(model.mastery(s1));
    }
  });

  it("the same seed gives a byte-identical model; another seed does not", async () => {
    const small: TrainingSet = { catalog: train.catalog, sequences: new Map([...train.sequences].slice(0, 40)) };
    const options = { ...fast, maxEpochs: 2 };
    const a = await metaTrainer.fit(small, { seed: 5, ...options });
    const b = await metaTrainer.fit(small, { seed: 5, ...options });
    const c = await metaTrainer.fit(small, { seed: 6, ...options });
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
    expect(Buffer.from(a.serialize()).equals(Buffer.from(c.serialize()))).toBe(false);
  }, 60_000);
});

describe("bad input", () => {
  const trace = (taskId: string): Trace => ({ learnerId: "u", taskId, correct: 1 });

  it("empty training set → EMPTY_TRAINING_SET", async () => {
    await expectCodeAsync(
      () => metaTrainer.fit({ catalog: train.catalog, sequences: new Map() }, { seed: 1 }),
      EngineErrorCode.EmptyTrainingSet,
    );
    await expectCodeAsync(
      () => ablationTrainer.fit({ catalog: train.catalog, sequences: new Map([["u", []]]) }, { seed: 1 }),
      EngineErrorCode.EmptyTrainingSet,
    );
  });

  it("unknown tasks and skills → UNKNOWN_TASK / UNKNOWN_SKILL", async () => {
    await expectCodeAsync(
      () => metaTrainer.fit({ catalog: train.catalog, sequences: new Map([["u", [trace("nope")]]]) }, { seed: 1 }),
      EngineErrorCode.UnknownTask,
    );
    const badCatalog = {
      ...train.catalog,
      tasks: [...train.catalog.tasks, { taskId: "x", skills: [{ skillId: "no-such-skill", weight: 1 }] }],
    };
    await expectCodeAsync(
      () => metaTrainer.fit({ catalog: badCatalog, sequences: train.sequences }, { seed: 1 }),
      EngineErrorCode.UnknownSkill,
    );
    const state = meta.initialState();
    expectCode(() => meta.predict(state, "nope"), EngineErrorCode.UnknownTask);
    expectCode(() => meta.predictMany(state, [school.tasks[0]!.taskId, "nope"]), EngineErrorCode.UnknownTask);
    expectCode(() => meta.update(state, trace("nope")), EngineErrorCode.UnknownTask);
    expectCode(() => meta.mastery(state, ["no-such-skill"]), EngineErrorCode.UnknownSkill);
  });

  it("invalid options → INVALID_PARAMETERS; defaults are valid", async () => {
    expect(validateMetaOptions()).toEqual(defaultMetaOptions);
    for (const bad of [{ window: 1 }, { learningRate: -1 }, { validationFraction: 1 }, { maxEpochs: 2.5 }, { l2Task: Number.NaN }]) {
      expectCode(() => validateMetaOptions(bad), EngineErrorCode.InvalidParameters);
    }
    await expectCodeAsync(() => metaTrainer.fit(train, { seed: 1, window: 0 }), EngineErrorCode.InvalidParameters);
  });

  it("a state from another model → STATE_MISMATCH; a learner with no history starts at φ₀", () => {
    expectCode(() => meta.predict(ablation.initialState(), school.tasks[0]!.taskId), EngineErrorCode.StateMismatch);
    const s = meta.initialState();
    expect(s.attempts).toBe(0);
    expect((s.data as { g: number[] }).g[0]).toBe(meta.params.phi0[0]);
  });

  it("a task never seen in training falls back to its skills' prior; a skill never seen to the mean skill", async () => {
    const skill = school.catalog.skillIds[0]!;
    const catalog = {
      skillIds: [...school.catalog.skillIds, "fresh-skill"],
      tasks: [
        ...school.catalog.tasks,
        { taskId: "new-task", skills: [{ skillId: skill, weight: 1 }] },
        { taskId: "fresh-task", skills: [{ skillId: "fresh-skill", weight: 1 }] },
      ],
    };
    const small: TrainingSet = { catalog, sequences: new Map([...train.sequences].slice(0, 40)) };
    const model = (await metaTrainer.fit(small, { seed: 2, ...fast, maxEpochs: 2 })) as MetaModel;
    const k = model.catalog.skillIndex.get(skill)!;
    const trained = school.tasks.filter(
      (t) =>
        t.skills.some((s) => s.skillId === skill) && [...small.sequences.values()].some((seq) => seq.some((a) => a.taskId === t.taskId)),
    );
    const newTask = model.catalog.taskIndex.get("new-task")!;
    const meanOffset = trained.reduce((s, t) => s + model.params.taskOffset[model.catalog.taskIndex.get(t.taskId)!]!, 0) / trained.length;
    expect(model.params.taskOffset[newTask]).toBeCloseTo(meanOffset, 12);
    const fresh = model.catalog.skillIndex.get("fresh-skill")!;
    const others = [...model.params.skillEase].filter((_, i) => i !== fresh);
    expect(model.params.skillEase[fresh]).toBeCloseTo(others.reduce((a, b) => a + b, 0) / others.length, 12);
    const p = model.predict(model.initialState(), "fresh-task");
    expect(p).toBeGreaterThan(0.05);
    expect(p).toBeLessThan(0.95);
    expect(k).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it("a model file of another kind or with damaged weights is refused", () => {
    const file = decodeModel(meta.serialize());
    expectCode(() => loadMetaModel({ ...file, model: "elo" }), EngineErrorCode.UnsupportedFormat);
    const taskOffset = (file.tensors.taskOffset as Float64Array).slice(1);
    expectCode(() => loadMetaModel({ ...file, tensors: { ...file.tensors, taskOffset } }), EngineErrorCode.CorruptModel);
    const nan = (file.tensors.skillEase as Float64Array).slice();
    nan[0] = Number.NaN;
    expectCode(
      () => loadMetaModel(decodeModel(encodeModel({ ...file, tensors: { ...file.tensors, skillEase: nan } }))),
      EngineErrorCode.CorruptModel,
    );
  });
});
