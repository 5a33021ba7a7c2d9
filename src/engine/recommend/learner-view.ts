/**
 * What the model says about one learner, read defensively: skills or tasks the fitted model does not
 * know (added to the curriculum after training) never make recommendation throw or answer NaN.
 *
 * - Mastery of a skill the model does not know: p = 0.5, sd = 0.5, 0 attempts, `known: false`. Unknown
 *   skills never block a dependent (there is no evidence either way).
 * - Predicted success of a task the model does not know: the Q-weighted mean of its skills' mastery
 *   (mastery is P(correct) on a typical task of the skill, the natural prior for an uncalibrated task);
 *   0.5 when none of its skills is known.
 * - Every probability is passed through `clampProbability` (NaN → 0.5).
 *
 * Only UNKNOWN_TASK / UNKNOWN_SKILL errors are absorbed; anything else (e.g. STATE_MISMATCH: a state
 * of another model) is a caller's bug and propagates.
 */
import { EngineErrorCode, isEngineError } from "../errors.js";
import { clampProbability } from "../math.js";
import type { KnowledgeModel, LearnerState, SkillMastery, Trace } from "../types.js";
import type { CompiledCurriculum, CompiledTask } from "./curriculum.js";

export interface SkillView extends SkillMastery {
  /** False when the model does not know the skill (see the fallback above). */
  readonly known: boolean;
}

const isUnknown = (e: unknown): boolean =>
  isEngineError(e) && (e.code === EngineErrorCode.UnknownSkill || e.code === EngineErrorCode.UnknownTask);

const finite = (x: number, fallback: number): number => (Number.isFinite(x) ? x : fallback);

/** The learner id put on hypothetical traces (never stored). */
export const HYPOTHETICAL_LEARNER = "__hypothetical__";

/** Mastery of `skillIds` under `state`, with the documented fallback for unknown skills. */
export function readMastery(model: KnowledgeModel, state: LearnerState, skillIds: readonly string[]): Map<string, SkillView> {
  return masteryView((ids) => model.mastery(state, ids), skillIds);
}

/** `readMastery` from any reader of mastery (a state's, or a working copy's: KnowledgeModel.workingCopy). */
export function masteryView(mastery: (skillIds: readonly string[]) => SkillMastery[], skillIds: readonly string[]): Map<string, SkillView> {
  const out = new Map<string, SkillView>();
  if (skillIds.length === 0) return out;
  const put = (m: SkillMastery) =>
    out.set(m.skillId, {
      skillId: m.skillId,
      p: clampProbability(m.p),
      sd: Math.max(0, finite(m.sd, 0.5)),
      attempts: Math.max(0, finite(m.attempts, 0)),
      known: true,
    });
  try {
    for (const m of mastery(skillIds)) put(m);
  } catch (e) {
    if (!isUnknown(e)) throw e;
    for (const id of skillIds) {
      try {
        const [m] = mastery([id]);
        if (m) put(m);
      } catch (inner) {
        if (!isUnknown(inner)) throw inner;
      }
    }
  }
  for (const id of skillIds) if (!out.has(id)) out.set(id, { skillId: id, p: 0.5, sd: 0.5, attempts: 0, known: false });
  return out;
}

/** Predicted success for tasks, with the documented fallback; `known` tells which the model calibrated. */
export function readPredictions(
  model: KnowledgeModel,
  state: LearnerState,
  tasks: readonly CompiledTask[],
  mastery: (skillId: string) => SkillView | undefined,
): { p: Float64Array; known: Uint8Array } {
  const p = new Float64Array(tasks.length);
  const known = new Uint8Array(tasks.length).fill(1);
  if (tasks.length === 0) return { p, known };
  try {
    const all = model.predictMany(
      state,
      tasks.map((t) => t.taskId),
    );
    for (let i = 0; i < tasks.length; i++) p[i] = clampProbability(all[i]!);
    return { p, known };
  } catch (e) {
    if (!isUnknown(e)) throw e;
  }
  for (let i = 0; i < tasks.length; i++) {
    try {
      p[i] = clampProbability(model.predict(state, tasks[i]!.taskId));
    } catch (e) {
      if (!isUnknown(e)) throw e;
      known[i] = 0;
      p[i] = fallbackPrediction(tasks[i]!, mastery);
    }
  }
  return { p, known };
}

