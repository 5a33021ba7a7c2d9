/**
 * Options of the sequencing environment (issue 19 item 1): one object with defaults, validated by
 * `resolvePolicyEnvOptions` (EngineError INVALID_PARAMETERS naming the option on anything out of range).
 * The formulas these numbers enter are in engagement.ts (stopping) and episode.ts (learning, forgetting,
 * reward).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { mergeOptions, optionChecks } from "../options.js";
import { type RecommendParams, resolveRecommendParams } from "../recommend/index.js";

/**
 * The engagement model (engagement.ts): the probability that a learner stops the session after an
 * attempt whose true success probability was p,
 *
 *   h(p) = min(maxStop, d_u · (baseStop
 *                              + hardWeight · max(0, (tooHardBelow − p) / tooHardBelow)
 *                              + easyWeight · max(0, (p − tooEasyAbove) / (1 − tooEasyAbove))))
 *
 * with d_u the learner type's `discouragement`. Between tooHardBelow and tooEasyAbove only the base
 * rate applies; the hazard rises linearly to baseStop + hardWeight at p = 0 and to baseStop + easyWeight
 * at p = 1.
 */
export interface EngagementParams {
  /** Stop probability per attempt on a task neither too hard nor too easy. Default 0.003. */
  readonly baseStop: number;
  /** A task with true success probability below this is "too hard". Default 0.4. */
  readonly tooHardBelow: number;
  /** A task with true success probability above this is "too easy". Default 0.93. */
  readonly tooEasyAbove: number;
  /** Extra stop probability on a task the learner cannot solve at all (p = 0). Default 0.3. */
  readonly hardWeight: number;
  /** Extra stop probability on a task the learner cannot fail (p = 1). Default 0.15. */
  readonly easyWeight: number;
  /** The stop probability never exceeds this. Default 0.9. */
  readonly maxStop: number;
}

/**
 * A kind of learner, as a modification of a simulated learner (the mixture `learnerTypes`):
 *   rate_u        = learningRate_u · rateMultiplier
 *   forgetting_u  = forgetting (fraction of what was learnt lost at each session break, episode.ts)
 *   d_u           = discouragement (multiplies the stop hazard, engagement.ts)
 *   returnAfterStop: probability the learner comes back for the next session after stopping one early.
 */
export interface LearnerType {
  readonly name: string;
  /** Weight in the mixture (normalised over the types). */
  readonly share: number;
  readonly rateMultiplier: number;
  readonly forgetting: number;
  readonly discouragement: number;
  readonly returnAfterStop: number;
}

export interface PolicyEnvOptions {
  /** Learners of a school whose simulated history trains its knowledge model (school.ts). Default 100. */
  readonly historyLearners: number;
  /** Further learners of the school, never in the history, from which episodes draw their learner. Default 40. */
  readonly poolLearners: number;
  /** The fixed budget of attempts at which "mastery gained" and "engaged to the end" are read. Default 40. */
  readonly budget: number;
  /**
   * An episode ends at maxAttempts (attempts to mastery beyond it are censored), when the learner drops out,
   * or once the goal is mastered and the budget is spent. Default 300.
   */
  readonly maxAttempts: number;
  /** Attempts per session; a session break (a day) brings forgetting. Default 15. */
  readonly attemptsPerSession: number;
  /**
   * Number of goal skills, drawn among the skills of the curriculum's later two thirds. Default 1: with
   * two, most learners of the shipped families (slow, forgetful or discouraged ones above all) do not
   * reach the goal within maxAttempts, and the attempts-to-mastery medians are censored for every policy.
   */
  readonly goalSkills: number;
  /** True mastery a goal skill must reach: σ(level − skillDifficulty) ≥ τ. Default 0.8. */
  readonly masteryThreshold: number;
  /** Reward: minus this per attempt. Default 0.005. */
  readonly costPerAttempt: number;
  /** Reward: plus this per session the learner completes without stopping early. Default 0.05. */
  readonly sessionBonus: number;
  /** The last this many attempts are in the observation. Default 10. */
  readonly historyLength: number;
  /**
   * Per-skill learning rates: each skill's rate multiplier r_k is drawn per school as
   * exp(skillRateSd · N(0,1) − skillRateSd²/2) (mean 1). Default 0.3.
   */
  readonly skillRateSd: number;
  readonly engagement: EngagementParams;
  /** The mixture of learner types. Default: fast, slow, forgetful and easily discouraged, a quarter each. */
  readonly learnerTypes: readonly LearnerType[];
  /**
   * The recommender's parameters that decide the candidates (prerequisite gap, repeat window): every
   * policy chooses among the same candidates. The band is a policy's own (policies.ts).
   */
  readonly recommend: Partial<RecommendParams>;
}

