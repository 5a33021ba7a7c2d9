/**
 * Next-task recommendation (issue 4 item 3). Pure: the model, the learner's state and the
 * curriculum in, ranked recommendations with their reasons out.
 *
 * Rules, in the order they apply:
 *  1. Pinned tasks first, in the teacher's order, up to `count` (a teacher's pin overrides the gate, the
 *     band and the repeat window); skipped tasks never (skip beats pin). Unknown task ids are ignored.
 *  2. Candidates serve a focus skill (context.ts): the goal's unmastered skills and their unmastered
 *     prerequisites, in DAG order ("curriculum": the goal skills and all their prerequisites).
 *  3. Personalised strategies leave out a task when one of its skills has a prerequisite far from
 *     mastered: mastery < τ − prerequisiteGap (context.ts `blockedBy`).
 *  4. No immediate repeats: tasks among the last `repeatWindow` are left out, unless nothing else is left.
 *  5. Ranking, by strategy:
 *     zpd             tier 1: predicted success p in [bandLow, bandHigh]; tier 2: the rest.
 *                     In tier 1: skill in DAG order, then interests (number of matching topics), then
 *                     |p − bandTarget|. In tier 2: skill in DAG order, then |p − bandTarget|, then
 *                     interests. Interests thus only order tasks the band finds equally acceptable:
 *                     they never bring a tier-2 task before a tier-1 task.
 *     lowest-mastery  the served skill's mastery ascending, then DAG order, |p − bandTarget|, interests.
 *     curriculum      DAG order, then task id. Reads neither the state nor the interests.
 *  6. Spreading: at most ⌈count · maxSharePerSkill⌉ (default ⌈count/2⌉) tasks serve one skill while other
 *     skills still have candidates in the same tier; the cap is lifted only when a tier runs out of
 *     alternatives, before moving to the next tier (the band wins over spreading).
 *  7. Ties end on the task id, so the answer is deterministic.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Rng } from "../math.js";
import { blockedBy, buildContext, focusOf, type Focus, type LearnerContext } from "./context.js";
import type { CompiledTask } from "./curriculum.js";
import { buildReason, explain, inBand, matchedInterests } from "./explain.js";
import { expectedProgress, readPredictions, tasksOf } from "./learner-view.js";
import { resolveRecommendParams, type RecommendParams } from "./params.js";
import { RECOMMEND_STRATEGIES, type Recommendation, type RecommendInput, type RecommendStrategy } from "./types.js";

interface Candidate {
  readonly task: CompiledTask;
  readonly skillId: string;
  readonly topo: number;
  p: number;
  calibrated: boolean;
  interest: number;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function strategyOf(input: RecommendInput): RecommendStrategy {
  const strategy: RecommendStrategy = input?.strategy ?? "zpd";
  if (!RECOMMEND_STRATEGIES.includes(strategy)) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `recommend: unknown strategy ${JSON.stringify(strategy)} (one of ${RECOMMEND_STRATEGIES.join(", ")})`,
    );
  }
  return strategy;
}

/** Recommends up to `count` tasks, ranked. Never NaN; throws only on invalid input (INVALID_PARAMETERS) or a state of another model. */
export function recommend(input: RecommendInput, params: Partial<RecommendParams> = {}): Recommendation[] {
  return recommendFromCandidates(input, params).items;
}

/** `recommend`'s answer and how many candidates it chose from (rules 2–4; pinned tasks are not candidates). */
export interface RankedRecommendations {
  readonly items: Recommendation[];
  readonly candidates: number;
}

/**
 * `recommend`, saying how many candidates it ranked (what a served recommendation logs). With
 * `input.exploration` (ε > 0, strategy "zpd" only), the first place after the pinned tasks goes, with
 * probability ε, to a candidate drawn uniformly (the others keep their order after it), and that item
 * carries its propensity: (1 − ε) + ε/n for the rule's own first choice, ε/n for any other of the n
 * candidates. Every other item is deterministic given the first (no `propensity`: 1).
 */
