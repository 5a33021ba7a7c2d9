/**
 * The recommendation replay of the audit: each audited learner's state after all their attempts is put
 * through `recommend()` (the 5 tasks they would be offered) and `planPath()` (the plan to their goal,
 * here the whole curriculum), and summarised as the audit reads it (LearnerRecommendations, readiness
 * included).
 */
import { learnerReadiness } from "../../src/engine/fairness/recommendation-replay.js";
import type { LearnerRecommendations } from "../../src/engine/fairness/types.js";
import { type CompiledCurriculum, goalProgress, planPath, type RecommendParams, recommend } from "../../src/engine/recommend/index.js";
import type { KnowledgeModel, LearnerState, Trace } from "../../src/engine/types.js";

export interface ReplayInput {
  readonly model: KnowledgeModel;
  readonly curriculum: CompiledCurriculum;
  /** The audited learners, in learner-index order. */
  readonly sequences: ReadonlyMap<string, readonly Trace[]>;
  /** The learner's state after their attempts. */
  readonly finalState: (learnerId: string, sequence: readonly Trace[]) => LearnerState;
  /** Recommendation parameters per learner index (an injected bias changes a group's band). */
  readonly params?: (learner: number) => Partial<RecommendParams>;
}

export function replayRecommendations(input: ReplayInput): LearnerRecommendations[] {
  const out: LearnerRecommendations[] = [];
  let l = 0;
  for (const [id, seq] of input.sequences) {
    const params = input.params?.(l) ?? {};
    const state = input.finalState(id, seq);
    const newestFirst = seq.slice(-8).reverse();
    const context = { model: input.model, state, curriculum: input.curriculum };
    const recentTaskIds = newestFirst.map((t) => t.taskId);
    const recs = recommend({ ...context, count: 5, recentTaskIds }, params);
    const plan = planPath({ ...context, recentAttempts: newestFirst.map((t) => ({ taskId: t.taskId, correct: t.correct === 1 })) }, params);
    const progress = goalProgress({ plan, now: 0, attemptsPerDay: 1 });
    out.push({
      predictedSuccess: recs.map((r) => r.predictedSuccess),
      goalAdvancingShare: recs.length === 0 ? Number.NaN : recs.filter((r) => r.expectedProgress > 0).length / recs.length,
      attemptsToMastery: progress.attemptsRemaining,
      // with the shared parameters: a group's biased band must not move the strata it is judged within
      readiness: learnerReadiness({ ...context, recentTaskIds }),
    });
    l++;
  }
  return out;
}
