/**
 * Training of the task embedding: label task pairs from the traces (pairs.ts), then fit f_θ
 * (network.ts) with Adam on the contrastive loss of Hadsell, Chopra & LeCun (2006):
 *
 *   L(θ) = mean over the batch of [ y · D² + (1 − y) · max(0, m − D)² ]  +  λ_T · (1/N) Σ_i ‖T_i‖²
 *   D    = ‖f(x₁) − f(x₂)‖₂       (computed as √(D² + 10⁻¹²) so that its gradient is finite at 0)
 *
 * y = 1 for an "alike" pair, m = `margin`, λ_T = `l2Task`. Only first-order gradients are taken.
 *
 * Batches are balanced: each step takes ⌊B/2⌋ alike and ⌈B/2⌉ unlike pairs (B = `batchSize`; all of B
 * from one class when the other is empty), walking each class through a seeded shuffle that is redrawn
 * whenever it is used up. Steps = min(`maxSteps`, ⌈`epochs` · P / B⌉) for P labelled pairs, so the cost
 * is bounded independently of the number of attempts (the attempts cost only the O(W·N) labelling pass).
 *
 * Parameters live in float64 arrays and are updated by Adam (meta/adam.ts) in JS; each step hands the
 * graph float32 tensors of the shared weights and of the batch's rows of T and of the normalised
 * Q-matrix (gathered in JS, because the wasm backend has no kernel for the gradient of tf.gather), and
 * the rows' gradients are added back onto T in JS. The final weights are rounded to float32.
 *
 * Deterministic for a seed on a given backend: one RNG stream (createRng(seed)) draws the pair sample,
 * the initial weights and the batches, in that order; TensorFlow.js kernels are deterministic.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
import { CatalogIndex } from "../catalog-index.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng, type Rng } from "../math.js";
import type { FitOptions, TrainingSet } from "../types.js";
import { TaskEmbedding, type EmbeddingReport } from "./model.js";
import { Adam } from "../meta/adam.js";
import { embedRows, initialWeights, normalisedQRows, type NetworkWeights, type SharedTensors } from "./network.js";
import { type EmbeddingOptions, validateEmbeddingOptions } from "./options.js";
import { encodeAttempts, fitRasch, labelPairs, type LabelledPairs } from "./pairs.js";

/** Keeps the distance's gradient finite when two vectors coincide. */
const DISTANCE_EPSILON = 1e-12;
/** Progress callbacks and a yield to the event loop every this many steps. */
const YIELD_EVERY = 25;

export async function trainTaskEmbedding(data: TrainingSet, options: FitOptions & Partial<EmbeddingOptions>): Promise<TaskEmbedding> {
  const began = Date.now();
  if (options === null || typeof options !== "object" || !Number.isInteger(options.seed)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `seed must be an integer, got ${String(options?.seed)}`);
  }
  const o = validateEmbeddingOptions(options);
  if (data === null || typeof data !== "object" || !data.catalog || !(data.sequences instanceof Map)) {
    throw new EngineError(EngineErrorCode.InvalidData, "trainTaskEmbedding: data must be a TrainingSet { catalog, sequences: Map }");
  }
  const cat = CatalogIndex.fromCatalog(data.catalog);
  const attempts = encodeAttempts(cat, data); // EMPTY_TRAINING_SET, UNKNOWN_TASK
  const rng = createRng(options.seed);
  options.onProgress?.(0, "task-embedding: labelling pairs");
  const rasch = fitRasch(attempts, cat.taskCount, o.raschPrior);
  const pairs = labelPairs(attempts, rasch, cat.taskCount, o, rng);
  const init = initialWeights(rng, cat.taskCount, cat.skillCount, o.hidden, o.dimension);
  const steps = pairs.y.length === 0 ? 0 : Math.min(o.maxSteps, Math.ceil((o.epochs * pairs.y.length) / o.batchSize));

  const backend = await initBackend();
  const { weights, finalLoss } = await optimise(cat, init, pairs, steps, o, rng, options.onProgress);
  for (const name of ["skill", "task", "b1", "w2", "b2"] as const) {
    if (!weights[name].every(Number.isFinite)) {
      throw new EngineError(
        EngineErrorCode.InvalidParameters,
        "task-embedding training diverged (non-finite weights): lower learningRate",
        { learningRate: o.learningRate },
      );
    }
  }
  options.onProgress?.(1, "task-embedding: done");
  const report: EmbeddingReport = {
    seed: options.seed,
    backend,
    attempts: attempts.task.length,
    coAttemptedPairs: pairs.coAttemptedPairs,
    labelledPairs: pairs.labelledBeforeSampling,
    trainingPairs: pairs.y.length,
    alikePairs: pairs.alike,
    unlikePairs: pairs.unlike,
    steps,
    finalLoss,
    seconds: (Date.now() - began) / 1000,
  };
  return new TaskEmbedding(cat, weights, o, report);
}

