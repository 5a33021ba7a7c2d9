/**
 * The Meta model's hyper-parameters: one object, with defaults and validation (ts-fsrs style).
 * The defaults were chosen on a validation split carved out of the training learners of
 * ASSISTments 2009 (never on its test learners); see bench/meta-dev.ts.
 */
import { mergeOptions, optionChecks } from "../options.js";
import { HISTORY_FEATURES, type HistoryFeature } from "./equations.js";

export interface MetaOptions {
  /** Length of the truncated windows the training unrolls (attempts). */
  readonly window: number;
  /** Windows per optimisation step (at most; see minStepsPerEpoch). */
  readonly batchWindows: number;
  /** Batches shrink on small training sets so that an epoch still makes at least this many steps. */
  readonly minStepsPerEpoch: number;
  /**
   * The epoch budget: at most this many passes over the training learners, whatever the data size (so
   * training time grows linearly with data; the learning rate decays per epoch, so the last epochs only
   * fine-tune). Early stopping may end sooner. On the validation splits of ASSISTments 2009 and 2015 the
   * best epoch was 5–6 and patience stopped at 7–8; an uncapped run on all of ASSISTments 2015 once ran
   * far longer than on half of it for no better model.
   */
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  /** Adam learning rate (of the first epoch). */
  readonly learningRate: number;
  /** The learning rate is multiplied by this after every epoch (1 = constant). */
  readonly learningRateDecay: number;
  /** Share of the training learners held out for early stopping (0 = none: run maxEpochs). */
  readonly validationFraction: number;
  /** L2 penalty (a Gaussian prior's precision) on the per-task offsets, which shrinks them to their skills. */
  readonly l2Task: number;
  /**
   * The least number of learners a task offset weighs, in the sense that one learner carries at most
   * 1/κ of its precision (task-prior.ts): the prior of task i is strengthened where it has fewer than κ
   * distinct training learners L_i,
   *   λ_i = max(l2Task, (κ − L_i) · (n_i / L_i) / 8)   (n_i: its training attempts),
   * which bounds what a learner's answers move the offsets that predict them (membership leakage on small
   * schools). 0 (the default): off, λ_i = l2Task. Opt-in: on the simulator κ = 100 passes the membership
   * audit on schools of 120–400 learners but costs 0.015–0.02 held-out AUC at 120 learners.
   */
  readonly taskInfluenceLearners: number;
  /** L2 penalty on the per-skill parameters. */
  readonly l2Skill: number;
  /** Initial step size α of every personal coordinate (Meta) before meta-learning. */
  readonly initialStep: number;
  /** Initial count decay b of the step α/(1 + b·n) (Meta). */
  readonly initialDecay: number;
  /** Initial early boost κ of the step (Meta): the extra step κ/(1 + n) on a learner's first attempts. */
  readonly initialBoost: number;
  /** Initial step α_ψ of the short-memory coordinate ψ (Meta). */
  readonly initialRecentStep: number;
  /** Initial fading factor λ of ψ per attempt, in (0, 1) (Meta). */
  readonly initialRecentDecay: number;
  /** The ablation's one fixed step size (its φ₀ is 0 and its step does not decay). */
  readonly ablationStep: number;
  /**
   * How the ablation's shared parameters are trained. "pretrained" (the default, the usual baseline of
   * meta-learning: "pre-train, then fine-tune"): fitted as a plain logistic model with no personal
   * adaptation during training; the fixed-step adaptation is applied only in use. "unrolled": fitted
   * through the same unrolled predict-then-update loss as Meta, with the fixed step — the stricter
   * ablation, which isolates what learning φ₀ and α buys.
   */
  readonly ablationTraining: "pretrained" | "unrolled";
  /** Prior sd of a personal ability, in logits: the uncertainty of mastery before any evidence. */
  readonly abilityPriorSd: number;
  /**
   * The start guard (start-guard.ts): "validate" (the default) keeps the meta-learned start (φ₀ and the
   * early boost κ) only if it predicts the early attempts of the held-out training learners at least as
   * well as a shrunk or neutral start; "off" keeps it unconditionally. It needs validationFraction > 0.
   */
  readonly startGuard: "validate" | "off";
  /** The guard scores attempts 2..guardAttempts of each validation learner (the cold-start slices). */
  readonly guardAttempts: number;
  /**
   * L2 penalty (a Gaussian prior's precision, like l2Skill) on φ₀, pulling it toward the neutral start 0:
   *   + λ_φ Σ_c φ₀_c²  in L(Θ).
   * Only a learner's first window informs φ₀, so on few learners with long histories the prior dominates,
   * while on many short histories the data does. The default 1 (prior sd 1/√2 logit) was chosen on the
   * validation splits of the train learners of ASSISTments 2009 and 2015 (AUC +0.0004 and ±0 against 0)
   * and on the development sets of bench/meta-dev-start.ts (+0.001 to +0.002 on their long-history sets).
   */
  readonly l2Start: number;
  /**
   * User-level differential privacy of the training (DP-SGD, dp-sgd.ts): null (the default) trains
   * without it. Given, every data-dependent choice of the fit is either inside the guarantee or switched
   * off: no early-stopping split and no start guard (a fixed number of steps on all learners), the
   * intercept starts at 0 rather than at the data's mean, unseen tasks and skills are not filled in from
   * the seen ones, and options or inputs that read the data otherwise (taskInfluenceLearners,
   * learnerWeights) are refused.
   */
  readonly privacy: MetaPrivacyOptions | null;
  /**
   * The history features the model uses (equations.ts, "History features"): "repeat" (the same task
   * again right after a failure / a success), "taskCounts" (earlier wins and fails on this exact task),
   * "lastOutcome" (the last outcome on each of the task's skills), "skillGap" (attempts since the skill
   * was last practised), "skillStreak" (runs of 2, 3, 4+ wins or fails on the skill), "skillDecay" (the
   * skill's decayed success state), "outcomeByCount" (the last outcome's weight by the skill's count). Each adds shared weights and what the learner state must remember
   * (model.ts); none is the model without them, its file and learner states as before the features.
   * The default keeps those that helped on both shipped sets, each measured alone and on top of the
   * others with paired intervals over the test learners (docs/benchmarks/kt-features.md): "lastOutcome"
   * and "skillGap" (above 0 on both), "repeat" (above 0 on ASSISTments 2015, ±0 on 2009, which has no
   * immediate repeats); "taskCounts" added nothing on top of them on either. A second round on top of
   * those three kept "skillStreak" (the run of equal outcomes a skill's attempts end on: above 0 on both);
   * "skillDecay" (a decayed per-skill success state) cost AUC on both and "outcomeByCount" (the last
   * outcome times the skill's count) was ±0 on ASSISTments 2009 — both left off (available).
   */
  readonly historyFeatures: readonly HistoryFeature[];
  /** "taskCounts" remembers this many distinct tasks per learner (1–64; the least recently attempted forgotten first). */
  readonly taskMemory: number;
  /**
   * New tasks (new-tasks.ts): the share of the training set's tasks held out as if new in the episodes that
   * fit a new task's prior and online step (new-task-training.ts), in [0, 0.9]; 0: no episodes, a new task
   * keeps its skills' prior. Not under privacy (the episodes read the data outside the guarantee).
   * Default 0 until the service stores new tasks' states and serves their adapted offsets: until then every
   * retraining (and every privacy audit's shadow model) would pay the episodes for parameters nothing reads.
   * bench:kt-new-tasks sets 0.2, its own share of new tasks (docs/benchmarks/kt-new-tasks.md).
   */
  readonly newTaskHoldout: number;
}

