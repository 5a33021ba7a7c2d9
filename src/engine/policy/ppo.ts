/**
 * Training of the learned policy with PPO (Schulman et al. 2017, clipped objective) in the sequencing
 * environment, on environments of the TRAINING families only (a held-out family is refused with
 * INVALID_PARAMETERS, as tuning refuses it).
 *
 * Each iteration runs `episodesPerIteration` episodes with the current policy (environment e mod E,
 * seeds drawn from the training seed's stream; the policy's draws from each episode's own policy
 * stream), then `epochs` passes of minibatch gradient steps on
 *
 *   L(θ) = − mean_t min(ρ_t Â_t, clip(ρ_t, 1 − ε, 1 + ε) Â_t) + c_V · mean_t (V(s_t) − R_t)² − c_H · mean_t H(π(·|s_t))
 *   ρ_t  = π_θ(a_t|s_t) / π_old(a_t|s_t)
 *   Â_t  = Σ_l (γλ)^l δ_{t+l},  δ_t = r_t + γ V(s_{t+1}) − V(s_t)   (GAE, Schulman et al. 2016; V = 0 after the end)
 *   R_t  = Â_t + V(s_t)
 * with r_t the environment's reward (episode.ts: true goal mastery gained − the attempt's cost + the
 * session bonus) less the stop penalty (options stopPenalty, stopPenaltyOn), Â normalised over the iteration's steps (mean 0, sd 1). Gradients from TensorFlow.js
 * (the wasm backend here, backend.ts), clipped to a global norm `maxGradNorm`, applied by Adam in float64
 * (meta/adam.ts). Rollouts run the actor and critic in JS (network.ts); the graph only computes gradients.
 *
 * Deterministic for a seed on a given backend: one stream (createRng(seed)) draws the initial weights,
 * the episodes' seeds and the minibatches; the episodes' randomness comes from their seeds; TensorFlow.js
 * kernels are deterministic.
 */
import * as tf from "@tensorflow/tfjs";
import { Adam } from "../meta/adam.js";
import { initBackend } from "../backend.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { mergeOptions, optionChecks } from "../options.js";
import { createRng, type Rng } from "../math.js";
import { Episode } from "./episode.js";
import { CANDIDATE_FEATURES, DEFAULT_FEATURE_PARAMS, FEATURE_COUNT, type FeatureParams, policyFeatures } from "./features.js";
import { drawIndex, LearnedPolicy, sharpenPolicy } from "./learned.js";
import { actorProbabilities, actorScores, criticValue, criticValues, initialActor, initialCritic } from "./network.js";
import type { SequencingPolicy } from "./policies.js";
import type { Observation, PolicyCandidate } from "./observation.js";
import type { PolicyEnvironment } from "./school.js";

