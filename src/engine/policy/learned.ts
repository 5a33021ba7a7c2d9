/**
 * The learned sequencing policy (issue 19 item 2): a SequencingPolicy whose choice is drawn from the
 * actor's softmax over the recommender's candidates (network.ts), each candidate described by its
 * features and the learner context (features.ts: read from the Observation only). `choose` returns the
 * drawn index and its probability π(i) — the propensity a served recommendation logs.
 *
 * Stored as JSON (`serializePolicy` / `loadPolicy`):
 *   { format: "zpd-sequencing-policy", version: POLICY_FORMAT_VERSION, featureLayout: [names…],
 *     featureParams, hidden, weights: { w1, b1, w2 }, training: { … } }
 * A file of another format version, or whose feature layout is not FEATURE_LAYOUT (trained on other
 * inputs), is refused with UNSUPPORTED_FORMAT; anything unreadable (not JSON, missing or non-finite
 * weights, wrong lengths) with CORRUPT_MODEL. The weights are rounded to 6 significant digits when
 * training ends, so a policy reloaded from its file chooses exactly as the one trained.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Rng } from "../math.js";
import {
  CANDIDATE_FEATURES,
  DEFAULT_FEATURE_PARAMS,
  FEATURE_COUNT,
  FEATURE_LAYOUT,
  type FeatureParams,
  policyFeatures,
} from "./features.js";
import { type ActorWeights, actorProbabilities } from "./network.js";
import type { Observation, PolicyCandidate } from "./observation.js";
import type { PolicyChoice, SequencingPolicy } from "./policies.js";

export const POLICY_FORMAT = "zpd-sequencing-policy";
export const POLICY_FORMAT_VERSION = 1;

/** How a policy was trained (reported, stored; never read by `choose`). */
export interface PolicyTrainingInfo {
  readonly seed: number;
  /** The families of the environments it was trained in. */
  readonly families: readonly string[];
  readonly iterations: number;
  readonly episodes: number;
  readonly steps: number;
  readonly seconds: number;
  /**
   * The softmax's temperature applied after training (sharpenPolicy): π ∝ exp(score / T). Absent or 1:
   * the policy as PPO left it.
   */
  readonly temperature?: number;
}

export class LearnedPolicy implements SequencingPolicy {
  constructor(
    readonly actor: ActorWeights,
    readonly featureParams: FeatureParams,
    readonly training: PolicyTrainingInfo,
    readonly name = "POLICY",
  ) {
    if (actor.features !== FEATURE_COUNT) {
      throw new EngineError(EngineErrorCode.InvalidParameters, `learned policy: ${actor.features} inputs, the layout has ${FEATURE_COUNT}`);
    }
  }

  /** π over the candidates (the softmax of their scores), in the candidates' order. */
  probabilities(observation: Observation, candidates: readonly PolicyCandidate[]): Float64Array {
    const x = policyFeatures(observation, candidates, this.featureParams);
    return actorProbabilities(this.actor, x, candidates.length, CANDIDATE_FEATURES.length);
  }

  /** Draws a candidate from π (one rng.next()); INVALID_PARAMETERS when there is none. */
  choose(observation: Observation, candidates: readonly PolicyCandidate[], rng: Rng): PolicyChoice {
    const p = this.probabilities(observation, candidates);
    return drawIndex(p, rng);
  }
}

/** Inverse-CDF draw from p with one uniform number; returns the index and p[index]. */
export function drawIndex(p: ArrayLike<number>, rng: Rng): PolicyChoice {
  const u = rng.next();
  let acc = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! <= 0) continue;
    last = i;
    acc += p[i]!;
    if (u < acc) return { index: i, probability: p[i]! };
  }
  return { index: last, probability: p[last]! }; // u beyond the float sum's end
}

interface PolicyFile {
  readonly format: string;
  readonly version: number;
  readonly featureLayout: readonly string[];
  readonly featureParams: FeatureParams;
  readonly hidden: number;
  readonly weights: { readonly w1: readonly number[]; readonly b1: readonly number[]; readonly w2: readonly number[] };
  readonly training: PolicyTrainingInfo;
}

