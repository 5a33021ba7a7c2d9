/**
 * A learned sequencing policy served as a recommendation strategy (issue 19 item 4). The policy chooses
 * among the recommender's own candidates (rules 2–4 of recommend.ts: the focus skills' tasks, the
 * prerequisite gate, skips, the repeat window), built by `observe` from the learner's live state and
 * recent attempts: the same observation, hence the same features, as in training.
 *
 *   - A teacher's pinned tasks come first, as in every strategy (propensity 1).
 *   - The first item is DRAWN from π with a seed the caller derives from the request (the learner and
 *     its number of attempts, services/policy), so that the same request in the same state draws the
 *     same task (a replay is reproducible) while each new attempt draws afresh; its propensity is π(a).
 *     Sampling, not the arg-max, is what the policy was trained and evaluated as, and what an off-policy
 *     estimate of it needs (issue 19 item 5: a propensity below 1).
 *   - The other items are the remaining candidates in decreasing π (ties in candidate order): given the
 *     drawn first item their order is deterministic, so their propensity (the probability of the task at
 *     its rank given the ranks above it, Recommendation.propensity) is 1; each reason still carries the
 *     task's π (`policy.probability`: the probability the policy gives it as the learner's next task).
 * Each item's reason is the recommender's (buildReason: skill, mastery, prerequisites, band) with code
 * POLICY and what the choice aimed at, in words (`policyAim`). Pure: the seed is an argument.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import { buildContext, focusOf, type LearnerContext } from "../recommend/context.js";
import { buildReason, explain } from "../recommend/explain.js";
import { expectedProgress, readPredictions } from "../recommend/learner-view.js";
import { resolveRecommendParams } from "../recommend/params.js";
import type { LearnerContextInput, Recommendation, RecommendationReason } from "../recommend/types.js";
import { drawIndex, type LearnedPolicy } from "./learned.js";
import { type Observation, type ObservedAttempt, observeInContext, type PolicyCandidate } from "./observation.js";

export interface PolicyRecommendInput extends LearnerContextInput {
  readonly policy: LearnedPolicy;
  /** How many tasks (pinned ones included), 1..1000. */
  readonly count: number;
  /**
   * The learner's last attempts, oldest first: at least the policy's `historyLength` of them (the features'
   * window; earlier ones are not read).
   */
  readonly history: readonly ObservedAttempt[];
  /**
   * How many attempts the learner made (the features read at most 100: they saturate there); default
   * `history.length`. A caller that reads only the window's attempts in full says here how many there were.
   */
  readonly attempts?: number;
  /** Sessions begun in `history` (the current one included), ≥ 1. */
  readonly sessions: number;
  /** Attempts in the current session. */
  readonly sessionAttempts: number;
  /** Seeds the draw of the first item. */
  readonly seed: number;
}

export interface PolicyRecommendation {
  readonly items: readonly Recommendation[];
  /** The candidates the policy chose among (0: it chose nothing; the caller falls back). */
  readonly candidates: number;
}

const f2 = (x: number) => x.toFixed(2);

/** What a choice aims at, in words, from the structured reason (the features the policy weighs most: role, success, weakness). */
export function policyAim(reason: RecommendationReason, lowestCandidateMastery: number): string {
  const target =
    reason.role === "TARGET"
      ? `${reason.skillName}, a goal skill`
      : `${reason.skillName}, an unmastered prerequisite of ${reason.prerequisiteOf.map((s) => s.name).join(", ") || "the goal"}`;
  const p = reason.predictedSuccess;
  const difficulty =
    p >= reason.band.high
      ? `an easy success (predicted ${f2(p)}, above the ZPD band) to keep the learner going`
      : p < reason.band.low
        ? `a stretch (predicted ${f2(p)}, below the ZPD band)`
        : `a task the learner should just manage (predicted ${f2(p)}, in the ZPD band)`;
  const weakest = reason.mastery <= lowestCandidateMastery + 1e-9 ? "; the weakest skill within reach" : "";
  return `it aims at ${target}, with ${difficulty}${weakest}`;
}

/**
 * What a served policy observes (and the recommender's context it was built in): the observation
 * `observe` makes in training (episode.ts) — the goal, its threshold, the recent task ids from the observed
 * attempts, the teacher's overrides, no interests; the context is built once and read for the reasons too.
 */