export interface PolicyTrainingOptions {
  /** PPO iterations (rollout + update). Default 60. */
  readonly iterations: number;
  /** Episodes per rollout. Default 64. */
  readonly episodesPerIteration: number;
  /** Passes over a rollout's steps. Default 4. */
  readonly epochs: number;
  /** Steps per gradient step. Default 512. */
  readonly minibatchSize: number;
  /** Adam's step size. Default 0.003. */
  readonly learningRate: number;
  /** ε of the clipped ratio. Default 0.2. */
  readonly clip: number;
  /** Discount γ. Default 0.95 (the stop penalty makes engagement an immediate reward; a short horizon keeps Â less noisy). */
  readonly gamma: number;
  /** GAE's λ. Default 0.8. */
  readonly lambda: number;
  /** c_H, the entropy bonus. Default 0.001. */
  readonly entropyCoefficient: number;
  /** c_V, the value loss's weight. Default 0.5. */
  readonly valueCoefficient: number;
  /** Gradients are scaled down to this global L2 norm. Default 1. */
  readonly maxGradNorm: number;
  /**
   * Training reward shaping: each session the learner stops early (a drop-out included) costs this much
   * on top of the environment's reward (episode.ts), r'_t = r_t − stopPenalty · c_t, c_t the stop's
   * indicator or its probability (stopPenaltyOn). The environment already pays the completed sessions
   * (sessionBonus); the penalty makes the policy's objective weigh engagement as the benchmark does.
   * Default 10: the penalty bench:policy chooses, warm-started from the tuned ZPD rule, on validation
   * schools of the training families — the first of 3, 6, 10 whose policy keeps the tuned rule's
   * engagement there (docs/benchmarks/policy.md, "The stop penalty's choice").
   */
  readonly stopPenalty: number;
  /**
   * What the stop penalty is charged on: "realized" — the stop that happened (1 or 0); "expected" — its
   * probability h(p) at the attempt's true p (StepResult.stopProbability), r'_t = r_t − stopPenalty · h_t.
   * Both have the same expectation given the step; the expected one has none of the draw's variance, which
   * matters because stops are rare (h is 0.003 to 0.1 for most attempts), so the realized penalty is a
   * spike that a few episodes' advantages cannot attribute. The environment's truth enters the training
   * reward only (the true mastery gained does too), never the policy's observation. Default "expected".
   */
  readonly stopPenaltyOn: "expected" | "realized";
  /**
   * The temperature the trained policy is sharpened to (sharpenPolicy, learned.ts) once PPO is done: PPO
   * explores at temperature 1; the returned policy draws from π ∝ exp(score / temperature). In (0, 1].
   * Default 0.25: the temperature bench:policy chooses on validation schools of the training families
   * (docs/benchmarks/policy.md, "The temperature's choice").
   */
  readonly temperature: number;
  /** Hidden units of the actor. Default 32. */
  readonly hidden: number;
  /** Hidden units of the critic. Default 32. */
  readonly criticHidden: number;
  readonly featureParams: FeatureParams;
  /**
   * Warm start by imitation (behaviour cloning) before PPO: this many episodes run with `imitate`
   * (PolicyTrainingRun), then `imitationSteps` gradient steps on − mean log π(a_teacher | s) + c_V · mean (V(s) − G)²,
   * G the discounted return of the teacher's episode. 0 episodes, or no `imitate`: PPO from the initial weights. Default 64.
   */
  readonly imitationEpisodes: number;
  /** Minibatch steps of the imitation. Default 200. */
  readonly imitationSteps: number;
}

export const DEFAULT_POLICY_TRAINING: PolicyTrainingOptions = {
  iterations: 60,
  episodesPerIteration: 64,
  epochs: 4,
  minibatchSize: 512,
  learningRate: 0.003,
  clip: 0.2,
  gamma: 0.95,
  lambda: 0.8,
  entropyCoefficient: 0.001,
  valueCoefficient: 0.5,
  maxGradNorm: 1,
  stopPenalty: 10,
  stopPenaltyOn: "expected",
  temperature: 0.25,
  hidden: 32,
  criticHidden: 32,
  featureParams: DEFAULT_FEATURE_PARAMS,
  imitationEpisodes: 64,
  imitationSteps: 200,
};

/** One iteration's figures (the training curve). */
export interface PolicyIteration {
  readonly iteration: number;
  /** Mean return of the iteration's episodes. */
  readonly meanReturn: number;
  readonly meanLength: number;
  /** Mean entropy of π at the iteration's decisions (nats). */
  readonly meanEntropy: number;
  /** Mean stop probability h per attempt (the environment's, at the true p). */
  readonly meanStopProbability: number;
}

export interface TrainedPolicy {
  readonly policy: LearnedPolicy;
  readonly curve: readonly PolicyIteration[];
  readonly backend: string;
  readonly seconds: number;
}

export interface PolicyTrainingRun {
  readonly seed: number;
  /** The policy imitated before PPO (e.g. the ZPD rule); none: PPO starts from the initial weights. */
  readonly imitate?: SequencingPolicy;
  /** Called after each iteration with the fraction done. */
  readonly onProgress?: (fraction: number, iteration: PolicyIteration) => void;
}

export function resolvePolicyTrainingOptions(partial: Partial<PolicyTrainingOptions> = {}): PolicyTrainingOptions {
  const o = mergeOptions(DEFAULT_POLICY_TRAINING, partial);
  const c = optionChecks("trainPolicy", o);
  c.integer("iterations", 1, 100_000);
  c.integer("episodesPerIteration", 1, 100_000);
  c.integer("epochs", 1, 100);
  c.integer("minibatchSize", 1, 1_000_000);
  c.positive("learningRate");
  c.range("clip", 0, 1, { lo: true, hi: true });
  c.range("gamma", 0, 1);
  c.range("lambda", 0, 1);
  c.nonNegative("entropyCoefficient");
  c.nonNegative("valueCoefficient");
  c.positive("maxGradNorm");
  c.nonNegative("stopPenalty");
  if (o.stopPenaltyOn !== "expected" && o.stopPenaltyOn !== "realized") {
    throw new EngineError(EngineErrorCode.InvalidParameters, `trainPolicy: stopPenaltyOn must be "expected" or "realized"`, {
      stopPenaltyOn: o.stopPenaltyOn,
    });
  }
  c.range("temperature", 0, 1, { lo: true });
  c.integer("hidden", 1, 1024);
  c.integer("criticHidden", 1, 1024);
  c.integer("imitationEpisodes", 0, 1_000_000);
  c.integer("imitationSteps", 0, 1_000_000);
  const fp = mergeOptions(DEFAULT_FEATURE_PARAMS, o.featureParams);
  const f = optionChecks("trainPolicy.featureParams", fp);
  f.integer("sessionLength", 1);
  f.integer("historyLength", 1, 1000);
  f.positive("recencyScale");
  return { ...o, featureParams: fp };
}

