/**
 * Meta-training: Adam on the unrolled predict-then-update loss of the training learners (equations.ts),
 * in truncated windows, with early stopping on held-out TRAINING learners (validationFraction).
 *
 * Each step: the typed-array forward pass gives every window its starting state; graph.ts builds the
 * batch's unrolled loss in TensorFlow.js (the recursion itself one op with its gradient written out,
 * unroll.ts), which differentiates it (first order) with respect to the
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
 *
 * With MetaOptions.privacy the steps are DP-SGD's instead (dp-sgd.ts, privateSteps below): Poisson-sampled
 * learners, per-learner clipping, Gaussian noise, a fixed number of steps on all training learners; every
 * data-dependent choice above is then off (see MetaOptions.privacy), so ε covers the returned parameters.
 */
import { initBackend } from "../backend.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng, logit } from "../math.js";
import type { FitOptions, TrainingSet } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { encodeSequences, type EncodedSequences, nonEmptyLearners } from "./catalog.js";
import { DenseLearner } from "./dense-learner.js";
import { HISTORY_FEATURES, HISTORY_SLOTS, historyShape, type MetaParams, zeroParams } from "./equations.js";
import { attemptFeatures, cutWindows } from "./features.js";
import { type BatchArrays, createBatchGradients, packBatch, recentFromRaw, recentToRaw, type WindowStarts } from "./graph.js";
import { Adam } from "./adam.js";
import { attemptWeights, checkLearnerWeights } from "./learner-weights.js";
import { type MetaOptions, validateMetaOptions } from "./options.js";
import { taskPriorPrecision } from "./task-prior.js";
import { fillUnseen, trainedTasks } from "./unseen.js";
import { NEW_TASKS_OFF, type NewTaskParams } from "./new-tasks.js";
import { attemptOrder, fitNewTaskParams, metaEpisodes } from "./new-task-training.js";
import { chooseStart, GUARD_OFF, type StartChoice } from "./start-guard.js";
import { RAW_NAMES, type RawName } from "./raw-names.js";
import { addClippedLearners, LearnerClipper, learnerWindowStart, planPrivacy, type PrivacyReport } from "./dp-sgd.js";

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
  /** Of which the new-task episodes (new-task-training.ts) took this many CPU seconds (0: none). */
  readonly newTaskCpuSeconds: number;
  /** What a private fit (MetaOptions.privacy) spent: ε at δ, σ, q, steps, C; null without privacy. */
  readonly privacy: PrivacyReport | null;
}

export interface TrainedMeta {
  readonly kind: MetaKind;
  readonly catalog: CatalogIndex;
  readonly params: MetaParams;
  readonly options: MetaOptions;
  readonly report: TrainingReport;
  /** What the start guard chose (start-guard.ts); "off" for the ablation. */
  readonly start: StartChoice;
  /** The new-task prior and step (new-tasks.ts), fitted on episodes; NEW_TASKS_OFF for the ablation, under privacy or with newTaskHoldout 0. */
  readonly newTasks: NewTaskParams;
}

/** Positive parameters are trained through logs, so that Adam cannot make them negative. */
const MIN_DECAY = 1e-6;
/** The step of a pre-trained ablation during training: small enough that φ stays at 0 (log stays finite). */
const PRETRAIN_STEP = 1e-9;
export { RAW_NAMES, type RawName } from "./raw-names.js";

