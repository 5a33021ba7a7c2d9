/**
 * Sequencing policies: a policy maps an observation, the recommender's candidates and a random source to
 * one candidate, with the probability it had of choosing it (1 for a deterministic rule, 1/n for a
 * uniform draw): what a served recommendation will log as its propensity, and what a learned, stochastic
 * policy plugs in as (issue 19 items 2 and 5).
 *
 * The heuristics never re-implement the recommender's rules: each asks `recommend` (count 1) with its
 * strategy, restricted to the candidates by skipping every other task (a teacher's skip, rule 1: skip
 * beats everything), so the prerequisite gate, the repeat window and the band are the recommender's own.
 *   RANDOM          uniform over the candidates (probability 1/n).
 *   CURRICULUM      recommend's "curriculum" order (DAG order, then task id) over the candidates: the
 *                   curriculum followed in order, moving on when the engine estimates a skill mastered
 *                   (the candidates' focus is personalised; the ranking reads no state).
 *   LOWEST_MASTERY  recommend's "lowest-mastery".
 *   ZPD             recommend's "zpd" with a band (default the recommender's 0.65–0.85, target 0.75);
 *                   tune.ts grid-searches the band on the training families.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Rng } from "../math.js";
import { explorationDraw, type RecommendParams, type RecommendStrategy, recommend, resolveRecommendParams } from "../recommend/index.js";
import type { Observation, PolicyCandidate } from "./observation.js";

/** A policy's choice: the index of a candidate, and the probability with which it was chosen. */
export interface PolicyChoice {
  readonly index: number;
  readonly probability: number;
}

export interface SequencingPolicy {
  readonly name: string;
  /** Called with at least one candidate; returns an index into `candidates`. */
  choose(observation: Observation, candidates: readonly PolicyCandidate[], rng: Rng): PolicyChoice;
}

/** The band of a ZPD policy. */
export type ZpdBand = Pick<RecommendParams, "bandLow" | "bandHigh" | "bandTarget">;

export const RANDOM_POLICY: SequencingPolicy = {
  name: "RANDOM",
  choose(_observation, candidates, rng) {
    return { index: rng.int(candidates.length), probability: 1 / candidates.length };
  },
};

/** The recommender's first choice among the candidates under `strategy` and `params`. */
function recommenderChoice(
  observation: Observation,
  candidates: readonly PolicyCandidate[],
  strategy: RecommendStrategy,
  params: Partial<RecommendParams>,
): PolicyChoice {
  const allowed = new Set(candidates.map((c) => c.taskId));
  const curriculum = observation.context.curriculum;
  const taskIds = "compiled" in curriculum ? curriculum.tasks.keys() : curriculum.tasks.map((t) => t.taskId);
  const skippedTaskIds = [...(observation.context.overrides?.skippedTaskIds ?? [])];
  for (const id of taskIds) if (!allowed.has(id)) skippedTaskIds.push(id);
  const [top] = recommend({ ...observation.context, overrides: { skippedTaskIds }, strategy, count: 1 }, params);
  const index = top === undefined ? -1 : candidates.findIndex((c) => c.taskId === top.taskId);
  if (index < 0) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `policy ${strategy}: the recommender chose no candidate`, {
      candidates: candidates.length,
    });
  }
  return { index, probability: 1 };
}

export const CURRICULUM_POLICY: SequencingPolicy = {
  name: "CURRICULUM",
  choose: (observation, candidates) => recommenderChoice(observation, candidates, "curriculum", {}),
};

export const LOWEST_MASTERY_POLICY: SequencingPolicy = {
  name: "LOWEST_MASTERY",
  choose: (observation, candidates) => recommenderChoice(observation, candidates, "lowest-mastery", {}),
};

/** The ZPD rule with a band (default: the recommender's). A bad band is INVALID_PARAMETERS, at once. */
export function zpdPolicy(band: Partial<ZpdBand> = {}, name = "ZPD"): SequencingPolicy {
  const p = resolveRecommendParams(band);
  const params: ZpdBand = { bandLow: p.bandLow, bandHigh: p.bandHigh, bandTarget: p.bandTarget };
  return { name, choose: (observation, candidates) => recommenderChoice(observation, candidates, "zpd", params) };
}

export const ZPD_POLICY: SequencingPolicy = zpdPolicy();

/** The heuristics of the benchmark, by name (the tuned ZPD is built by tune.ts). */
export const HEURISTIC_POLICIES: readonly SequencingPolicy[] = [RANDOM_POLICY, CURRICULUM_POLICY, LOWEST_MASTERY_POLICY, ZPD_POLICY];

/**
 * ε-greedy over a deterministic policy's choice (the recommender's ε-exploration, recommend.ts): with
 * probability ε a candidate drawn uniformly, else `base`'s; the propensity is (1 − ε) + ε/n for base's
 * choice, ε/n for another. A logging policy with support on every candidate (off-policy.ts).
 */
export function epsilonGreedy(base: SequencingPolicy, epsilon: number, name = `${base.name}_EPS${epsilon}`): SequencingPolicy {
  if (!(epsilon >= 0 && epsilon <= 1))
    throw new EngineError(EngineErrorCode.InvalidParameters, `epsilon-greedy: epsilon must be in [0, 1]`);
  return {
    name,
    choose(observation, candidates, rng) {
      const greedy = base.choose(observation, candidates, rng).index;
      return explorationDraw(candidates.length, greedy, epsilon, rng);
    },
  };
}
