/**
 * Meta-training: Adam on the unrolled predict-then-update loss of the training learners (equations.ts),
 * in truncated windows, with early stopping on held-out TRAINING learners (validationFraction).
 *
 * Each step: the typed-array forward pass gives every window its starting state; graph.ts builds the
 * batch's unrolled loss in TensorFlow.js, which differentiates it (first order) with respect to the
 * parameters gathered for the batch; those gradients are added back per parameter (scatterGradients)
 * and Adam updates float64 parameters (adam.ts). The ablation runs the same loop with φ₀ = 0 and a
 * fixed step; by default with no adaptation during training ("pretrained", see options.ts).
 *
 * FitOptions.learnerWeights weigh each learner's attempts in the loss, its gradient, the validation loss
 * of early stopping and the initial intercept (learner-weights.ts: mean weight 1 per attempt); without
 * them every step is the unweighted one, number for number.
 *
 * After the last epoch, Meta's start guard (start-guard.ts, option startGuard) scores the learned start
 * against shrunk and neutral ones on the same validation learners' attempts 2..guardAttempts (weighted)
 * and keeps the best by its one-standard-error rule; the choice is returned as `start`.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng, logit } from "../math.js";
import type { FitOptions, TrainingSet } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { encodeSequences, type EncodedSequences, nonEmptyLearners } from "./catalog.js";
import { DenseLearner } from "./dense-learner.js";
import { type MetaParams, zeroParams } from "./equations.js";
import { attemptFeatures, cutWindows } from "./features.js";
import {
  type BatchArrays,
  batchLogLoss,
  gatherInputs,
  type GraphInputs,
  INPUT_NAMES,
  packBatch,
  recentFromRaw,
  recentToRaw,
  type WindowStarts,
} from "./graph.js";
import { Adam } from "./adam.js";
import { attemptWeights, checkLearnerWeights } from "./learner-weights.js";
import { type MetaOptions, validateMetaOptions } from "./options.js";
import { taskPriorPrecision } from "./task-prior.js";
import { chooseStart, GUARD_OFF, type StartChoice } from "./start-guard.js";

export type MetaKind = "meta" | "ablation";

export interface TrainingReport {
  readonly backend: string;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly validationLoss: number | null;
  readonly fitLearners: number;
  readonly validationLearners: number;
  /** Wall-clock seconds of the fit. */
  readonly seconds: number;
  /**
   * CPU seconds (user + system) of this process during the fit: on a shared machine, a figure that
   * other work does not inflate (the wasm backend runs on one thread, so idle wall time ≈ CPU time).
   */
  readonly cpuSeconds: number;
}

export interface TrainedMeta {
  readonly kind: MetaKind;
  readonly catalog: CatalogIndex;
  readonly params: MetaParams;
  readonly options: MetaOptions;
  readonly report: TrainingReport;
  /** What the start guard chose (start-guard.ts); "off" for the ablation. */
  readonly start: StartChoice;
}

/** Positive parameters are trained through logs, so that Adam cannot make them negative. */
const MIN_DECAY = 1e-6;
/** The step of a pre-trained ablation during training: small enough that φ stays at 0 (log stays finite). */
const PRETRAIN_STEP = 1e-9;
export const RAW_NAMES = [
  "global",
  "taskOffset",
  "skillEase",
  "skillWin",
  "skillFail",
  "phi0",
  "logAlpha",
  "logDecay",
  "logBoost",
  "recent",
] as const;
export type RawName = (typeof RAW_NAMES)[number];