export const DEFAULT_ENGAGEMENT: EngagementParams = {
  baseStop: 0.003,
  tooHardBelow: 0.4,
  tooEasyAbove: 0.93,
  hardWeight: 0.3,
  easyWeight: 0.15,
  maxStop: 0.9,
};

export const DEFAULT_LEARNER_TYPES: readonly LearnerType[] = [
  { name: "fast", share: 0.25, rateMultiplier: 2, forgetting: 0.05, discouragement: 1, returnAfterStop: 0.85 },
  { name: "slow", share: 0.25, rateMultiplier: 0.6, forgetting: 0.05, discouragement: 1, returnAfterStop: 0.85 },
  { name: "forgetful", share: 0.25, rateMultiplier: 1, forgetting: 0.25, discouragement: 1, returnAfterStop: 0.85 },
  { name: "discouraged", share: 0.25, rateMultiplier: 1, forgetting: 0.05, discouragement: 3, returnAfterStop: 0.6 },
];

export const DEFAULT_POLICY_ENV_OPTIONS: PolicyEnvOptions = {
  historyLearners: 100,
  poolLearners: 40,
  budget: 40,
  maxAttempts: 300,
  attemptsPerSession: 15,
  goalSkills: 1,
  masteryThreshold: 0.8,
  costPerAttempt: 0.005,
  sessionBonus: 0.05,
  historyLength: 10,
  skillRateSd: 0.3,
  engagement: DEFAULT_ENGAGEMENT,
  learnerTypes: DEFAULT_LEARNER_TYPES,
  recommend: {},
};

const invalid = (why: string) => new EngineError(EngineErrorCode.InvalidParameters, `policy environment: ${why}`);

/** Fills defaults (the engagement parameters field by field) and validates. */
export function resolvePolicyEnvOptions(partial: Partial<PolicyEnvOptions> = {}): PolicyEnvOptions {
  const merged = mergeOptions(DEFAULT_POLICY_ENV_OPTIONS, partial);
  if (typeof merged.engagement !== "object" || merged.engagement === null) throw invalid("engagement must be an object");
  const o: PolicyEnvOptions = { ...merged, engagement: mergeOptions(DEFAULT_ENGAGEMENT, merged.engagement) };
  const c = optionChecks("policy environment", o);
  c.integer("historyLearners", 1);
  c.integer("poolLearners", 1);
  c.integer("budget", 1, 100_000);
  c.integer("maxAttempts", 1, 100_000);
  c.integer("attemptsPerSession", 1);
  c.integer("goalSkills", 1);
  c.integer("historyLength", 0, 1000);
  c.range("masteryThreshold", 0, 1, { lo: true, hi: true });
  c.nonNegative("costPerAttempt");
  c.nonNegative("sessionBonus");
  c.nonNegative("skillRateSd");
  if (o.maxAttempts < o.budget) throw invalid(`maxAttempts (${o.maxAttempts}) must be ≥ budget (${o.budget})`);
  const e = optionChecks("policy environment.engagement", o.engagement);
  for (const k of ["baseStop", "hardWeight", "easyWeight", "maxStop"] as const) e.range(k, 0, 1);
  e.range("tooHardBelow", 0, 1, { lo: true, hi: true });
  e.range("tooEasyAbove", 0, 1, { lo: true, hi: true });
  if (o.engagement.tooHardBelow >= o.engagement.tooEasyAbove) throw invalid("engagement.tooHardBelow must be < tooEasyAbove");
  if (!Array.isArray(o.learnerTypes) || o.learnerTypes.length === 0) throw invalid("learnerTypes must name at least one type");
  const names = new Set<string>();
  for (const t of o.learnerTypes) {
    if (typeof t?.name !== "string" || t.name === "" || names.has(t.name)) throw invalid("learner types need distinct non-empty names");
    names.add(t.name);
    const lt = optionChecks(`policy environment.learnerTypes.${t.name}`, t);
    lt.nonNegative("share");
    lt.nonNegative("rateMultiplier");
    lt.range("forgetting", 0, 1);
    lt.nonNegative("discouragement");
    lt.range("returnAfterStop", 0, 1);
  }
  if (o.learnerTypes.every((t) => t.share === 0)) throw invalid("learnerTypes: some share must be > 0");
  if (typeof o.recommend !== "object" || o.recommend === null) throw invalid("recommend must be an object");
  resolveRecommendParams(o.recommend); // its own INVALID_PARAMETERS on a bad value
  return o;
}