export async function trainMeta(kind: MetaKind, data: TrainingSet, fitOptions: FitOptions & Partial<MetaOptions>): Promise<TrainedMeta> {
  const began = Date.now();
  const cpuBegan = process.cpuUsage();
  const options = validateMetaOptions(fitOptions);
  if (!Number.isInteger(fitOptions.seed)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `seed must be an integer, got ${String(fitOptions.seed)}`);
  }
  checkLearnerWeights(fitOptions.learnerWeights);
  const privacy = options.privacy;
  if (privacy !== null && fitOptions.learnerWeights !== undefined) {
    // The weights are normalised over all learners' attempts (learner-weights.ts): outside the guarantee.
    throw new EngineError(EngineErrorCode.InvalidParameters, "learnerWeights cannot be combined with privacy");
  }
  const cat = CatalogIndex.fromCatalog(data.catalog);
  const learners = nonEmptyLearners(data);
  const rng = createRng(fitOptions.seed);

  const shuffled = rng.shuffle(learners);
  const nVal =
    privacy === null && options.validationFraction > 0 && learners.length >= 10
      ? Math.max(1, Math.floor(options.validationFraction * learners.length))
      : 0;
  const valIds = shuffled.slice(0, nVal).sort();
  const fitIds = shuffled.slice(nVal).sort();
  const fit = encodeSequences(cat, data.sequences, fitIds);
  const val = encodeSequences(cat, data.sequences, valIds);
  const fitWeight = attemptWeights(fit, fitOptions.learnerWeights);
  const valWeight = attemptWeights(val, fitOptions.learnerWeights);
  const features = attemptFeatures(cat, fit, options);
  const windows = cutWindows(fit, options.window);
  const batchWindows = Math.max(1, Math.min(options.batchWindows, Math.ceil(windows.length / options.minStepsPerEpoch)));
  const nFit = fit.task.length;
  const taskL2 = taskPriorPrecision(cat.taskIds.length, fit, options);

  const backend = await initBackend();
  const init = zeroParams(cat.taskIds.length, cat.skillIds.length);
  let wins = 0;
  for (let j = 0; j < nFit; j++) wins += fitWeight === undefined ? fit.correct[j]! : fitWeight[j]! * fit.correct[j]!;
  // Under privacy the intercept starts at 0: the data's mean correctness would be a release outside ε.
  init.global[0] = privacy === null ? logit(wins / nFit) : 0;
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
    history: init.history,
  };
  // The history weights are shared parameters like the Best-LR part's (the ablation trains them too); only
  // the features on get a gradient (features.ts leaves the others' inputs 0), so the others stay 0.
  const withHistory = options.historyFeatures.length > 0;
  const offHistory = HISTORY_FEATURES.filter((f) => !options.historyFeatures.includes(f)).flatMap((f) => HISTORY_SLOTS[f]);
  const trainable: RawName[] = (
    kind === "meta" ? [...RAW_NAMES] : (["global", "taskOffset", "skillEase", "skillWin", "skillFail", "history"] as RawName[])
  ).filter((n) => (n !== "taskOffset" || privacy === null || privacy.trainTaskOffsets) && (n !== "history" || withHistory));
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
    history: raw.history,
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
    history: p.history.slice(),
  });
  const adam = new Adam(
    trainable.map((n) => raw[n]),
    options.learningRate,
  );
  const grads: Record<RawName, Float64Array> = Object.fromEntries(RAW_NAMES.map((n) => [n, new Float64Array(raw[n].length)])) as Record<
    RawName,
    Float64Array
  >;
  const batchGradients = createBatchGradients();
  /** The L2 priors' gradient added to `grads`, per unit of `scale` (1/N of attempts, or of learners under privacy). */
  const addPriors = (scale: number) => {
    // ∂/∂x (λ x² / N) = 2λx / N (λ per task: task-prior.ts).
    for (let i = 0; i < taskL2.length; i++) grads.taskOffset[i]! += 2 * taskL2[i]! * scale * raw.taskOffset[i]!;
    for (const n of ["skillEase", "skillWin", "skillFail"] as const) addL2(grads[n], raw[n], 2 * options.l2Skill * scale);
    if (kind === "meta" && options.l2Start > 0) addL2(grads.phi0, raw.phi0, 2 * options.l2Start * scale);
  };

  const learner = new DenseLearner(cat, historyShape(options.historyFeatures, options.taskMemory));
  const starts: WindowStarts = { personal: new Float64Array(nFit), recent: new Float64Array(nFit) };
  let best: MetaParams = snapshot(current());
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epoch = 0;
  let sinceBest = 0;
  // Under privacy DP-SGD's fixed steps replace the epochs below (which would read the validation split).
  const privacyReport = privacy === null ? null : await privateSteps();
  if (privacy !== null) {
    best = snapshot(current());
    bestEpoch = Math.ceil(privacy.epochs);
  }
  for (epoch = 1; privacy === null && epoch <= options.maxEpochs; epoch++) {
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
      const values = batchGradients(current(), batch, false);
      for (const n of RAW_NAMES) grads[n].fill(0);
      scatterGradients(values, batch, grads, 1 / batch.attemptsInBatch);
      addPriors(1 / nFit); // the prior scaled per training attempt, like the loss
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
  // Which tasks and skills the data has is itself data: under privacy, unseen ones keep what DP-SGD gave them.
  if (privacy === null) fillUnseen(best, cat, trainedTasks(cat, fit));
  const guarded =
    kind === "meta" && options.startGuard === "validate" && privacy === null
      ? chooseStart(best, val, learner, options, valWeight)
      : { params: best, choice: GUARD_OFF };
  // New tasks (new-task-training.ts): episodes on every training learner, after the shared parameters are final.
  let newTasks = NEW_TASKS_OFF;
  const newTaskCpu = process.cpuUsage();
  if (kind === "meta" && privacy === null && options.newTaskHoldout > 0) {
    const all = encodeSequences(cat, data.sequences, learners);
    const history = historyShape(options.historyFeatures, options.taskMemory);
    // A stream of its own, so that the episodes' draw does not depend on how many the epochs took.
    const episodes = metaEpisodes(
      guarded.params,
      cat,
      history,
      all,
      attemptOrder(data.sequences, all),
      options.newTaskHoldout,
      createRng(fitOptions.seed + 1),
    );
    newTasks = fitNewTaskParams(episodes);
  }
  const newTaskCpuSeconds = newTasks === NEW_TASKS_OFF ? 0 : cpuSecondsSince(newTaskCpu);
  return {
    kind,
    catalog: cat,
    params: guarded.params,
    options,
    start: guarded.choice,
    newTasks,
    report: {
      backend,
      epochs: privacy === null ? Math.min(epoch, options.maxEpochs) : bestEpoch,
      bestEpoch,
      validationLoss: Number.isFinite(bestLoss) ? bestLoss : null,
      fitLearners: fitIds.length,
      validationLearners: valIds.length,
      seconds: (Date.now() - began) / 1000,
      cpuSeconds: cpuSecondsSince(cpuBegan),
      newTaskCpuSeconds,
      privacy: privacyReport,
    },
  };

  /**
   * DP-SGD (dp-sgd.ts): T = ceil(epochs / q) steps; each samples the learners with probability q, takes
   * each sampled learner's gradient from one graph per chunk of windows (shared inputs per window), clips
   * it, adds noise and steps Adam. The learning rate decays per 1/q steps like the epochs above; the
   * windows' starting states come from the forward pass at the same points (each learner's from its own
   * attempts and the parameters released so far).
   */
  async function privateSteps(): Promise<PrivacyReport> {
    const p = privacy!;
    const N = fit.learnerIds.length;
    const plan = planPrivacy(p, N);
    const windowStart = learnerWindowStart(fit, windows);
    const sizes = Object.fromEntries(RAW_NAMES.map((n) => [n, raw[n].length])) as Record<RawName, number>;
    const clipper = new LearnerClipper(sizes, trainable, p.clipNorm);
    const stepsPerEpoch = Math.max(1, Math.round(1 / p.samplingRate));
    const expectedBatch = p.samplingRate * N;
    // The task offsets get their own Adam, its ε floored at k·φ (MetaPrivacyOptions.offsetNoiseFloor).
    const noiseSd = (plan.noiseMultiplier * p.clipNorm) / expectedBatch;
    const shared = trainable.filter((n) => n !== "taskOffset");
    const optimisers: [Adam, RawName[]][] = [
      [
        new Adam(
          shared.map((n) => raw[n]),
          options.learningRate,
        ),
        shared,
      ],
    ];
    if (trainable.includes("taskOffset")) {
      const floor = Math.max(1e-8, p.offsetNoiseFloor * noiseSd);
      optimisers.push([new Adam([raw.taskOffset], options.learningRate, 0.9, 0.999, floor), ["taskOffset"]]);
    }
    for (let step = 0; step < plan.steps; step++) {
      if (step % stepsPerEpoch === 0) {
        for (const [o] of optimisers) o.learningRate = options.learningRate * options.learningRateDecay ** (step / stepsPerEpoch);
        forwardStarts(current(), fit, learner, options.window, starts);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const params = current();
      const sampled: number[] = [];
      for (let l = 0; l < N; l++) if (rng.next() < p.samplingRate) sampled.push(l);
      addClippedLearners(
        clipper,
        sampled,
        windows,
        windowStart,
        options.batchWindows,
        (chunk) => packBatch(features, fit.task, fit.correct, starts, chunk),
        (batch) => batchGradients(params, batch, true),
      );
      clipper.release(grads, plan.noiseMultiplier, expectedBatch, rng);
      // The noise reaches every coordinate of the history weights; those of features off stay 0 (post-processing).
      for (const i of offHistory) grads.history[i] = 0;
      addPriors(1 / N);
      for (const [o, names] of optimisers) o.step(names.map((n) => grads[n]));
      fitOptions.onProgress?.((step + 1) / plan.steps, `${kind} private step ${step + 1}/${plan.steps}`);
    }
    return {
      epsilon: plan.epsilon,
      delta: plan.delta,
      noiseMultiplier: plan.noiseMultiplier,
      samplingRate: p.samplingRate,
      steps: plan.steps,
      clipNorm: p.clipNorm,
      learners: N,
      clippedShare: clipper.learners > 0 ? clipper.clipped / clipper.learners : 0,
    };
  }
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
  const [global, taskOffset, ease, win, fail, phi0General, phi0Skill, laGeneral, laSkill, logDecay, logBoost, recent, history] = g as [
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
    Float32Array,
  ];
  // The shared inputs come as R rows (graph.ts gatherInputs): one, or one per window; their sum is the gradient.
  const R = phi0General.length;
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < 3; i++) out.global[i]! += scale * global[r * 3 + i]!;
    out.phi0[0]! += scale * phi0General[r]!;
    out.logAlpha[0]! += scale * laGeneral[r]!;
    for (let i = 0; i < 2; i++) {
      out.logDecay[i]! += scale * logDecay[r * 2 + i]!;
      out.logBoost[i]! += scale * logBoost[r * 2 + i]!;
      out.recent[i]! += scale * recent[r * 2 + i]!;
    }
    const H = out.history.length;
    for (let i = 0; i < H; i++) out.history[i]! += scale * history[r * H + i]!;
  }
  for (let i = 0; i < taskOffset.length; i++) out.taskOffset[a.task[i]!]! += scale * taskOffset[i]!;
  for (let i = 0; i < ease.length; i++) {
    const k = a.skill[i]!;
    out.skillEase[k]! += scale * ease[i]!;
    out.skillWin[k]! += scale * win[i]!;
    out.skillFail[k]! += scale * fail[i]!;
    out.phi0[k + 1]! += scale * phi0Skill[i]!;
    out.logAlpha[k + 1]! += scale * laSkill[i]!;
  }
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
