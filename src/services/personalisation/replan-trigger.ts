/**
 * When a learner's path is re-planned by itself (issue 4: "the path is re-planned when the learner
 * runs ahead or falls behind"). Decided after each recorded attempt from what the hot path already
 * has — the path's pending steps, the mastery changes of the skills the attempts touched, and the
 * learner's last attempts — so no attempt pays a query for it, and only the rare attempt that crosses
 * a line pays for a re-plan:
 *
 * - AHEAD: a skill of a pending step has just become mastered (its mastery crossed the goal's
 *   threshold): that step, and any other for the skill, is no longer needed.
 * - BEHIND: the current step (the first pending one) is now out of reach: its skill's mastery — the
 *   model's predicted success on a typical task of it — is below the success band, and either it
 *   has just fallen below the band, or the learner's last BEHIND_FAILURES attempts were failures on
 *   that skill. Once the run of failures is that long, each further failure that leaves it so re-plans
 *   again (the run only grows); between a fall below the band and that length, the path stays. The
 *   re-plan sees the failures (engine plan.ts) and brings an easier task than the ones failed, or a
 *   prerequisite to go back to, or says in the step's reason that neither is left.
 *
 * A path planned by hand (no model version) is never re-planned by itself, and a re-plan keeps the
 * teacher's pinned steps at their positions and leaves skipped tasks out (plan-store.ts).
 */
import { DEFAULT_RECOMMEND_PARAMS } from "../../engine/recommend/index.js";

export enum ReplanReason {
  AHEAD = "AHEAD",
  BEHIND = "BEHIND",
}

/**
 * Consecutive failures on the current step's skill that make a learner "behind" (with mastery below
 * the band): the planner's own count of a struggle, so that the re-plan answers the failures.
 */
export const BEHIND_FAILURES = DEFAULT_RECOMMEND_PARAMS.struggleFailures;

export interface ReplanInput {
  /** The path's pending steps in position order. */
  readonly steps: readonly { readonly skillId: string | null; readonly taskId: string }[];
  readonly masteryThreshold: number;
  /** Mastery of the skills the attempts touched: after, and how much these attempts moved it. */
  readonly changes: readonly { readonly skillId: string; readonly mastery: number; readonly delta: number }[];
  /** The attempts just recorded, oldest first, then the learner's earlier ones, newest first. */
  readonly attempts: readonly { readonly taskId: string; readonly correct: boolean }[];
  readonly prior: readonly { readonly taskId: string; readonly correct: boolean; readonly createdAt: Date }[];
  readonly skillsOfTask: (taskId: string) => readonly string[];
  /** Lower edge of the success band (default: the recommender's). */
  readonly bandLow?: number;
}

export function replanReason(input: ReplanInput): ReplanReason | null {
  if (input.steps.length === 0 || input.changes.length === 0) return null;
  const change = new Map(input.changes.map((c) => [c.skillId, c]));
  const threshold = input.masteryThreshold;
  for (const step of input.steps) {
    const c = step.skillId ? change.get(step.skillId) : undefined;
    if (c && c.mastery - c.delta < threshold && c.mastery >= threshold) return ReplanReason.AHEAD;
  }
  const current = input.steps[0]!;
  const c = current.skillId ? change.get(current.skillId) : undefined;
  const bandLow = input.bandLow ?? DEFAULT_RECOMMEND_PARAMS.bandLow;
  if (!c || c.mastery >= bandLow) return null;
  if (c.mastery - c.delta >= bandLow) return ReplanReason.BEHIND;
  const onSkill = (taskId: string) => input.skillsOfTask(taskId).includes(current.skillId!);
  const last = [...[...input.attempts].reverse(), ...input.prior].slice(0, BEHIND_FAILURES);
  return last.length === BEHIND_FAILURES && last.every((a) => !a.correct && onSkill(a.taskId)) ? ReplanReason.BEHIND : null;
}
