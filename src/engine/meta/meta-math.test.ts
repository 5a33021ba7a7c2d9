/**
 * The Meta model's mathematics: the TensorFlow.js training graph mirrors the typed-array equations,
 * its meta-gradient matches float64 finite differences of the unrolled loss, and the online model
 * (JSON learner states) agrees with the training's forward pass.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
import { createRng, sigmoid } from "../math.js";
import type { Catalog } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { encodeSequences, type EncodedSequences } from "./catalog.js";
import { DenseLearner } from "./dense-learner.js";
import { HISTORY_FEATURES, HISTORY_WEIGHTS, historyShape, type MetaParams, NO_HISTORY } from "./equations.js";
import { attemptFeatures, cutWindows } from "./features.js";
import { batchLogLoss, gatherInputs, INPUT_NAMES, packBatch, recentFromRaw, recentToRaw, unrolledLogits } from "./graph.js";
import { MetaModel } from "./model.js";
import { defaultMetaOptions } from "./options.js";
import { forwardStarts, RAW_NAMES, type RawName, scatterGradients } from "./train.js";

beforeAll(async () => {
  await initBackend();
});

/** Every history feature on, with a memory of 3 tasks (so that tasks are also forgotten). */
const allHistory = { historyFeatures: [...HISTORY_FEATURES], taskMemory: 3 };
const shapeOf = (history: boolean) => (history ? historyShape(allHistory.historyFeatures, allHistory.taskMemory) : NO_HISTORY);

/**
 * A small random school: 6 skills, 10 tasks (some with two or three skills, fractional weights), 5 learners.
 * `history`: random history weights, and a retry of the previous task after 40 % of the attempts.
 */
function smallWorld(
  seed: number,
  lengths = [9, 14, 6, 11, 3],
  history = false,
): { cat: CatalogIndex; seq: EncodedSequences; params: MetaParams } {
  const rng = createRng(seed);
  const skillIds = ["s0", "s1", "s2", "s3", "s4", "s5"];
  const catalog: Catalog = {
    skillIds,
    tasks: Array.from({ length: 10 }, (_, i) => ({
      taskId: `t${i}`,
      skills:
        i % 4 === 0
          ? [
              { skillId: skillIds[i % 6]!, weight: 1 },
              { skillId: skillIds[(i + 1) % 6]!, weight: 0.5 },
              { skillId: skillIds[(i + 3) % 6]!, weight: 0.25 },
            ]
          : i % 3 === 0
            ? [
                { skillId: skillIds[i % 6]!, weight: 1 },
                { skillId: skillIds[(i + 2) % 6]!, weight: 0.5 },
              ]
            : [{ skillId: skillIds[i % 6]!, weight: 1 }],
    })),
  };
  const cat = CatalogIndex.fromCatalog(catalog);
  const sequences = new Map(
    lengths.map((n, l) => {
      let task = rng.int(10);
      return [
        `u${l}`,
        Array.from({ length: n }, () => {
          if (!history || rng.next() >= 0.4) task = rng.int(10);
          return { learnerId: `u${l}`, taskId: `t${task}`, correct: (rng.next() < 0.6 ? 1 : 0) as 0 | 1 };
        }),
      ];
    }),
  );
  const seq = encodeSequences(cat, sequences, [...sequences.keys()]);
  const u = (scale: number) => (rng.next() - 0.5) * 2 * scale;
  const K = skillIds.length;
  const params: MetaParams = {
    global: Float64Array.from([u(0.5), u(0.5), u(0.5)]),
    taskOffset: Float64Array.from({ length: 10 }, () => u(1)),
    skillEase: Float64Array.from({ length: K }, () => u(1)),
    skillWin: Float64Array.from({ length: K }, () => u(0.5)),
    skillFail: Float64Array.from({ length: K }, () => u(0.5)),
    phi0: Float64Array.from({ length: K + 1 }, () => u(0.5)),
    alpha: Float64Array.from({ length: K + 1 }, () => 0.2 + rng.next()),
    decay: Float64Array.from([0.05 + rng.next() * 0.3, 0.05 + rng.next() * 0.3]),
    boost: Float64Array.from([0.1 + rng.next() * 0.5, 0.1 + rng.next() * 0.5]),
    recent: Float64Array.from([0.2 + rng.next() * 0.5, 0.3 + rng.next() * 0.5]),
    history: Float64Array.from({ length: HISTORY_WEIGHTS }, () => (history ? u(1) : 0)),
  };
  return { cat, seq, params };
}

