/**
 * Meta trained with user-level differential privacy (MetaOptions.privacy, dp-sgd.ts) on simulator data:
 * the ε it reports is the accountant's for its σ, q and steps; a target ε calibrates σ, and a budget too
 * small is refused; one learner's contribution to a step is bounded by the clip whatever its data (a
 * learner whose history is repeated 1,000 times); with a huge ε it predicts about as well as the
 * non-private fit; a seed reproduces the model; the data-dependent parts of the fit are off.
 */
import { initBackend } from "../backend.js";
import { CatalogIndex } from "../catalog-index.js";
import { EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import { auc } from "../metrics/index.js";
import { dpSgdEpsilon } from "../privacy/rdp-accountant.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel, Trace, TrainingSet } from "../types.js";
import { encodeSequences } from "./catalog.js";
import { addClippedLearners, guaranteeOf, LearnerClipper, learnerWindowStart } from "./dp-sgd.js";
import { zeroParams } from "./equations.js";
import { DenseLearner } from "./dense-learner.js";
import { attemptFeatures, cutWindows } from "./features.js";
import { createBatchGradients, packBatch } from "./graph.js";
import { ablationTrainer, loadMetaModelBytes, type MetaModel, metaTrainer } from "./index.js";
import { RAW_NAMES, type RawName } from "./raw-names.js";
import { forwardStarts, scatterGradients } from "./train.js";

const school = simulateSchool({ learners: 300 }, 21);
const { train, test } = splitLearners(school, { seed: 4, testFraction: 0.3 });
const N = train.sequences.size;
const fast = { window: 32, batchWindows: 64, minStepsPerEpoch: 1, maxEpochs: 12, learningRate: 0.05, learningRateDecay: 1 };

beforeAll(async () => {
  await initBackend();
}, 60_000);

function onlineAuc(model: KnowledgeModel, data: TrainingSet): number {
  const p: number[] = [],
    y: number[] = [];
  for (const seq of data.sequences.values()) {
    let state = model.initialState();
    seq.forEach((trace, n) => {
      if (n > 0) {
        p.push(model.predict(state, trace.taskId));
        y.push(trace.correct);
      }
      state = model.update(state, trace);
    });
  }
  return auc(p, y);
}

const fitPrivate = async (privacy: object, seed = 1, data: TrainingSet = train) =>
  (await metaTrainer.fit(data, { seed, ...fast, privacy: privacy as never })) as MetaModel;

describe("Meta with user-level differential privacy", () => {
  it("reports the accountant's ε for its σ, q and steps at δ = 1/N, with the data-dependent parts off", async () => {
    const m = await fitPrivate({ noiseMultiplier: 1.1, samplingRate: 0.1, epochs: 2, clipNorm: 2 });
    const p = m.report!.privacy!;
    expect(p.steps).toBe(20);
    expect(p.delta).toBe(1 / N);
    expect(p.learners).toBe(N);
    expect(p.clipNorm).toBe(2);
    expect(p.epsilon).toBe(dpSgdEpsilon({ q: 0.1, noiseMultiplier: 1.1, steps: 20, delta: 1 / N }).epsilon);
    expect(p.epsilon).toBeGreaterThan(0);
    expect(m.report!.validationLearners).toBe(0); // no early-stopping split
    expect(m.start.chosen).toBe("off"); // no start guard
    expect([...m.params.taskOffset].every((v) => v === 0)).toBe(true); // task offsets untrained by default
    // The model file carries the guarantee (not the clipped share, a statistic of the data).
    const { clippedShare, ...guarantee } = p;
    expect(clippedShare).toBeGreaterThanOrEqual(0);
    expect(loadMetaModelBytes(m.serialize()).privacy).toEqual(guarantee);
    expect(loadMetaModelBytes((await fitPrivate({ noiseMultiplier: 0, epochs: 1 })).serialize()).privacy!.epsilon).toBe(Infinity);
    expect(loadMetaModelBytes((await metaTrainer.fit(train, { seed: 1, ...fast, maxEpochs: 1 })).serialize()).privacy).toBeNull();
  }, 60_000);

  it("calibrates σ to a target ε (the smallest σ that reaches it) and refuses a budget too small", async () => {
    const m = await fitPrivate({ targetEpsilon: 2, samplingRate: 0.1, epochs: 2, delta: 1e-4 });
    const p = m.report!.privacy!;
    expect(p.epsilon).toBeLessThanOrEqual(2);
    const slightlyLess = dpSgdEpsilon({ q: 0.1, noiseMultiplier: p.noiseMultiplier * 0.999, steps: 20, delta: 1e-4 }).epsilon;
    expect(slightlyLess).toBeGreaterThan(2);
    await expect(fitPrivate({ targetEpsilon: 1e-3, samplingRate: 0.5, epochs: 20, delta: 1e-6 })).rejects.toMatchObject({
      code: EngineErrorCode.InvalidParameters,
    });
  }, 60_000);

  it("refuses inconsistent or data-reading options", async () => {
    const bad = [
      { noiseMultiplier: 1, targetEpsilon: 1 },
      {},
      { noiseMultiplier: -1 },
      { targetEpsilon: 1, samplingRate: 0 },
      { targetEpsilon: 1, clipNorm: 0 },
      { targetEpsilon: 1, delta: 1 },
      { targetEpsilon: 1, offsetNoiseFloor: -1 },
      { targetEpsilon: 1, trainTaskOffsets: "yes" },
    ];
    for (const privacy of bad) await expect(fitPrivate(privacy)).rejects.toMatchObject({ code: EngineErrorCode.InvalidParameters });
    await expect(
      metaTrainer.fit(train, { seed: 1, ...fast, taskInfluenceLearners: 50, privacy: { targetEpsilon: 1 } as never }),
    ).rejects.toMatchObject({ code: EngineErrorCode.InvalidParameters });
    const weights = new Map([...train.sequences.keys()].map((id) => [id, 1]));
    await expect(
      metaTrainer.fit(train, { seed: 1, ...fast, learnerWeights: weights, privacy: { targetEpsilon: 1 } as never }),
    ).rejects.toMatchObject({ code: EngineErrorCode.InvalidParameters });
  });

  it("trains the ablation privately too (its shared parameters only), with the same guarantee", async () => {
    const privacy = { noiseMultiplier: 1.1, samplingRate: 0.1, epochs: 2 };
    const a = (await ablationTrainer.fit(train, { seed: 1, ...fast, privacy: privacy as never })) as MetaModel;
    expect(a.privacy).toEqual(guaranteeOf((await fitPrivate(privacy)).report!.privacy));
    expect([...a.params.phi0].every((v) => v === 0)).toBe(true);
    expect(onlineAuc(a, test)).toBeGreaterThan(0.6);
  }, 60_000);

  it("gives the same model for the same seed, another for another seed", async () => {
    const privacy = { noiseMultiplier: 1, samplingRate: 0.2, epochs: 2 };
    const [a, b, c] = [await fitPrivate(privacy, 5), await fitPrivate(privacy, 5), await fitPrivate(privacy, 6)];
    expect([...a.params.skillEase]).toEqual([...b.params.skillEase]);
    expect([...a.params.phi0]).toEqual([...b.params.phi0]);
    expect([...a.params.skillEase]).not.toEqual([...c.params.skillEase]);
  }, 60_000);

  it("with a huge ε (little noise, a loose clip) predicts new learners about as well as the non-private fit", async () => {
    const plain = (await metaTrainer.fit(train, { seed: 1, ...fast })) as MetaModel;
    const loose = await fitPrivate({ targetEpsilon: 1e7, clipNorm: 20, samplingRate: 0.1, epochs: 12, trainTaskOffsets: true });
    const noisy = await fitPrivate({ noiseMultiplier: 200, clipNorm: 20, samplingRate: 0.1, epochs: 12, trainTaskOffsets: true });
    const [aPlain, aLoose, aNoisy] = [onlineAuc(plain, test), onlineAuc(loose, test), onlineAuc(noisy, test)];
    expect(loose.report!.privacy!.epsilon).toBeLessThanOrEqual(1e7);
    expect(aLoose).toBeGreaterThan(aPlain - 0.01);
    expect(aNoisy).toBeLessThan(aLoose - 0.01); // the comparison can fail: noise does cost accuracy
  }, 120_000);
});

describe("DP-SGD's per-learner gradients", () => {
  const cat = CatalogIndex.fromCatalog(train.catalog);
  const ids = [...train.sequences.keys()].sort();
  /** The per-window machinery at zero parameters with some steps: returns Σ clipped and the plain Σ. */
  function gradients(data: TrainingSet, clipNorm: number) {
    const seq = encodeSequences(cat, data.sequences, [...data.sequences.keys()].sort());
    const features = attemptFeatures(cat, seq);
    const windows = cutWindows(seq, 16);
    const p = zeroParams(cat.taskIds.length, cat.skillIds.length);
    p.alpha.fill(0.1);
    p.decay.fill(0.1);
    p.boost.fill(0.1);
    p.recent.set([0.2, 0.5]);
    const rng = createRng(3);
    for (const a of [p.taskOffset, p.skillEase, p.skillWin, p.skillFail]) for (let i = 0; i < a.length; i++) a[i] = 0.3 * rng.normal();
    const starts = { personal: new Float64Array(seq.task.length), recent: new Float64Array(seq.task.length) };
    forwardStarts(p, seq, new DenseLearner(cat), 16, starts);
    const grads = createBatchGradients();
    const sizes = { global: 3, taskOffset: p.taskOffset.length, skillEase: p.skillEase.length, skillWin: p.skillWin.length } as Record<
      RawName,
      number
    >;
    for (const n of ["skillFail", "phi0", "logAlpha", "logDecay", "logBoost", "recent", "history"] as const) {
      sizes[n] = {
        skillFail: p.skillFail.length,
        phi0: p.phi0.length,
        logAlpha: p.alpha.length,
        logDecay: 2,
        logBoost: 2,
        recent: 2,
        history: p.history.length,
      }[n];
    }
    const clipper = new LearnerClipper(sizes, RAW_NAMES, clipNorm);
    const all = [...Array(seq.learnerIds.length).keys()];
    const pack = (chunk: readonly (typeof windows)[number][]) => packBatch(features, seq.task, seq.correct, starts, chunk);
    addClippedLearners(clipper, all, windows, learnerWindowStart(seq, windows), 37, pack, (b) => grads(p, b, true));
    // The plain gradient of the whole set, shared inputs broadcast (the non-private path).
    const plain = Object.fromEntries(RAW_NAMES.map((n) => [n, new Float64Array(sizes[n])])) as Record<RawName, Float64Array>;
    const batch = pack(windows);
    scatterGradients(grads(p, batch, false), batch, plain, 1);
    return { sum: clipper.sum, plain: Float64Array.from(RAW_NAMES.flatMap((n) => [...plain[n]])), learners: clipper.learners };
  }
  const norm = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

  it("adds up per window to the batch's gradient when nothing is clipped", () => {
    const { sum, plain, learners } = gradients(train, Infinity);
    expect(learners).toBe(N);
    expect(norm(sum, plain)).toBeLessThan(1e-3 * Math.sqrt(plain.reduce((s, v) => s + v * v, 0)));
  });

  it("bounds one learner's effect on the clipped sum by C, even with its history repeated 1,000 times", () => {
    const extremeId = ids[0]!;
    const history = train.sequences.get(extremeId)!;
    const repeated: Trace[] = Array.from({ length: 1000 }, () => history).flat();
    const without = new Map(train.sequences);
    without.delete(extremeId);
    const withExtreme = new Map(train.sequences);
    withExtreme.set(extremeId, repeated);
    const C = 0.5;
    const a = gradients({ catalog: train.catalog, sequences: withExtreme }, C);
    const b = gradients({ catalog: train.catalog, sequences: without }, C);
    // Same learners otherwise, same order: the difference is the extreme learner's clipped gradient.
    expect(norm(a.sum, b.sum)).toBeLessThanOrEqual(C * (1 + 1e-9));
    expect(norm(a.sum, b.sum)).toBeGreaterThan(0.9 * C); // it was clipped, not small
    // Unclipped, the same learner moves the gradient by far more than C (the bound is the clip's doing).
    expect(norm(a.plain, b.plain)).toBeGreaterThan(100 * C);
  }, 60_000);
});