/** One decision of a rollout. */
interface Step {
  /** Candidate rows, n × F. */
  readonly x: Float32Array;
  readonly n: number;
  readonly action: number;
  readonly logp: number;
  readonly value: number;
  /** The environment's reward. */
  readonly reward: number;
  /** What the stop penalty is charged on: h_t ("expected") or the stop's indicator ("realized"). */
  readonly stopCharge: number;
  /** h_t, the step's stop probability (the constraint's measure). */
  readonly stopProbability: number;
  /** Mean candidate row (the critic's input). */
  readonly xMean: Float32Array;
  readonly last: boolean;
}

export async function trainPolicy(
  environments: readonly PolicyEnvironment[],
  run: PolicyTrainingRun,
  options: Partial<PolicyTrainingOptions> = {},
): Promise<TrainedPolicy> {
  const began = Date.now();
  if (!Number.isInteger(run?.seed)) throw new EngineError(EngineErrorCode.InvalidParameters, "trainPolicy: seed must be an integer");
  const o = resolvePolicyTrainingOptions(options);
  if (!Array.isArray(environments) || environments.length === 0) {
    throw new EngineError(EngineErrorCode.InvalidParameters, "trainPolicy: no environment to train in");
  }
  const heldOut = environments.find((e) => e.school.family.heldOut);
  if (heldOut) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `trainPolicy: family ${heldOut.school.family.name} is held out from training`);
  }
  const backend = await initBackend();
  const F = FEATURE_COUNT;
  const rng = createRng(run.seed);
  const actor = initialActor(rng, F, o.hidden);
  const critic = initialCritic(rng, F, o.criticHidden);
  const params = [actor.w1, actor.b1, actor.w2, critic.u1, critic.c1, critic.u2, critic.c2];
  const shapes: number[][] = [[F, o.hidden], [o.hidden], [o.hidden], [F, o.criticHidden], [o.criticHidden], [o.criticHidden], [1]];
  const adam = new Adam(params, o.learningRate);
  const grads = params.map((p) => new Float64Array(p.length));
  const curve: PolicyIteration[] = [];
  let episodes = 0,
    steps = 0;

  const applyGradients = (g: Float32Array[]) => {
    let norm = 0;
    for (const gi of g) for (let j = 0; j < gi.length; j++) norm += gi[j]! * gi[j]!;
    const scale = Math.min(1, o.maxGradNorm / (Math.sqrt(norm) + 1e-12));
    g.forEach((gi, i) => {
      const out = grads[i]!;
      for (let j = 0; j < gi.length; j++) out[j] = gi[j]! * scale;
    });
    adam.step(grads);
  };

  if (run.imitate && o.imitationEpisodes > 0 && o.imitationSteps > 0) {
    const teacher = run.imitate;
    const { rollout } = collect(environments, o.imitationEpisodes, rng, o, (observation, candidates, _x, episodeRng) => {
      const c = teacher.choose(observation, candidates, episodeRng);
      return { index: c.index, probability: c.probability, logp: 0, value: 0 };
    });
    const T = rollout.length;
    const discounted = new Float64Array(T);
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      if (rollout[t]!.last) g = 0;
      g = rollout[t]!.reward - o.stopPenalty * rollout[t]!.stopCharge + o.gamma * g;
      discounted[t] = g;
    }
    const zeros = new Float64Array(T);
    let order: number[] = [];
    let at = 0;
    for (let step = 0; step < o.imitationSteps; step++) {
      const batch: number[] = [];
      while (batch.length < Math.min(o.minibatchSize, T)) {
        if (at >= order.length) {
          order = rng.shuffle(Array.from({ length: T }, (_, t) => t));
          at = 0;
        }
        batch.push(order[at++]!);
      }
      applyGradients(minibatchGradients("imitation", batch, rollout, zeros, discounted, params, shapes, o));
    }
  }

  for (let iteration = 0; iteration < o.iterations; iteration++) {
    const { rollout, returns, entropy } = collect(environments, o.episodesPerIteration, rng, o, (_o, candidates, x, episodeRng) => {
      const n = candidates.length;
      const p = actorProbabilities(actor, x, n, CANDIDATE_FEATURES.length);
      const choice = drawIndex(p, episodeRng);
      return { ...choice, logp: Math.log(choice.probability), value: criticValue(critic, F, o.criticHidden, x, n), p };
    });
    episodes += o.episodesPerIteration;
    steps += rollout.length;
    const hMean = meanStopProbability(rollout);

    // GAE, backwards; an episode's last step has no successor.
    const T = rollout.length;
    const advantage = new Float64Array(T);
    const target = new Float64Array(T);
    let next = 0,
      nextValue = 0;
    for (let t = T - 1; t >= 0; t--) {
      const s = rollout[t]!;
      if (s.last) {
        next = 0;
        nextValue = 0;
      }
      const delta = s.reward - o.stopPenalty * s.stopCharge + o.gamma * nextValue - s.value;
      next = delta + o.gamma * o.lambda * next;
      advantage[t] = next;
      target[t] = next + s.value;
      nextValue = s.value;
    }
    let mean = 0;
    for (let t = 0; t < T; t++) mean += advantage[t]! / T;
    let sd = 0;
    for (let t = 0; t < T; t++) sd += (advantage[t]! - mean) ** 2 / T;
    sd = Math.sqrt(sd) + 1e-8;
    for (let t = 0; t < T; t++) advantage[t] = (advantage[t]! - mean) / sd;

    // Update.
    const order = Array.from({ length: T }, (_, t) => t);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const shuffled = rng.shuffle(order);
      for (let start = 0; start < T; start += o.minibatchSize) {
        const batch = shuffled.slice(start, start + o.minibatchSize);
        applyGradients(minibatchGradients("ppo", batch, rollout, advantage, target, params, shapes, o));
      }
    }
    const point: PolicyIteration = {
      iteration,
      meanReturn: returns / o.episodesPerIteration,
      meanLength: T / o.episodesPerIteration,
      meanEntropy: entropy / T,
      meanStopProbability: hMean,
    };
    curve.push(point);
    run.onProgress?.((iteration + 1) / o.iterations, point);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  for (const w of params) for (let j = 0; j < w.length; j++) w[j] = Number(w[j]!.toPrecision(6));
  for (const w of params) {
    if (!w.every(Number.isFinite)) {
      throw new EngineError(EngineErrorCode.InvalidParameters, "trainPolicy diverged (non-finite weights): lower learningRate", {
        learningRate: o.learningRate,
      });
    }
  }
  const seconds = (Date.now() - began) / 1000;
  const families = [...new Set(environments.map((e) => e.school.family.name))];
  const policy = new LearnedPolicy(actor, o.featureParams, {
    seed: run.seed,
    families,
    iterations: o.iterations,
    episodes,
    steps,
    seconds,
  });
  return { policy: o.temperature === 1 ? policy : sharpenPolicy(policy, o.temperature), curve, backend, seconds };
}