export function recommendFromCandidates(input: RecommendInput, params: Partial<RecommendParams> = {}): RankedRecommendations {
  const p = resolveRecommendParams(params);
  const strategy = strategyOf(input);
  const count = input?.count ?? p.defaultCount;
  if (!Number.isInteger(count) || count < 0 || count > 1000) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `recommend: count must be an integer in [0, 1000] (got ${String(count)})`);
  }
  const epsilon = input?.exploration?.epsilon ?? 0;
  if (!(epsilon >= 0 && epsilon <= 1)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `recommend: exploration epsilon must be in [0, 1] (got ${String(epsilon)})`);
  }
  const ctx = buildContext(input, p);
  if (count === 0) return { items: [], candidates: 0 };
  const personalised = strategy !== "curriculum";
  const focus = focusOf(ctx, personalised);

  const pinned = ctx.pinned.slice(0, count).map((id) => ctx.curriculum.tasks.get(id)!);
  const pool = choicePool(ctx, focus, personalised, new Set(pinned.map((t) => t.taskId)));

  let ranked: Candidate[][];
  const candidates = pool.map(
    (task): Candidate => ({
      task,
      skillId: task.skillId!,
      topo: ctx.curriculum.skills.get(task.skillId!)!.topoIndex,
      p: 0.5,
      calibrated: true,
      interest: personalised ? matchedInterests(ctx, task).length : 0,
    }),
  );
  if (personalised) {
    predictInto(ctx, candidates);
    ranked = rankPersonalised(ctx, candidates, strategy);
  } else {
    ranked = [candidates.sort((a, b) => a.topo - b.topo || byId(a.task.taskId, b.task.taskId))];
  }

  let chosen = spread(
    ranked,
    count - pinned.length,
    Math.ceil(count * p.maxSharePerSkill),
    pinned.map((t) => t.skillId!),
  );
  let explored: { readonly candidate: Candidate; readonly propensity: number } | null = null;
  if (epsilon > 0 && strategy === "zpd" && chosen.length > 0) {
    const draw = explorationDraw(candidates.length, candidates.indexOf(chosen[0]!), epsilon, input.exploration!.rng);
    const first = candidates[draw.index]!;
    explored = { candidate: first, propensity: draw.probability };
    chosen = [first, ...chosen.filter((c) => c !== first)].slice(0, count - pinned.length);
  }
  // Predictions of the pinned tasks (and, for "curriculum", of the chosen ones: only reported, never ranked on).
  const pinnedCandidates = pinned.map(
    (task): Candidate => ({
      task,
      skillId: task.skillId!,
      topo: ctx.curriculum.skills.get(task.skillId!)!.topoIndex,
      p: 0.5,
      calibrated: true,
      interest: 0,
    }),
  );
  predictInto(ctx, personalised ? pinnedCandidates : [...pinnedCandidates, ...chosen]);

  const relevant = new Set([...focus.set, ...ctx.targets]);
  const out: Recommendation[] = [];
  for (const [c, isPinned] of [...pinnedCandidates.map((c) => [c, true] as const), ...chosen.map((c) => [c, false] as const)]) {
    const reason = buildReason(ctx, focus, {
      task: c.task,
      skillId: c.skillId,
      predictedSuccess: c.p,
      calibrated: c.calibrated,
      strategy,
      pinned: isPinned,
    });
    out.push({
      taskId: c.task.taskId,
      skillId: c.skillId,
      predictedSuccess: c.p,
      expectedProgress: expectedProgress(ctx.model, ctx.state, c.task, c.p, relevant, ctx.threshold, ctx.mastery, ctx.now),
      reason,
      explanation: explain(reason),
      ...(explored?.candidate === c && !isPinned ? { propensity: explored.propensity } : {}),
    });
  }
  return { items: out, candidates: candidates.length };
}

/**
 * ε-greedy over n options whose greedy choice is `greedy`: with probability ε one drawn uniformly (two
 * draws from `rng`: the coin, then the option), else the greedy one. Returns the index and the
 * probability it had of being chosen: (1 − ε) + ε/n for the greedy one, ε/n for any other.
 */
export function explorationDraw(n: number, greedy: number, epsilon: number, rng: Rng): { index: number; probability: number } {
  const index = rng.next() < epsilon ? rng.int(n) : greedy;
  return { index, probability: explorationProbability(n, greedy, epsilon, index) };
}

/** The probability ε-greedy over n options (greedy choice `greedy`) gives option `index`. */
export function explorationProbability(n: number, greedy: number, epsilon: number, index: number): number {
  return (index === greedy ? 1 - epsilon : 0) + epsilon / n;
}

/**
 * The predicted success of every task `recommend` would choose from for this learner, before the band
 * and the ranking pick among them (rules 2–4: the focus skills' tasks, neither skipped nor pinned nor
 * behind the prerequisite gate, fresh ones unless only recent ones are left), in curriculum order; empty
 * when there is none. Ranks nothing, so `count` and the band are not read; the strategy decides the focus
 * and the gate as in `recommend`. The fairness audit summarises a learner's state by its mean (their
 * "readiness", engine/fairness/recommendation-replay.ts).
 */
export function candidatePredictions(input: RecommendInput, params: Partial<RecommendParams> = {}): Float64Array {
  return recommendationCandidates(input, params).p;
}

/** One task `recommend` would choose from (`recommendationCandidates`). */
export interface RecommendationCandidate {
  readonly taskId: string;
  /** The skill it serves. */
  readonly skillId: string;
}

/**
 * The tasks `recommend` would choose from, with their predicted success: `candidatePredictions`'
 * tasks (same rules 2–4, same order), named. A sequencing policy (engine/policy) chooses among them,
 * so that the prerequisite gate, the teacher's pins and skips and the repeat window still hold.
 */