/**
 * DP-SGD over the learners (user-level): each step samples every learner with probability q, takes each
 * sampled learner's gradient (of the sum of its attempts' losses over all its windows), clips it to L2
 * norm C over all trained parameters, sums, adds N(0, σ²C²) to every trained coordinate and divides by
 * the expected batch q·N; Adam steps on that. Exactly one of noiseMultiplier and targetEpsilon is given.
 */
export interface MetaPrivacyOptions {
  /** q, the probability that a learner is in a step's batch (Poisson sampling), in (0, 1]. */
  readonly samplingRate: number;
  /** Expected passes over the learners: the training takes ceil(epochs / q) steps. */
  readonly epochs: number;
  /** C, the largest L2 norm of one learner's gradient (over all trained parameters). */
  readonly clipNorm: number;
  /** σ: the noise's standard deviation over C. 0 adds no noise (ε = ∞: the clipping only). */
  readonly noiseMultiplier: number | null;
  /** The ε to reach at δ: σ is the smallest that reaches it for the planned steps (rdp-accountant.ts). */
  readonly targetEpsilon: number | null;
  /** δ of the (ε, δ) guarantee; null: 1 / (number of training learners). */
  readonly delta: number | null;
  /**
   * Whether the per-task offsets are trained. Off by default: a task is attempted by few learners (on
   * ASSISTments 2009 about ten), so under user-level privacy its offset would be mostly noise, and noise
   * on every one of thousands of offsets costs more than the offsets bring; the tasks then share their
   * skills' parameters. Without noise the offsets are worth 0.038 AUC on ASSISTments 2009 (σ = 0, no
   * clipping: 0.7880 with, 0.7502 without); at ε = 8 and 1 they cost more than they bring
   * (docs/benchmarks/kt-dp.md).
   */
  readonly trainTaskOffsets: boolean;
  /**
   * k: with trainTaskOffsets, the task offsets' Adam takes ε_Adam = k·φ, φ = σC/(q·N) the noise's
   * standard deviation in a coordinate of the released gradient. Adam divides each coordinate by its own
   * RMS, so on an offset where the noise dominates (a task of few learners) it would turn noise into
   * steps of full size; with the floor such an offset moves like plain SGD at rate η/(k·φ), where its
   * signal adds up and its noise averages out, while well-attempted tasks keep Adam's steps. 0: plain Adam.
   * The default 10 was chosen on a validation split of ASSISTments 2009's train learners at ε = 8 (AUC
   * 0.7214, against 0.7058 with plain Adam, 0.7185 at k = 3 and 0.7212 at k = 30) — where leaving the
   * offsets untrained (the default) still did better: 0.7257.
   */
  readonly offsetNoiseFloor: number;
}