function meanStopProbability(rollout: readonly Step[]): number {
  let h = 0;
  for (const s of rollout) h += s.stopProbability;
  return rollout.length === 0 ? 0 : h / rollout.length;
}

type Decide = (
  observation: Observation,
  candidates: readonly PolicyCandidate[],
  x: Float64Array,
  episodeRng: Rng,
) => { index: number; probability: number; logp: number; value: number; p?: Float64Array };

/** Runs `count` episodes (environment e mod E, seeds from `rng`), recording every decision. */
function collect(
  environments: readonly PolicyEnvironment[],
  count: number,
  rng: Rng,
  o: Pick<PolicyTrainingOptions, "featureParams" | "stopPenaltyOn">,
  decide: Decide,
): { rollout: Step[]; returns: number; entropy: number } {
  const F = FEATURE_COUNT;
  const rollout: Step[] = [];
  let returns = 0,
    entropy = 0;
  for (let e = 0; e < count; e++) {
    const env = environments[e % environments.length]!;
    const episode = new Episode(env, { seed: rng.int(0x7fff_ffff) });
    while (!episode.done) {
      const candidates = episode.candidates();
      const observation = episode.observation();
      const n = candidates.length;
      const x = policyFeatures(observation, candidates, o.featureParams);
      const d = decide(observation, candidates, x, episode.policyRng);
      if (d.p) for (let i = 0; i < n; i++) if (d.p[i]! > 0) entropy -= d.p[i]! * Math.log(d.p[i]!);
      const xMean = new Float32Array(F);
      for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) xMean[f]! += x[i * F + f]! / n;
      const r = episode.step(d.index, d.probability);
      rollout.push({
        x: Float32Array.from(x),
        n,
        action: d.index,
        logp: d.logp,
        value: d.value,
        reward: r.reward,
        stopCharge: o.stopPenaltyOn === "expected" ? r.stopProbability : r.stopped ? 1 : 0,
        stopProbability: r.stopProbability,
        xMean,
        last: r.done,
      });
    }
    returns += episode.result().totalReward;
  }
  return { rollout, returns, entropy };
}