async function optimise(
  cat: CatalogIndex,
  init: NetworkWeights,
  pairs: LabelledPairs,
  steps: number,
  o: EmbeddingOptions,
  rng: Rng,
  onProgress: FitOptions["onProgress"],
): Promise<{ weights: NetworkWeights; finalLoss: number | null }> {
  if (steps === 0) return { weights: init, finalLoss: null };
  const alike: number[] = [],
    unlike: number[] = [];
  for (let p = 0; p < pairs.y.length; p++) (pairs.y[p] === 1 ? alike : unlike).push(p);
  const nAlike = alike.length === 0 ? 0 : unlike.length === 0 ? o.batchSize : Math.floor(o.batchSize / 2);
  const sampler = (pool: number[]) => {
    let order: number[] = [];
    let at = 0;
    return (): number => {
      if (at >= order.length) {
        order = rng.shuffle(pool);
        at = 0;
      }
      return order[at++]!;
    };
  };
  const nextAlike = sampler(alike),
    nextUnlike = sampler(unlike);

  // The optimiser works on float64 copies; the graph sees float32 tensors made from them each step.
  const H = init.hidden,
    K = cat.skillCount,
    B = o.batchSize;
  const params = [
    Float64Array.from(init.skill),
    Float64Array.from(init.task),
    Float64Array.from(init.b1),
    Float64Array.from(init.w2),
    Float64Array.from(init.b2),
  ];
  const [skill, task, b1, w2, b2] = params as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const grads = params.map((x) => new Float64Array(x.length));
  const adam = new Adam(params, o.learningRate);
  const qRows = normalisedQRows(cat.taskCount, K, cat.qStart, cat.qSkill, cat.qWeight);
  const batchQ = [new Float32Array(B * K), new Float32Array(B * K)];
  const batchT = [new Float32Array(B * H), new Float32Array(B * H)];
  const rows = [new Int32Array(B), new Int32Array(B)];
  const y = new Float32Array(B);
  const gradFn = tf.grads((s: tf.Tensor, ta: tf.Tensor, tb: tf.Tensor, bias1: tf.Tensor, out: tf.Tensor, bias2: tf.Tensor) =>
    contrastiveLoss({ skill: s, b1: bias1, w2: out, b2: bias2 }, current!, ta as tf.Tensor2D, tb as tf.Tensor2D, o.margin),
  );
  let current: BatchConstants | undefined;
  let finalLoss: number | null = null;

  for (let step = 0; step < steps; step++) {
    for (let r = 0; r < B; r++) {
      const p = r < nAlike ? nextAlike() : nextUnlike();
      rows[0]![r] = pairs.a[p]!;
      rows[1]![r] = pairs.b[p]!;
      y[r] = pairs.y[p]!;
    }
    for (let side = 0; side < 2; side++) {
      const q = batchQ[side]!,
        t = batchT[side]!,
        idx = rows[side]!;
      for (let r = 0; r < B; r++) {
        q.set(qRows.subarray(idx[r]! * K, (idx[r]! + 1) * K), r * K);
        for (let j = 0; j < H; j++) t[r * H + j] = task[idx[r]! * H + j]!;
      }
    }
    const last = step === steps - 1;
    const values = tf.tidy(() => {
      current = { qa: tf.tensor2d(batchQ[0]!, [B, K]), qb: tf.tensor2d(batchQ[1]!, [B, K]), y: tf.tensor1d(y) };
      const inputs = [
        tf.tensor2d(Float32Array.from(skill), [K, H]),
        tf.tensor2d(batchT[0]!, [B, H]),
        tf.tensor2d(batchT[1]!, [B, H]),
        tf.tensor1d(Float32Array.from(b1)),
        tf.tensor2d(Float32Array.from(w2), [H, init.dimension]),
        tf.tensor1d(Float32Array.from(b2)),
      ];
      const g = gradFn(inputs).map((x) => x.dataSync() as Float32Array);
      if (last) {
        const loss = contrastiveLoss(
          { skill: inputs[0]!, b1: inputs[3]!, w2: inputs[4]!, b2: inputs[5]! },
          current,
          inputs[1] as tf.Tensor2D,
          inputs[2] as tf.Tensor2D,
          o.margin,
        );
        finalLoss = (loss.dataSync() as Float32Array)[0]!;
      }
      return g;
    });
    const [gS, gTa, gTb, gB1, gW2, gB2] = values as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    grads[0]!.set(gS);
    grads[2]!.set(gB1);
    grads[3]!.set(gW2);
    grads[4]!.set(gB2);
    // Scatter the per-row task gradients back onto T, plus the L2 term ∂/∂T (λ/N Σ‖T_i‖²) = 2λT/N.
    const gT = grads[1]!;
    const decay = (2 * o.l2Task) / cat.taskCount;
    for (let e = 0; e < gT.length; e++) gT[e] = decay * task[e]!;
    for (let side = 0; side < 2; side++) {
      const g = side === 0 ? gTa : gTb,
        idx = rows[side]!;
      for (let r = 0; r < B; r++) for (let j = 0; j < H; j++) gT[idx[r]! * H + j]! += g[r * H + j]!;
    }
    adam.step(grads);
    if ((step + 1) % YIELD_EVERY === 0 || last) {
      onProgress?.((step + 1) / steps, "task-embedding: training");
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const f32 = (x: Float64Array) => Float32Array.from(x);
  return {
    weights: { ...init, skill: f32(skill), task: f32(task), b1: f32(b1), w2: f32(w2), b2: f32(b2) },
    finalLoss: finalLoss !== null && Number.isFinite(finalLoss) ? finalLoss : null,
  };
}

/** The batch's constants: the two sides' normalised Q-matrix rows and the labels. */
export interface BatchConstants {
  readonly qa: tf.Tensor2D; // [B, K]
  readonly qb: tf.Tensor2D; // [B, K]
  readonly y: tf.Tensor1D; // [B]
}

/**
 * The contrastive part of the loss for one batch (the L2 term is added in JS): the two sides' vectors
 * are f with the sides' T rows `ta`, `tb` (gathered in JS: the wasm backend has no gradient for gather).
 */
export function contrastiveLoss(w: SharedTensors, c: BatchConstants, ta: tf.Tensor2D, tb: tf.Tensor2D, margin: number): tf.Scalar {
  const za = embedRows(w, c.qa, ta);
  const zb = embedRows(w, c.qb, tb);
  const d2 = tf.sum(tf.square(tf.sub(za, zb)), 1);
  const d = tf.sqrt(tf.add(d2, DISTANCE_EPSILON));
  const hinge = tf.relu(tf.sub(margin, d));
  return tf.mean(tf.add(tf.mul(c.y, d2), tf.mul(tf.sub(1, c.y), tf.square(hinge)))) as tf.Scalar;
}