/**
 * The policy with its softmax sharpened to temperature T ∈ (0, 1]: π_T(i) ∝ exp(s_i / T), the scores s
 * the actor's (network.ts: s = Σ_j w2_j · tanh(…), so dividing w2 by T divides every score by T). PPO
 * explores by drawing from π; served, a sharper π keeps the policy's preferences and draws fewer of the
 * choices it rates low. The same file format: w2 is rounded to 6 significant digits, as training's
 * weights are, and `training.temperature` records the product of the temperatures applied.
 */
export function sharpenPolicy(policy: LearnedPolicy, temperature: number): LearnedPolicy {
  if (!(temperature > 0 && temperature <= 1)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, "sharpenPolicy: temperature must be in (0, 1]", { temperature });
  }
  const a = policy.actor;
  const actor: ActorWeights = { ...a, w2: a.w2.map((w) => Number((w / temperature).toPrecision(6))) };
  const training = { ...policy.training, temperature: (policy.training.temperature ?? 1) * temperature };
  return new LearnedPolicy(actor, policy.featureParams, training, policy.name);
}

/** The policy as JSON text (a few kilobytes). */
export function serializePolicy(policy: LearnedPolicy): string {
  const a = policy.actor;
  const file: PolicyFile = {
    format: POLICY_FORMAT,
    version: POLICY_FORMAT_VERSION,
    featureLayout: FEATURE_LAYOUT,
    featureParams: policy.featureParams,
    hidden: a.hidden,
    weights: { w1: [...a.w1], b1: [...a.b1], w2: [...a.w2] },
    training: policy.training,
  };
  return JSON.stringify(file);
}

const corrupt = (why: string) => new EngineError(EngineErrorCode.CorruptModel, `policy file: ${why}`);

function numbers(x: unknown, length: number, name: string): Float64Array {
  if (!Array.isArray(x) || x.length !== length || x.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw corrupt(`weights.${name} must be ${length} finite numbers`);
  }
  return Float64Array.from(x as number[]);
}

/** Reads a policy file (see the file comment for what is refused and how). */
export function loadPolicy(text: string): LearnedPolicy {
  let file: Partial<PolicyFile>;
  try {
    file = JSON.parse(text) as Partial<PolicyFile>;
  } catch (e) {
    throw corrupt(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof file !== "object" || file === null || file.format !== POLICY_FORMAT) throw corrupt(`not a ${POLICY_FORMAT} file`);
  if (file.version !== POLICY_FORMAT_VERSION) {
    throw new EngineError(
      EngineErrorCode.UnsupportedFormat,
      `policy file: format version ${String(file.version)}, this engine reads version ${POLICY_FORMAT_VERSION}`,
      { version: file.version, supported: POLICY_FORMAT_VERSION },
    );
  }
  const layout = file.featureLayout;
  if (!Array.isArray(layout) || layout.length !== FEATURE_LAYOUT.length || layout.some((f, i) => f !== FEATURE_LAYOUT[i])) {
    throw new EngineError(EngineErrorCode.UnsupportedFormat, "policy file: trained for another feature layout", {
      expected: FEATURE_LAYOUT,
      found: layout,
    });
  }
  const hidden = file.hidden;
  if (!Number.isInteger(hidden) || (hidden as number) < 1 || (hidden as number) > 4096) throw corrupt("hidden must be a positive integer");
  const H = hidden as number;
  const w = file.weights;
  if (typeof w !== "object" || w === null) throw corrupt("weights missing");
  const fp = { ...DEFAULT_FEATURE_PARAMS, ...(file.featureParams ?? {}) };
  for (const k of Object.keys(DEFAULT_FEATURE_PARAMS) as (keyof FeatureParams)[]) {
    if (typeof fp[k] !== "number" || !(fp[k] > 0)) throw corrupt(`featureParams.${k} must be a number > 0`);
  }
  const actor: ActorWeights = {
    features: FEATURE_COUNT,
    hidden: H,
    w1: numbers(w.w1, FEATURE_COUNT * H, "w1"),
    b1: numbers(w.b1, H, "b1"),
    w2: numbers(w.w2, H, "w2"),
  };
  const t = file.training;
  const training: PolicyTrainingInfo =
    typeof t === "object" && t !== null ? t : { seed: 0, families: [], iterations: 0, episodes: 0, steps: 0, seconds: 0 };
  return new LearnedPolicy(actor, fp, training);
}