export async function trainMeta(kind: MetaKind, data: TrainingSet, fitOptions: FitOptions & Partial<MetaOptions>): Promise<TrainedMeta> {
  const began = Date.now();
  const cpuBegan = process.cpuUsage();
  const options = validateMetaOptions(fitOptions);
  if (!Number.isInteger(fitOptions.seed)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `seed must be an integer, got ${String(fitOptions.seed)}`);
  }
  checkLearnerWeights(fitOptions.learnerWeights);
  const cat = CatalogIndex.fromCatalog(data.catalog);
  const learners = nonEmptyLearners(data);
  const rng = createRng(fitOptions.seed);

  const shuffled = rng.shuffle(learners);
  const nVal =
    options.validationFraction > 0 && learners.length >= 10 ? Math.max(1, Math.floor(options.validationFraction * learners.length)) : 0;
  const valIds = shuffled.slice(0, nVal).sort();
  const fitIds = shuffled.slice(nVal).sort();
  const fit = encodeSequences(cat, data.sequences, fitIds);
  const val = encodeSequences(cat, data.sequences, valIds);
  const fitWeight = attemptWeights(fit, fitOptions.learnerWeights);
  const valWeight = attemptWeights(val, fitOptions.learnerWeights);
  const features = attemptFeatures(cat, fit);
  const windows = cutWindows(fit, options.window);
  const batchWindows = Math.max(1, Math.min(options.batchWindows, Math.ceil(windows.length / options.minStepsPerEpoch)));
  const nFit = fit.task.length;
  const taskL2 = taskPriorPrecision(cat.taskIds.length, fit, options);

  const backend = await initBackend();
  const init = zeroParams(cat.taskIds.length, cat.skillIds.length);
  let wins = 0;
  for (let j = 0; j < nFit; j++) wins += fitWeight === undefined ? fit.correct[j]! : fitWeight[j]! * fit.correct[j]!;
  init.global[0] = logit(wins / nFit);
  // A pre-trained ablation trains with (practically) no adaptation: the unroll is then a plain logistic
  // regression on the shared features; its fixed step is switched on after training (finish below).
  const pretrain = kind === "ablation" && options.ablationTraining === "pretrained";
  init.alpha.fill(kind === "meta" ? options.initialStep : pretrain ? PRETRAIN_STEP : options.ablationStep);
  if (kind === "meta") {
    init.decay.fill(options.initialDecay);
    init.boost.fill(options.initialBoost);
    init.recent.set([options.initialRecentStep, options.initialRecentDecay]);
  }

  // The optimiser works on raw parameters: α and b through their logs, so they stay positive.
  const raw: Record<RawName, Float64Array> = {
    global: init.global,
    taskOffset: init.taskOffset,
    skillEase: init.skillEase,
    skillWin: init.skillWin,
    skillFail: init.skillFail,
    phi0: init.phi0,
    logAlpha: init.alpha.map(Math.log),
    logDecay: init.decay.map((d) => Math.log(Math.max(d, MIN_DECAY))),
    logBoost: init.boost.map((d) => Math.log(Math.max(d, MIN_DECAY))),
    recent: recentToRaw(init.recent),
  };
  const trainable: RawName[] = kind === "meta" ? [...RAW_NAMES] : ["global", "taskOffset", "skillEase", "skillWin", "skillFail"];
  const current = (): MetaParams => ({
    global: raw.global,
    taskOffset: raw.taskOffset,
    skillEase: raw.skillEase,
    skillWin: raw.skillWin,
    skillFail: raw.skillFail,
    phi0: raw.phi0,
    alpha: kind === "meta" ? raw.logAlpha.map(Math.exp) : init.alpha,
    decay: kind === "meta" ? raw.logDecay.map(Math.exp) : init.decay,
    boost: kind === "meta" ? raw.logBoost.map(Math.exp) : init.boost,
    recent: kind === "meta" ? recentFromRaw(raw.recent) : init.recent,
  });
  const snapshot = (p: MetaParams): MetaParams => ({
    global: p.global.slice(),
    taskOffset: p.taskOffset.slice(),
    skillEase: p.skillEase.slice(),
    skillWin: p.skillWin.slice(),
    skillFail: p.skillFail.slice(),
    phi0: p.phi0.slice(),
    alpha: p.alpha.slice(),
    decay: p.decay.slice(),
    boost: p.boost.slice(),
    recent: p.recent.slice(),
  });
  const adam = new Adam(
    trainable.map((n) => raw[n]),
    options.learningRate,
  );
  const grads: Record<RawName, Float64Array> = Object.fromEntries(RAW_NAMES.map((n) => [n, new Float64Array(raw[n].length)])) as Record<
    RawName,
    Float64Array
  >;
  const gradFn = tf.grads((...xs: tf.Tensor[]) =>
    batchLogLoss(Object.fromEntries(INPUT_NAMES.map((n, i) => [n, xs[i]])) as unknown as GraphInputs, batchNow!),
  );
  let batchNow: BatchArrays | undefined;

  const learner = new DenseLearner(cat);
  const starts: WindowStarts = { personal: new Float64Array(nFit), recent: new Float64Array(nFit) };
  let best: MetaParams = snapshot(current());
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epoch = 0;
  let sinceBest = 0;
  for (epoch = 1; epoch <= options.maxEpochs; epoch++) {
    adam.learningRate = options.learningRate * options.learningRateDecay ** (epoch - 1);
    forwardStarts(current(), fit, learner, options.window, starts);
    const order = rng.shuffle(windows.map((_, i) => i));
    for (let b = 0; b < order.length; b += batchWindows) {
      const batch = packBatch(
        features,
        fit.task,
        fit.correct,
        starts,
        order.slice(b, b + batchWindows).map((i) => windows[i]!),
        fitWeight,
      );
      const params = current();
      batchNow = batch;
      // tidy returns the gradient tensors, read afterwards: tidy walks what it returns element by element
      // looking for tensors, which costs seconds an epoch on typed arrays of a batch's size.
      const gradTensors = tf.tidy(() => {
        const inputs = gatherInputs(params, batch);
        return gradFn(INPUT_NAMES.map((n) => inputs[n]));
      });
      const values = gradTensors.map((g) => g.dataSync() as Float32Array);
      tf.dispose(gradTensors);
      for (const n of RAW_NAMES) grads[n].fill(0);
      scatterGradients(values, batch, grads, 1 / batch.attemptsInBatch);
      // The L2 prior, scaled per training attempt like the loss: ∂/∂x (λ x² / N) = 2λx / N (λ per task: task-prior.ts).
      for (let i = 0; i < taskL2.length; i++) grads.taskOffset[i]! += ((2 * taskL2[i]!) / nFit) * raw.taskOffset[i]!;
      for (const n of ["skillEase", "skillWin", "skillFail"] as const) addL2(grads[n], raw[n], (2 * options.l2Skill) / nFit);
      if (kind === "meta" && options.l2Start > 0) addL2(grads.phi0, raw.phi0, (2 * options.l2Start) / nFit);
      adam.step(trainable.map((n) => grads[n]));
      fitOptions.onProgress?.((epoch - 1 + Math.min(1, (b + batchWindows) / order.length)) / options.maxEpochs, `${kind} epoch ${epoch}`);
    }
    await new Promise<void>((resolve) => setImmediate(resolve)); // let progress output and timers run
    const now = current();
    if (val.task.length === 0) {
      best = snapshot(now);
      bestEpoch = epoch;
      continue;
    }
    const loss = onlineLogLoss(now, val, learner, valWeight);
    if (loss < bestLoss - 1e-6) {
      bestLoss = loss;
      best = snapshot(now);
      bestEpoch = epoch;
      sinceBest = 0;
    } else if (++sinceBest >= options.patience) {
      break;
    }
  }
  fitOptions.onProgress?.(1, `${kind} done`);
  if (pretrain) best.alpha.fill(options.ablationStep);
  fillUnseen(best, cat, fit);
  const guarded =
    kind === "meta" && options.startGuard === "validate"
      ? chooseStart(best, val, learner, options, valWeight)
      : { params: best, choice: GUARD_OFF };
  return {
    kind,
    catalog: cat,
    params: guarded.params,
    options,
    start: guarded.choice,
    report: {
      backend,
      epochs: Math.min(epoch, options.maxEpochs),
      bestEpoch,
      validationLoss: Number.isFinite(bestLoss) ? bestLoss : null,
      fitLearners: fitIds.length,
      validationLearners: valIds.length,
      seconds: (Date.now() - began) / 1000,
      cpuSeconds: cpuSecondsSince(cpuBegan),
    },
  };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/**
 * Adds the gradients with respect to the gathered inputs (in INPUT_NAMES order) back onto the
 * parameters they were gathered from. Padding slots have weight 0, so their gradients are 0.
 */