/** Float64 typed-array logits of every attempt (the online protocol). */
function denseLogits(cat: CatalogIndex, seq: EncodedSequences, p: MetaParams, history = false): Float64Array {
  const learner = new DenseLearner(cat, shapeOf(history));
  const out = new Float64Array(seq.task.length);
  for (let l = 0; l < seq.learnerIds.length; l++) {
    learner.reset(p);
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      out[j] = learner.logit(p, seq.task[j]!);
      learner.observe(p, seq.task[j]!, seq.correct[j]!, sigmoid(out[j]!));
    }
  }
  return out;
}

/** The unrolled loss L = Σ softplus(z) − y·z in float64. */
function denseLoss(cat: CatalogIndex, seq: EncodedSequences, p: MetaParams, history = false): number {
  const z = denseLogits(cat, seq, p, history);
  let sum = 0;
  z.forEach((zj, j) => {
    sum += Math.log1p(Math.exp(-Math.abs(zj))) + Math.max(zj, 0) - seq.correct[j]! * zj;
  });
  return sum;
}

describe("TensorFlow.js graph mirrors the typed-array equations", () => {
  it.each([
    [64, false],
    [4, false],
    [64, true],
    [4, true],
  ])("gives the same logits (window %i: one window per learner, and truncated windows; history features %s)", (window, history) => {
    const { cat, seq, params } = smallWorld(1, undefined, history);
    const f = attemptFeatures(cat, seq, history ? allHistory : undefined);
    const starts = { personal: new Float64Array(seq.task.length), recent: new Float64Array(seq.task.length) };
    forwardStarts(params, seq, new DenseLearner(cat, shapeOf(history)), window, starts);
    const windows = cutWindows(seq, window);
    const batch = packBatch(f, seq.task, seq.correct, starts, windows);
    const z = tf.tidy(() => unrolledLogits(gatherInputs(params, batch), batch).dataSync());
    const expected = denseLogits(cat, seq, params, history);
    windows.forEach((w, b) => {
      for (let t = 0; t < w.length; t++) expect(z[b * batch.W + t]!).toBeCloseTo(expected[w.from + t]!, 4);
    });
    expect(new Set(expected).size).toBeGreaterThan(10); // the check is not vacuous
    if (window === 4) expect(windows.some((w, b) => !w.first && batch.startRecent[b] !== 0)).toBe(true); // ψ crosses window starts
    if (history) {
      // Every history feature occurs (and a remembered task was forgotten: a count of 0 on a task seen before).
      for (const x of [
        f.repeatFail,
        f.repeatWin,
        f.taskWinLog,
        f.taskFailLog,
        f.slotLastWin,
        f.slotLastFail,
        f.slotGapLog,
        f.slotLastWinCount,
        f.slotLastFailCount,
      ])
        expect(x.some((v) => v > 0)).toBe(true);
      expect(f.slotDecay.some((v) => v < 0) && f.slotDecay.some((v) => v > 0)).toBe(true);
      // Runs of wins and of fails occur (slots 7–9, 10–12).
      expect([7, 8, 9].some((slot) => f.slotRun.includes(slot)) && [10, 11, 12].some((slot) => f.slotRun.includes(slot))).toBe(true);
      const without = denseLogits(cat, seq, { ...params, history: new Float64Array(HISTORY_WEIGHTS) });
      expect(expected.some((v, j) => Math.abs(v - without[j]!) > 0.1)).toBe(true);
    }
  });
});