/**
 * ∂L/∂θ for one minibatch, θ = the actor's and critic's weights: "ppo" the loss of the file comment
 * (advantage Â, target R), "imitation" − mean log π(a | s) + c_V · mean (V(s) − target)².
 */
function minibatchGradients(
  kind: "ppo" | "imitation",
  batch: readonly number[],
  rollout: readonly Step[],
  advantage: Float64Array,
  target: Float64Array,
  params: readonly Float64Array[],
  shapes: readonly number[][],
  o: PolicyTrainingOptions,
): Float32Array[] {
  const F = FEATURE_COUNT;
  const B = batch.length;
  let M = 1;
  for (const t of batch) M = Math.max(M, rollout[t]!.n);
  const x = new Float32Array(B * M * F);
  const maskBias = new Float32Array(B * M).fill(-1e9);
  const valid = new Float32Array(B * M);
  const onehot = new Float32Array(B * M);
  const oldLogp = new Float32Array(B);
  const adv = new Float32Array(B);
  const ret = new Float32Array(B);
  const xMean = new Float32Array(B * F);
  batch.forEach((t, b) => {
    const s = rollout[t]!;
    x.set(s.x, b * M * F);
    maskBias.fill(0, b * M, b * M + s.n);
    valid.fill(1, b * M, b * M + s.n);
    onehot[b * M + s.action] = 1;
    oldLogp[b] = s.logp;
    adv[b] = advantage[t]!;
    ret[b] = target[t]!;
    xMean.set(s.xMean, b * F);
  });
  return tf.tidy(() => {
    const X = tf.tensor2d(x, [B * M, F]);
    const bias = tf.tensor2d(maskBias, [B, M]);
    const validT = tf.tensor2d(valid, [B, M]);
    const onehotT = tf.tensor2d(onehot, [B, M]);
    const oldT = tf.tensor1d(oldLogp);
    const advT = tf.tensor1d(adv);
    const retT = tf.tensor1d(ret);
    const meanT = tf.tensor2d(xMean, [B, F]);
    const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, u1: tf.Tensor, c1: tf.Tensor, u2: tf.Tensor, c2: tf.Tensor): tf.Scalar => {
      const scores = tf.reshape(actorScores(w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor1D, X), [B, M]);
      const logp = tf.logSoftmax(tf.add(scores, bias));
      const logpA = tf.sum(tf.mul(logp, onehotT), 1);
      const v = criticValues(u1 as tf.Tensor2D, c1 as tf.Tensor1D, u2 as tf.Tensor1D, c2 as tf.Tensor1D, meanT);
      const valueLoss = tf.mul(o.valueCoefficient, tf.mean(tf.square(tf.sub(v, retT))));
      if (kind === "imitation") return tf.sub(valueLoss, tf.mean(logpA)) as tf.Scalar;
      const ratio = tf.exp(tf.sub(logpA, oldT));
      const surrogate = tf.minimum(tf.mul(ratio, advT), tf.mul(tf.clipByValue(ratio, 1 - o.clip, 1 + o.clip), advT));
      const entropy = tf.neg(tf.sum(tf.mul(tf.mul(tf.exp(logp), logp), validT), 1));
      return tf.addN([tf.neg(tf.mean(surrogate)), valueLoss, tf.mul(-o.entropyCoefficient, tf.mean(entropy))]) as tf.Scalar;
    };
    const inputs = params.map((p, i) => tf.tensor(Float32Array.from(p), shapes[i]!));
    const g = tf.grads((...w: tf.Tensor[]) => loss(w[0]!, w[1]!, w[2]!, w[3]!, w[4]!, w[5]!, w[6]!))(inputs);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}
