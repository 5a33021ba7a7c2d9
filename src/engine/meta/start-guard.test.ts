/**
 * The start guard (start-guard.ts) on simulator data, never the benchmark data: where the meta-learned
 * start helps new learners it is kept; where it hurts (a start built to overshoot) the guard falls back,
 * and the fallback predicts held-out learners' first attempts better; the choice is deterministic for a
 * seed and survives the model file.
 */
import { initBackend } from "../backend.js";
import { EngineErrorCode } from "../errors.js";
import { logLoss } from "../metrics/index.js";
import { loadModel } from "../registry.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel, TrainingSet } from "../types.js";
import { ablationTrainer, MetaModel, metaTrainer, validateMetaOptions } from "./index.js";
import { chooseStart, startParams, startSummary } from "./start-guard.js";
import { CatalogIndex } from "../catalog-index.js";
import { encodeSequences } from "./catalog.js";
import { DenseLearner } from "./dense-learner.js";

/** Learners of widely spread ability, short histories: what a new learner's first answers say matters. */
const school = simulateSchool({ learners: 300, abilitySd: 1.5 }, 21);
const { train, test } = splitLearners(school, { seed: 4, testFraction: 0.3 });
/** Small batches: the simulated school is small, and CI has 2 cores. */
const fast = {
  batchWindows: 64,
  minStepsPerEpoch: 1,
  maxEpochs: 12,
  learningRate: 0.05,
  learningRateDecay: 1,
  patience: 3,
  validationFraction: 0.2,
};
/** A training that cannot move its start: the early boost stays at an overshooting κ = 4. */
const overshoot = { ...fast, initialBoost: 4, learningRate: 1e-9, maxEpochs: 1 };

let helped: MetaModel;
let hurt: MetaModel;

beforeAll(async () => {
  await initBackend();
  helped = (await metaTrainer.fit(train, { seed: 1, ...fast })) as MetaModel;
  hurt = (await metaTrainer.fit(train, { seed: 1, ...overshoot })) as MetaModel;
}, 60_000);

/** Log loss of the online protocol on attempts from..to of each held-out learner. */
function early(model: KnowledgeModel, data: TrainingSet, from = 2, to = 10): number {
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
  return logLoss(p, y);
}