describe("meta-gradient", () => {
  it.each([false, true])("matches float64 finite differences of the unrolled loss for every parameter (history features %s)", (history) => {
    const { cat, seq, params } = smallWorld(7, undefined, history);
    const f = attemptFeatures(cat, seq, history ? allHistory : undefined);
    const windows = cutWindows(seq, 64); // untruncated: every window is a whole learner, from φ₀
    const batch = packBatch(
      f,
      seq.task,
      seq.correct,
      { personal: new Float64Array(seq.task.length), recent: new Float64Array(seq.task.length) },
      windows,
    );
    const gradFn = tf.grads((...xs: tf.Tensor[]) =>
      batchLogLoss(Object.fromEntries(INPUT_NAMES.map((n, i) => [n, xs[i]])) as never, batch),
    );
    const values = tf.tidy(() => {
      const inputs = gatherInputs(params, batch);
      return gradFn(INPUT_NAMES.map((n) => inputs[n])).map((g) => g.dataSync() as Float32Array);
    });
    const grads = Object.fromEntries(RAW_NAMES.map((n) => [n, new Float64Array(rawOf(params, n).length)])) as Record<RawName, Float64Array>;
    scatterGradients(values, batch, grads, 1);

    let checked = 0,
      nonZero = 0;
    for (const name of RAW_NAMES) {
      const raw = rawOf(params, name);
      for (let i = 0; i < raw.length; i++) {
        const h = 1e-5;
        const at = (delta: number) => {
          const copy = rawCopy(params);
          copy[name][i]! += delta;
          return denseLoss(cat, seq, fromRaw(copy), history);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(grads[name][i]! - fd)).toBeLessThan(2e-3 + 2e-3 * Math.abs(fd));
        checked++;
        if (Math.abs(fd) > 1e-2) nonZero++;
      }
    }
    expect(checked).toBe(3 + 10 + 6 * 3 + 7 + 7 + 2 + 2 + 2 + HISTORY_WEIGHTS);
    expect(nonZero).toBeGreaterThan(history ? 37 : 30); // the gradient really depends on (almost) every parameter
    // Every history weight whose feature occurs (a run indicator may not: short sequences) gets a gradient.
    if (history) {
      for (let i = 0; i < HISTORY_WEIGHTS; i++) {
        if (i < 7 || i > 12 || f.slotRun.includes(i)) expect(Math.abs(grads.history[i]!)).toBeGreaterThan(1e-3);
      }
    }
  });
});

function rawOf(p: MetaParams, name: RawName): Float64Array {
  return rawCopy(p)[name];
}
function rawCopy(p: MetaParams): Record<RawName, Float64Array> {
  return {
    global: p.global.slice(),
    taskOffset: p.taskOffset.slice(),
    skillEase: p.skillEase.slice(),
    skillWin: p.skillWin.slice(),
    skillFail: p.skillFail.slice(),
    phi0: p.phi0.slice(),
    logAlpha: p.alpha.map(Math.log),
    logDecay: p.decay.map(Math.log),
    logBoost: p.boost.map(Math.log),
    recent: recentToRaw(p.recent),
    history: p.history.slice(),
  };
}
function fromRaw(r: Record<RawName, Float64Array>): MetaParams {
  return {
    ...r,
    alpha: r.logAlpha.map(Math.exp),
    decay: r.logDecay.map(Math.exp),
    boost: r.logBoost.map(Math.exp),
    recent: recentFromRaw(r.recent),
  };
}

describe("online model", () => {
  it.each([false, true])("agrees with the training's forward pass, attempt by attempt (history features %s)", (history) => {
    const { cat, seq, params } = smallWorld(3, [9, 14, 6, 11, 3, 40], history);
    const model = new MetaModel("meta", cat, params, history ? { ...defaultMetaOptions, ...allHistory } : defaultMetaOptions);
    const expected = denseLogits(cat, seq, params, history);
    for (let l = 0; l < seq.learnerIds.length; l++) {
      let state = model.initialState();
      for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
        const taskId = cat.taskIds[seq.task[j]!]!;
        expect(model.predict(state, taskId)).toBeCloseTo(sigmoid(expected[j]!), 12);
        expect(model.predictMany(state, [taskId, taskId])[1]).toBe(model.predict(state, taskId));
        state = model.update(state, { learnerId: seq.learnerIds[l]!, taskId, correct: seq.correct[j] as 0 | 1 });
      }
      expect(state.attempts).toBe(seq.start[l + 1]! - seq.start[l]!);
    }
  });

  it("never answers NaN, 0 or 1, even with absurd parameters", () => {
    const { cat, params } = smallWorld(5);
    for (const a of Object.values(params) as Float64Array[]) a.fill(1e6);
    const model = new MetaModel("meta", cat, params, defaultMetaOptions);
    let state = model.initialState();
    for (let n = 0; n < 200; n++) {
      const p = model.predict(state, `t${n % 10}`);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
      state = model.update(state, { learnerId: "x", taskId: `t${n % 10}`, correct: (n % 2) as 0 | 1 });
    }
    for (const m of model.mastery(state)) {
      expect(Number.isFinite(m.p) && Number.isFinite(m.sd)).toBe(true);
      expect(m.p).toBeGreaterThan(0);
      expect(m.p).toBeLessThan(1);
    }
  });
});