/** Q-weighted mean of the task's known skills' mastery; 0.5 when none is known. */
export function fallbackPrediction(task: CompiledTask, mastery: (skillId: string) => SkillView | undefined): number {
  let s = 0,
    w = 0;
  for (const q of task.skills) {
    const m = mastery(q.skillId);
    if (m?.known && Number.isFinite(q.weight) && q.weight > 0) {
      s += q.weight * m.p;
      w += q.weight;
    }
  }
  return w > 0 ? clampProbability(s / w) : 0.5;
}

/** A hypothetical attempt (never stored), at `at` when given. */
export const hypotheticalTrace = (taskId: string, correct: 0 | 1, at?: number): Trace =>
  at === undefined ? { learnerId: HYPOTHETICAL_LEARNER, taskId, correct } : { learnerId: HYPOTHETICAL_LEARNER, taskId, correct, at };

/** The state after a hypothetical attempt, or null when the model does not know the task. */
export function tryUpdate(model: KnowledgeModel, state: LearnerState, taskId: string, correct: 0 | 1, at?: number): LearnerState | null {
  try {
    return model.update(state, hypotheticalTrace(taskId, correct, at));
  } catch (e) {
    if (!isUnknown(e)) throw e;
    return null;
  }
}

/** The tasks serving one skill (empty when none). */
export function tasksOf(curriculum: CompiledCurriculum, skillId: string): readonly CompiledTask[] {
  return curriculum.tasksBySkill.get(skillId) ?? [];
}

/**
 * Expected progress toward the goal of one attempt at `task` (what `Recommendation.expectedProgress` is):
 *
 *   EP = Σ_{k ∈ skills(task) ∩ relevant} max(0, min(p · m_k⁺ + (1 − p) · m_k⁻, τ) − min(m_k, τ))
 *
 * with p the predicted success, m_k the skill's mastery now, m_k⁺ / m_k⁻ its mastery after a
 * hypothetical correct / incorrect attempt (`model.update`), τ the mastery threshold, and `relevant` the
 * goal's skills and their unmastered prerequisites. Mastery above τ earns nothing (the goal asks for τ).
 *
 * Never negative. The change of mastery is the change of the model's *estimate*: after a failure it is
 * revised down, but an attempt unlearns nothing. Under a coherent model the estimate's expected
 * revision is zero and what remains is the learning the model expects (PFA's and BKT's practice
 * effects, Meta's); what made the former formula negative was not learning but artefacts — the cap at
 * τ taken inside the expectation (a concave cut: near τ the success's gain was cut, the failure's loss
 * not), the curvature of mastery (a logistic of an ability: Elo, IRT) and task predictions harder than
 * the skill's typical task (PFA's failures weigh more). So the cap is applied to the expected mastery,
 * and a skill the model expects no learning on counts 0: a recommendation never promises negative
 * progress. 0 for a task the model does not know.
 */
export function expectedProgress(
  model: KnowledgeModel,
  state: LearnerState,
  task: CompiledTask,
  p: number,
  relevant: ReadonlySet<string>,
  threshold: number,
  now: ReadonlyMap<string, SkillView>,
  at?: number,
): number {
  const skills = [...new Set(task.skills.map((q) => q.skillId))].filter((k) => relevant.has(k) && now.get(k)?.known);
  if (skills.length === 0) return 0;
  const up = tryUpdate(model, state, task.taskId, 1, at);
  const down = tryUpdate(model, state, task.taskId, 0, at);
  if (!up || !down) return 0;
  const mUp = readMastery(model, up, skills),
    mDown = readMastery(model, down, skills);
  let ep = 0;
  for (const k of skills) {
    const expected = p * mUp.get(k)!.p + (1 - p) * mDown.get(k)!.p;
    ep += Math.max(0, Math.min(expected, threshold) - Math.min(now.get(k)!.p, threshold));
  }
  return Math.max(0, finite(ep, 0));
}