describe("the start guard", () => {
  it("keeps the meta-learned start where it helps, and it does help new (test) learners", () => {
    expect(helped.start.chosen).toBe("learned");
    expect(helped.start.validationLearners).toBe(Math.floor(0.2 * train.sequences.size));
    const byKind = Object.fromEntries(helped.start.candidates.map((c) => [c.kind, c]));
    // On the validation learners, the learned start beats the neutral one on attempts 2–10…
    expect(byKind.learned!.earlyLoss).toBeLessThan(byKind.neutral!.earlyLoss);
    expect(byKind.learned!.earlyLoss).toBeLessThan(byKind["fixed-step"]!.earlyLoss);
    // …and so it does on the test learners, whom the guard never saw.
    const neutral = new MetaModel("meta", helped.catalog, startParams(helped.params, "neutral", helped.options), helped.options);
    expect(early(helped, test)).toBeLessThan(early(neutral, test));
  });

  it("falls back from a start that hurts, and the fallback predicts test learners' first attempts better", async () => {
    expect(hurt.start.chosen).not.toBe("learned");
    expect(hurt.start.chosen).not.toBe("off");
    // The chosen start has no more than half the overshooting boost.
    expect(Math.max(...hurt.params.boost)).toBeLessThanOrEqual(2);
    const unguarded = (await metaTrainer.fit(train, { seed: 1, ...overshoot, startGuard: "off" })) as MetaModel;
    expect(unguarded.start.chosen).toBe("off");
    expect([...unguarded.params.boost]).toEqual([4, 4].map((v) => expect.closeTo(v, 6)));
    expect(early(hurt, test)).toBeLessThan(early(unguarded, test));
    const chosen = hurt.start.candidates.find((c) => c.kind === hurt.start.chosen)!;
    expect(chosen.earlyGain).toBeGreaterThan(chosen.earlyGainSe);
  });

  it("the same seed gives the same model and the same choice", async () => {
    const again = (await metaTrainer.fit(train, { seed: 1, ...overshoot })) as MetaModel;
    expect(again.start).toEqual(hurt.start);
    expect(Buffer.from(again.serialize()).equals(Buffer.from(hurt.serialize()))).toBe(true);
  });

  it("the choice survives the model file, and the reloaded model predicts the same", () => {
    for (const model of [helped, hurt]) {
      const loaded = loadModel(model.serialize()) as MetaModel;
      expect(loaded.start).toEqual(model.start);
      expect([...loaded.params.boost]).toEqual([...model.params.boost]);
      const seq = [...test.sequences.values()][0]!;
      let a = model.initialState(),
        b = loaded.initialState();
      for (const trace of seq.slice(0, 10)) {
        expect(loaded.predict(b, trace.taskId)).toBe(model.predict(a, trace.taskId));
        a = model.update(a, trace);
        b = loaded.update(b, trace);
      }
    }
  });

  it("a model version's record of the guard (metrics.metaStart): Meta's choice; null for a model without a guard", async () => {
    expect(startSummary(hurt)).toEqual({
      chosen: hurt.start.chosen,
      validationLearners: hurt.start.validationLearners,
      earlyLoss: Object.fromEntries(hurt.start.candidates.map((c) => [c.kind, c.earlyLoss])),
    });
    expect(Object.keys(startSummary(hurt)!.earlyLoss)).toEqual(["learned", "no-boost", "shrunk", "neutral", "fixed-step"]);
    expect(startSummary({ name: "elo" })).toBeNull();
  });

  it("a file without a start record loads as 'off'; a damaged record is CORRUPT_MODEL", () => {
    const file = decodeModel(hurt.serialize());
    const { start: _, ...rest } = file.meta as Record<string, unknown>;
    expect((loadModel(encodeModel({ ...file, meta: rest })) as MetaModel).start.chosen).toBe("off");
    const bad = encodeModel({ ...file, meta: { ...rest, start: { chosen: "magic", candidates: [] } } });
    expect(() => loadModel(bad)).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
  });

  it("the ablation has no guard; options are validated", async () => {
    const ablation = (await ablationTrainer.fit(train, { seed: 1, ...fast, maxEpochs: 2 })) as MetaModel;
    expect(ablation.start.chosen).toBe("off");
    for (const bad of [{ startGuard: "maybe" }, { guardAttempts: 1 }, { l2Start: -1 }]) {
      expect(() => validateMetaOptions(bad as never)).toThrow(expect.objectContaining({ code: EngineErrorCode.InvalidParameters }));
    }
  });

  it("l2Start pulls φ₀ toward the neutral start 0", async () => {
    const rms = (m: MetaModel) => Math.sqrt(m.params.phi0.reduce((s, v) => s + v * v, 0) / m.params.phi0.length);
    const pulled = (await metaTrainer.fit(train, { seed: 1, ...fast, maxEpochs: 4, l2Start: 1000, startGuard: "off" })) as MetaModel;
    const free = (await metaTrainer.fit(train, { seed: 1, ...fast, maxEpochs: 4, l2Start: 0, startGuard: "off" })) as MetaModel;
    expect(rms(pulled)).toBeLessThan(rms(free) / 2);
  });

  it("weighs each validation learner like the early-stopping loss (learner weights)", () => {
    const cat = CatalogIndex.fromCatalog(test.catalog);
    const val = encodeSequences(cat, test.sequences, [...test.sequences.keys()].sort());
    const plain = chooseStart(hurt.params, val, new DenseLearner(cat), hurt.options).choice;
    const half = val.learnerIds.length >> 1;
    const weight = new Float64Array(val.task.length);
    // The first half of the learners weigh 3, the others 1: a different mean than the unweighted one.
    for (let l = 0; l < val.learnerIds.length; l++) weight.fill(l < half ? 3 : 1, val.start[l]!, val.start[l + 1]!);
    const weighted = chooseStart(hurt.params, val, new DenseLearner(cat), hurt.options, weight).choice;
    expect(weighted.candidates[0]!.earlyLoss).not.toBeCloseTo(plain.candidates[0]!.earlyLoss, 6);
    const uniform = chooseStart(hurt.params, val, new DenseLearner(cat), hurt.options, new Float64Array(val.task.length).fill(2)).choice;
    uniform.candidates.forEach((c, i) => {
      expect(c.earlyLoss).toBeCloseTo(2 * plain.candidates[i]!.earlyLoss, 10);
    });
    expect(uniform.chosen).toBe(plain.chosen);
  });
});