export function scatterGradients(g: Float32Array[], a: BatchArrays, out: Record<RawName, Float64Array>, scale: number): void {
  const [global, taskOffset, ease, win, fail, phi0General, phi0Skill, laGeneral, laSkill, logDecay, logBoost, recent] = g as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let i = 0; i < 3; i++) out.global[i]! += scale * global[i]!;
  for (let i = 0; i < taskOffset.length; i++) out.taskOffset[a.task[i]!]! += scale * taskOffset[i]!;
  for (let i = 0; i < ease.length; i++) {
    const k = a.skill[i]!;
    out.skillEase[k]! += scale * ease[i]!;
    out.skillWin[k]! += scale * win[i]!;
    out.skillFail[k]! += scale * fail[i]!;
    out.phi0[k + 1]! += scale * phi0Skill[i]!;
    out.logAlpha[k + 1]! += scale * laSkill[i]!;
  }
  out.phi0[0]! += scale * phi0General[0]!;
  out.logAlpha[0]! += scale * laGeneral[0]!;
  out.logDecay[0]! += scale * logDecay[0]!;
  out.logDecay[1]! += scale * logDecay[1]!;
  out.logBoost[0]! += scale * logBoost[0]!;
  out.logBoost[1]! += scale * logBoost[1]!;
  out.recent[0]! += scale * recent[0]!;
  out.recent[1]! += scale * recent[1]!;
}