export const defaultPrivacyOptions: MetaPrivacyOptions = Object.freeze({
  samplingRate: 1 / 16,
  epochs: 8,
  clipNorm: 1,
  noiseMultiplier: null,
  targetEpsilon: null,
  delta: null,
  trainTaskOffsets: false,
  offsetNoiseFloor: 10,
});

export const defaultMetaOptions: MetaOptions = Object.freeze({
  window: 32,
  batchWindows: 1024,
  minStepsPerEpoch: 16,
  maxEpochs: 8,
  patience: 2,
  learningRate: 0.2,
  learningRateDecay: 0.8,
  validationFraction: 0.1,
  l2Task: 1,
  taskInfluenceLearners: 0,
  l2Skill: 0.1,
  initialStep: 0.1,
  initialDecay: 0.1,
  initialBoost: 0.1,
  initialRecentStep: 0.2,
  initialRecentDecay: 0.5,
  ablationStep: 0.1,
  ablationTraining: "pretrained",
  abilityPriorSd: 1,
  startGuard: "validate",
  guardAttempts: 10,
  l2Start: 1,
  privacy: null,
  historyFeatures: Object.freeze<HistoryFeature[]>(["repeat", "lastOutcome", "skillGap", "skillStreak"]),
  taskMemory: 8,
  newTaskHoldout: 0,
});

/** Merges `partial` over the defaults and checks every field; throws INVALID_PARAMETERS. */
export function validateMetaOptions(partial: Partial<MetaOptions> = {}): MetaOptions {
  const o = mergeOptions(defaultMetaOptions, partial);
  const { integer, positive, nonNegative, range, fail } = optionChecks("MetaOptions", o);
  integer("window", 2);
  integer("batchWindows", 1);
  integer("minStepsPerEpoch", 1);
  integer("maxEpochs", 1);
  integer("patience", 1);
  positive("learningRate");
  range("learningRateDecay", 0, 1, { lo: true });
  nonNegative("l2Task");
  nonNegative("taskInfluenceLearners");
  nonNegative("l2Skill");
  positive("initialStep");
  nonNegative("initialDecay");
  nonNegative("initialBoost");
  positive("initialRecentStep");
  range("initialRecentDecay", 0, 1, { lo: true, hi: true });
  positive("ablationStep");
  positive("abilityPriorSd");
  if (o.ablationTraining !== "pretrained" && o.ablationTraining !== "unrolled") {
    fail("ablationTraining", o.ablationTraining, 'must be "pretrained" or "unrolled"');
  }
  range("validationFraction", 0, 1, { hi: true });
  if (o.startGuard !== "validate" && o.startGuard !== "off") fail("startGuard", o.startGuard, 'must be "validate" or "off"');
  integer("guardAttempts", 2);
  nonNegative("l2Start");
  const features = o.historyFeatures as readonly unknown[];
  if (!Array.isArray(features) || features.some((f) => !HISTORY_FEATURES.includes(f as HistoryFeature))) {
    fail("historyFeatures", o.historyFeatures, `must be a list of ${HISTORY_FEATURES.join(", ")}`);
  }
  integer("taskMemory", 1, 64);
  range("newTaskHoldout", 0, 0.9);
  // One spelling per set of features (HISTORY_FEATURES order, no repeats): the model file holds it.
  const historyFeatures = HISTORY_FEATURES.filter((f) => features.includes(f));
  if (o.privacy === null) return { ...o, historyFeatures };
  if (typeof o.privacy !== "object") fail("privacy", o.privacy, "must be null or an object");
  if (o.taskInfluenceLearners > 0) {
    fail("taskInfluenceLearners", o.taskInfluenceLearners, "must be 0 under privacy (its task priors read the training data)");
  }
  return { ...o, historyFeatures, privacy: validatePrivacyOptions(o.privacy) };
}

/** Merges `partial` over the privacy defaults and checks every field; throws INVALID_PARAMETERS. */
export function validatePrivacyOptions(partial: Partial<MetaPrivacyOptions>): MetaPrivacyOptions {
  const o = mergeOptions(defaultPrivacyOptions, partial);
  const { positive, nonNegative, range, fail } = optionChecks("MetaOptions.privacy", o);
  range("samplingRate", 0, 1, { lo: true });
  positive("epochs");
  positive("clipNorm");
  if ((o.noiseMultiplier === null) === (o.targetEpsilon === null)) {
    fail("noiseMultiplier", o.noiseMultiplier, "give exactly one of noiseMultiplier and targetEpsilon");
  }
  if (o.noiseMultiplier !== null) nonNegative("noiseMultiplier");
  if (o.targetEpsilon !== null) positive("targetEpsilon");
  if (o.delta !== null) range("delta", 0, 1, { lo: true, hi: true });
  nonNegative("offsetNoiseFloor");
  if (typeof o.trainTaskOffsets !== "boolean") fail("trainTaskOffsets", o.trainTaskOffsets, "must be a boolean");
  return Object.freeze(o);
}
