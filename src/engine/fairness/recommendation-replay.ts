/**
 * Recommendation parity's inputs: each held-out learner replayed through the recommender as the live
 * system would serve them after their last attempt — the model's state after their history, their
 * goal, their recent tasks — and what they were offered: the predicted success of each recommended task,
 * the share that advance the goal (expected progress > 0: a goal skill or an unmastered prerequisite of
 * one), the planned attempts to reach the goal (the plan's estimate: `goalProgress`'s attemptsRemaining,
 * NaN when the plan gives none), and their readiness (`learnerReadiness`), the state the recommendation
 * parity checks condition on.
 *
 * Nothing here knows a learner's group: the audit groups the outcomes afterwards.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import {
  candidatePredictions,
  compileCurriculum,
  goalProgress,
  planPath,
  recommend,
  type RecommendInput,
  type RecommendParams,
} from "../recommend/index.js";
import type { CompiledCurriculum, CurriculumGraph } from "../recommend/curriculum.js";
import type { RecommendStrategy } from "../recommend/types.js";
import type { KnowledgeModel, LearnerState, Trace } from "../types.js";
import type { LearnerRecommendations } from "./types.js";

export interface ReplayGoal {
  readonly skillIds: readonly string[];
  readonly masteryThreshold?: number;
}

export interface RecommendationReplayInput {
  readonly model: KnowledgeModel;
  readonly curriculum: CurriculumGraph | CompiledCurriculum;
  /** The held-out learners' traces, in the order the audit indexes them (as predictSequences iterates). */
  readonly sequences: ReadonlyMap<string, readonly Trace[]>;
  /** Each learner's goal; absent: every skill of the curriculum. */
  readonly goals?: ReadonlyMap<string, ReplayGoal>;
  /** Tasks recommended per learner (default 5). */
  readonly count?: number;
  readonly strategy?: RecommendStrategy;
  readonly params?: Partial<RecommendParams>;
  /** Epoch ms for the plan's hypothetical traces. */
  readonly now: number;
  /**
   * A per-learner override of the recommender's parameters (benchmarks inject a biased recommender
   * this way); the product never passes one. Readiness is computed with `params` alone.
   */
  readonly paramsFor?: (learnerId: string) => Partial<RecommendParams> | undefined;
}

/**
 * A learner's readiness: the mean predicted success of every task the recommender could choose for them
 * (`candidatePredictions`); NaN when there is none. Pass the recommender's shared parameters, never a
 * per-learner override: readiness stands for the learner's state, and an override is the recommender's
 * doing (an injected bias must not move the strata it is judged within).
 */
export function learnerReadiness(context: RecommendInput, params: Partial<RecommendParams> = {}): number {
  const p = candidatePredictions(context, params);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i]!;
  return p.length === 0 ? Number.NaN : sum / p.length;
}

const isUnknown = (e: unknown) =>
  e instanceof EngineError && (e.code === EngineErrorCode.UnknownTask || e.code === EngineErrorCode.UnknownSkill);

/** One entry per learner, in the iteration order of `sequences`; null for a learner the recommender offers nothing. */
export function replayRecommendations(input: RecommendationReplayInput): (LearnerRecommendations | null)[] {
  const curriculum = compileCurriculum(input.curriculum);
  const known = new Map<string, boolean>();
  const probe = input.model.initialState();
  const knows = (taskId: string) => {
    let k = known.get(taskId);
    if (k === undefined) {
      try {
        input.model.predict(probe, taskId);
        k = true;
      } catch (e) {
        if (!isUnknown(e)) throw e;
        k = false;
      }
      known.set(taskId, k);
    }
    return k;
  };
  const out: (LearnerRecommendations | null)[] = [];
  for (const [learnerId, seq] of input.sequences) {
    const history = seq.filter((t) => knows(t.taskId));
    // replay: the fold of update over the history, on one working copy (KnowledgeModel.replay).
    const state: LearnerState = input.model.replay(input.model.initialState(), history);
    const recent = history.map((t) => t.taskId);
    const recentAttempts = history.slice(-10).map((t) => ({ taskId: t.taskId, correct: t.correct === 1 }));
    const goal = input.goals?.get(learnerId);
    const context = {
      model: input.model,
      state,
      curriculum,
      targetSkillIds: goal?.skillIds,
      masteryThreshold: goal?.masteryThreshold,
      recentTaskIds: recent.slice(-20).reverse(),
      now: input.now,
    };
    const params = { ...input.params, ...input.paramsFor?.(learnerId) };
    const strategy = input.strategy ?? "zpd";
    const recs = recommend({ ...context, count: input.count ?? 5, strategy }, params);
    if (recs.length === 0) {
      out.push(null);
      continue;
    }
    const plan = planPath({ ...context, recentAttempts: recentAttempts.reverse() }, params);
    const progress = goalProgress({ plan, now: input.now, attemptsPerDay: 1 });
    out.push({
      predictedSuccess: recs.map((r) => r.predictedSuccess),
      goalAdvancingShare: recs.filter((r) => r.expectedProgress > 0).length / recs.length,
      attemptsToMastery: progress.lowerBound && progress.attemptsRemaining === 0 ? Number.NaN : progress.attemptsRemaining,
      readiness: learnerReadiness({ ...context, strategy }, input.params),
    });
  }
  return out;
}