function addL2(grad: Float64Array, x: Float64Array, factor: number): void {
  for (let i = 0; i < x.length; i++) grad[i]! += factor * x[i]!;
}

/** Typed-array forward pass: the personal part θ_0 + Σ q θ_k and ψ at the start of each attempt's window. */
export function forwardStarts(p: MetaParams, seq: EncodedSequences, learner: DenseLearner, window: number, out: WindowStarts): void {
  for (let l = 0; l < seq.learnerIds.length; l++) {
    learner.reset(p);
    const from = seq.start[l]!,
      to = seq.start[l + 1]!;
    for (let j = from; j < to; j++) {
      if ((j - from) % window === 0) {
        for (let t = j; t < Math.min(j + window, to); t++) {
          out.personal[t] = learner.personal(seq.task[t]!);
          out.recent[t] = learner.recent;
        }
      }
      learner.step(p, seq.task[j]!, seq.correct[j]!);
    }
  }
}

/** Mean log loss of the online protocol (predict each attempt from the earlier ones, then update), each attempt weighted by `weight[j]` (absent: 1). */
export function onlineLogLoss(p: MetaParams, seq: EncodedSequences, learner: DenseLearner, weight?: Float64Array): number {
  let sum = 0;
  for (let l = 0; l < seq.learnerIds.length; l++) {
    learner.reset(p);
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      const y = seq.correct[j]!;
      const prob = learner.step(p, seq.task[j]!, y);
      const loss = -Math.log(Math.max(1e-12, y === 1 ? prob : 1 - prob));
      sum += weight === undefined ? loss : weight[j]! * loss;
    }
  }
  return sum / Math.max(1, seq.task.length);
}

/**
 * The fallbacks (documented in equations.ts): a task no training learner attempted gets the mean offset
 * of its skills' trained tasks; a skill no training learner practised gets the mean of the trained
 * skills' parameters (its φ₀ and α too).
 */
function fillUnseen(p: MetaParams, cat: CatalogIndex, seq: EncodedSequences): void {
  const K = cat.skillIds.length;
  const taskSeen = new Uint8Array(cat.taskIds.length);
  for (let j = 0; j < seq.task.length; j++) taskSeen[seq.task[j]!] = 1;
  const skillSeen = new Uint8Array(K);
  const offsetSum = new Float64Array(K);
  const offsetCount = new Float64Array(K);
  for (let i = 0; i < cat.taskIds.length; i++) {
    if (!taskSeen[i]) continue;
    for (let s = cat.qStart[i]!; s < cat.qStart[i + 1]!; s++) {
      const k = cat.qSkill[s]!;
      skillSeen[k] = 1;
      offsetSum[k]! += p.taskOffset[i]!;
      offsetCount[k]!++;
    }
  }
  for (let i = 0; i < cat.taskIds.length; i++) {
    if (taskSeen[i]) continue;
    let sum = 0,
      n = 0;
    for (let s = cat.qStart[i]!; s < cat.qStart[i + 1]!; s++) {
      const k = cat.qSkill[s]!;
      if (offsetCount[k]! > 0) {
        sum += offsetSum[k]! / offsetCount[k]!;
        n++;
      }
    }
    p.taskOffset[i] = n > 0 ? sum / n : 0;
  }
  const seen = [...Array(K).keys()].filter((k) => skillSeen[k]);
  if (seen.length === 0 || seen.length === K) return;
  const meanOf = (a: Float64Array, shift = 0) => seen.reduce((s, k) => s + a[k + shift]!, 0) / seen.length;
  const fills: [Float64Array, number, number][] = [
    [p.skillEase, 0, meanOf(p.skillEase)],
    [p.skillWin, 0, meanOf(p.skillWin)],
    [p.skillFail, 0, meanOf(p.skillFail)],
    [p.phi0, 1, meanOf(p.phi0, 1)],
    [p.alpha, 1, meanOf(p.alpha, 1)],
  ];
  for (let k = 0; k < K; k++) {
    if (skillSeen[k]) continue;
    for (const [a, shift, v] of fills) a[k + shift] = v;
  }
}