export function recommendationCandidates(
  input: RecommendInput,
  params: Partial<RecommendParams> = {},
): { readonly tasks: readonly RecommendationCandidate[]; readonly p: Float64Array } {
  const p = resolveRecommendParams(params);
  return candidatesInContext(buildContext(input, p), strategyOf(input) !== "curriculum");
}

/**
 * `recommendationCandidates` in a context already built (buildContext): a caller that needs the context
 * itself (a served policy's reasons) reads the learner's mastery once per decision, not twice.
 */
export function candidatesInContext(
  ctx: LearnerContext,
  personalised: boolean,
): { readonly tasks: readonly RecommendationCandidate[]; readonly p: Float64Array } {
  const pool = choicePool(ctx, focusOf(ctx, personalised), personalised, new Set(ctx.pinned));
  return {
    tasks: pool.map((t) => ({ taskId: t.taskId, skillId: t.skillId! })),
    p: readPredictions(ctx.model, ctx.state, pool, (id) => ctx.mastery.get(id)).p,
  };
}

/** The tasks `recommend` ranks: rules 2–4, the fresh ones unless only recent ones are left. */
function choicePool(ctx: LearnerContext, focus: Focus, personalised: boolean, pinned: ReadonlySet<string>): CompiledTask[] {
  const gated = candidateTasks(ctx, focus, personalised, pinned);
  // Every focus task behind an unmet prerequisite (each skill's tasks also exercise a skill whose own
  // prerequisites are far from mastered): the gate yields rather than leave the learner with nothing.
  const { fresh, recent } = gated.fresh.length + gated.recent.length > 0 ? gated : candidateTasks(ctx, focus, false, pinned);
  return fresh.length > 0 ? fresh : recent;
}

/** Tasks serving focus skills, not skipped, not pinned, not blocked; split by the repeat window. */
export function candidateTasks(
  ctx: LearnerContext,
  focus: Focus,
  personalised: boolean,
  exclude: ReadonlySet<string>,
): { fresh: CompiledTask[]; recent: CompiledTask[] } {
  const fresh: CompiledTask[] = [],
    recent: CompiledTask[] = [];
  for (const skillId of focus.skills) {
    for (const task of tasksOf(ctx.curriculum, skillId)) {
      if (ctx.skipped.has(task.taskId) || exclude.has(task.taskId)) continue;
      if (
        personalised &&
        blockedBy(
          ctx,
          task.skills.map((q) => q.skillId),
        ) !== null
      )
        continue;
      (ctx.recent.has(task.taskId) ? recent : fresh).push(task);
    }
  }
  return { fresh, recent };
}

function predictInto(ctx: LearnerContext, cs: Candidate[]): void {
  const { p, known } = readPredictions(
    ctx.model,
    ctx.state,
    cs.map((c) => c.task),
    (id) => ctx.mastery.get(id),
  );
  cs.forEach((c, i) => {
    c.p = p[i]!;
    c.calibrated = known[i] === 1;
  });
}

/** The personalised orders (see the file comment); returns the tiers in order. */
export function rankPersonalised(ctx: LearnerContext, cs: Candidate[], strategy: RecommendStrategy): Candidate[][] {
  const target = ctx.params.bandTarget;
  const dist = (c: Candidate) => Math.abs(c.p - target);
  if (strategy === "lowest-mastery") {
    const m = (c: Candidate) => ctx.mastery.get(c.skillId)!.p;
    return [
      cs.sort(
        (a, b) => m(a) - m(b) || a.topo - b.topo || dist(a) - dist(b) || b.interest - a.interest || byId(a.task.taskId, b.task.taskId),
      ),
    ];
  }
  const inside = cs
    .filter((c) => inBand(ctx, c.p))
    .sort((a, b) => a.topo - b.topo || b.interest - a.interest || dist(a) - dist(b) || byId(a.task.taskId, b.task.taskId));
  const outside = cs
    .filter((c) => !inBand(ctx, c.p))
    .sort((a, b) => a.topo - b.topo || dist(a) - dist(b) || b.interest - a.interest || byId(a.task.taskId, b.task.taskId));
  return [inside, outside];
}

/**
 * Takes up to `count` candidates tier by tier; within a tier first at most `cap` per skill (counting
 * `already`, the skills of the pinned tasks), then, if the tier has no alternatives left, beyond the cap.
 */
function spread(tiers: readonly Candidate[][], count: number, cap: number, already: readonly string[]): Candidate[] {
  const perSkill = new Map<string, number>();
  for (const s of already) perSkill.set(s, (perSkill.get(s) ?? 0) + 1);
  const chosen: Candidate[] = [];
  const taken = new Set<Candidate>();
  for (const tier of tiers) {
    for (const capped of [true, false]) {
      for (const c of tier) {
        if (chosen.length >= count) return chosen;
        if (taken.has(c)) continue;
        const n = perSkill.get(c.skillId) ?? 0;
        if (capped && n >= cap) continue;
        chosen.push(c);
        taken.add(c);
        perSkill.set(c.skillId, n + 1);
      }
    }
  }
  return chosen;
}