export function servedObservation(input: Omit<PolicyRecommendInput, "count" | "seed">): {
  ctx: LearnerContext;
  observation: Observation;
  candidates: PolicyCandidate[];
} {
  const recentTaskIds: string[] = [];
  for (let i = input.history.length - 1; i >= 0 && recentTaskIds.length < 20; i--) recentTaskIds.push(input.history[i]!.taskId);
  const context: LearnerContextInput = {
    model: input.model,
    state: input.state,
    curriculum: input.curriculum,
    ...(input.targetSkillIds ? { targetSkillIds: input.targetSkillIds } : {}),
    ...(input.masteryThreshold !== undefined ? { masteryThreshold: input.masteryThreshold } : {}),
    recentTaskIds,
    ...(input.overrides ? { overrides: input.overrides } : {}),
  };
  const ctx = buildContext(context, resolveRecommendParams({}));
  const { observation, candidates } = observeInContext(ctx, context, {
    goalSkillIds: ctx.targets,
    masteryThreshold: ctx.threshold,
    attempts: input.attempts ?? input.history.length,
    recent: input.history,
    sessions: Math.max(1, input.sessions),
    sessionAttempts: input.sessionAttempts,
    historyLength: input.policy.featureParams.historyLength,
  });
  return { ctx, observation, candidates };
}

export function policyRecommend(input: PolicyRecommendInput): PolicyRecommendation {
  const count = input.count;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `policyRecommend: count must be an integer in [1, 1000] (got ${String(count)})`,
    );
  }
  if (!Number.isInteger(input.seed)) throw new EngineError(EngineErrorCode.InvalidParameters, "policyRecommend: seed must be an integer");
  const { ctx, observation, candidates } = servedObservation(input);
  const focus = focusOf(ctx, true);
  const pinned = ctx.pinned.slice(0, count).map((id) => ctx.curriculum.tasks.get(id)!);
  if (candidates.length === 0) return { items: [], candidates: 0 };

  const pi = input.policy.probabilities(observation, candidates);
  const drawn = drawIndex(pi, createRng(input.seed)).index;
  const rest = candidates
    .map((_, i) => i)
    .filter((i) => i !== drawn)
    .sort((a, b) => pi[b]! - pi[a]! || a - b);
  const order = [drawn, ...rest].slice(0, Math.max(0, count - pinned.length));

  const relevant = new Set([...focus.set, ...ctx.targets]);
  let lowest = 1;
  for (const c of candidates) lowest = Math.min(lowest, ctx.mastery.get(c.skillId)?.p ?? 1);
  const item = (taskId: string, facts: { p: number; calibrated: boolean; pinned: boolean; pi?: number; drawn?: boolean }) => {
    const task = ctx.curriculum.tasks.get(taskId)!;
    const base = buildReason(ctx, focus, {
      task,
      skillId: task.skillId!,
      predictedSuccess: facts.p,
      calibrated: facts.calibrated,
      strategy: "policy",
      pinned: facts.pinned,
    });
    const reason: RecommendationReason =
      facts.pi === undefined
        ? base
        : {
            ...base,
            code: "POLICY",
            policy: { probability: facts.pi, candidates: candidates.length, drawn: facts.drawn === true, aim: policyAim(base, lowest) },
          };
    const rec: Recommendation = {
      taskId,
      skillId: task.skillId!,
      predictedSuccess: facts.p,
      expectedProgress: expectedProgress(ctx.model, ctx.state, task, facts.p, relevant, ctx.threshold, ctx.mastery, ctx.now),
      reason,
      explanation: explain(reason),
      // π for the drawn item; 1 for pinned ones and for the alternatives, whose order is fixed given the draw.
      propensity: facts.drawn === true && facts.pi !== undefined ? facts.pi : 1,
    };
    return rec;
  };

  const pinnedPredictions = readPredictions(ctx.model, ctx.state, pinned, (id) => ctx.mastery.get(id));
  const items: Recommendation[] = pinned.map((t, i) =>
    item(t.taskId, { p: pinnedPredictions.p[i]!, calibrated: pinnedPredictions.known[i] === 1, pinned: true }),
  );
  const chosen = order.map((i) => ctx.curriculum.tasks.get(candidates[i]!.taskId)!);
  const known = readPredictions(ctx.model, ctx.state, chosen, (id) => ctx.mastery.get(id)).known;
  order.forEach((i, k) => {
    const c = candidates[i]!;
    items.push(item(c.taskId, { p: c.predictedSuccess, calibrated: known[k] === 1, pinned: false, pi: pi[i]!, drawn: k === 0 }));
  });
  return { items, candidates: candidates.length };
}
