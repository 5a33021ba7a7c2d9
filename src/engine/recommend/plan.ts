/**
 * Learning-path planning (issue 4 item 4): the goal's skills and their unmastered prerequisites in DAG
 * order, one task per step chosen like `recommend` chooses, and the model's estimate of attempts to
 * mastery per skill.
 *
 * The estimate is a deterministic roll-out of the model itself. Skills are visited in topological order
 * and the simulated state is carried from one skill to the next (a dependent is estimated as the learner
 * will be after its prerequisites' steps). For a skill k with step task i, starting from state s:
 *
 *   repeat n = 1, 2, …, cap:
 *     p_n = model.predict(s, i)
 *     c  += p_n;  y_n = 1 if c ≥ ½ else 0;  c −= y_n        (c starts at 0)
 *     s   = model.update(s, {task i, correct y_n})
 *     stop when model.mastery(s, [k]).p ≥ τ                   → n attempts
 *   not reached after cap (params.maxAttemptsToMastery)      → cap, status CAPPED (a lower bound)
 *
 * Early stop (speed; a plan over many skills must stay within the API's budget): from n = 10 on, every
 * 5 attempts, the slope of logit(mastery) over the last 10 attempts is extrapolated linearly; when even
 * that cannot reach logit(τ) by the cap (slope ≤ 0, or n + (logit τ − logit m_n)/slope > cap) the skill
 * is reported CAPPED at once. Mastery curves flatten with practice, so the extrapolation is optimistic
 * and the early stop only cuts roll-outs that would hit the cap anyway.
 *
 * The outcomes are the expected outcomes made binary by error diffusion: after n attempts the simulated
 * number of successes is Σ p_n rounded, so the learner succeeds exactly as often as the model predicts,
 * deterministically (no seed). A model whose online update is an unbiased estimate with no practice
 * effect (Elo, IRT) expects mastery to stay where it is, hence CAPPED; models with practice effects
 * (PFA, Best-LR, BKT's learning rate, Meta) expect learning and give finite estimates.
 *
 * The step's task for skill k: the candidates of k (not skipped, not already a step, out of the repeat
 * window when possible) ranked as the "zpd" strategy ranks them at the simulated state (in the band
 * first, interests among in-band tasks, closeness to the band's target). The prerequisite gate does not
 * apply: a path orders the prerequisites before their dependents instead. Pinned tasks come first, in
 * the teacher's order; skipped tasks never appear.
 *
 * Recent failures (input.recentAttempts, newest first; only the trailing run of failures counts, a
 * success ends it). A task just failed is not a skill's step while another task of the skill is left.
 * A skill failed params.struggleFailures times or more in a row (the learner is struggling; what makes a
 * path BEHIND) gets, in this order:
 *   1. EASIER: the best-ranked task predicted easier than every task just failed (p above theirs at
 *      the same simulated state);
 *   2. PREREQUISITE_REVIEW: when no task is easier and no prerequisite of the skill is in the plan
 *      already (an unmastered one is a step before it anyway), a step on its least-mastered direct
 *      prerequisite, put just before the skill's own step: going back one level;
 *   3. NO_EASIER: neither exists; another task than the ones failed when there is one, and the
 *      explanation says that nothing easier is left.
 * The step's explanation says which (the stored path step's reason is that sentence).
 */
import { buildContext, focusOf, isMastered, type LearnerContext } from "./context.js";
import type { CompiledTask } from "./curriculum.js";
import { buildReason, explain, inBand, matchedInterests } from "./explain.js";
import { hypotheticalTrace, masteryView, readMastery, readPredictions, tasksOf } from "./learner-view.js";
import { workingCopyOf } from "../replay.js";
import { clampProbability, logit } from "../math.js";
import { resolveRecommendParams, type RecommendParams } from "./params.js";
import type { EstimateStatus, FailureResponse, LearningPlan, PlanInput, PlanSkill, PlanStep } from "./types.js";
import type { LearnerState } from "../types.js";
import { EngineError, EngineErrorCode, isEngineError } from "../errors.js";

const EXTRAPOLATION_WINDOW = 10;
const f2 = (x: number): string => x.toFixed(2);
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface RolloutResult {
  /** null: the model cannot simulate the task (it does not know it). */
  readonly attempts: number | null;
  readonly status: EstimateStatus;
  readonly state: LearnerState;
}

/** `f()`, or null when the model does not know the task or skill it was asked about. */
const unlessUnknown = <T>(f: () => T): T | null => {
  try {
    return f();
  } catch (e) {
    if (isEngineError(e) && (e.code === EngineErrorCode.UnknownTask || e.code === EngineErrorCode.UnknownSkill)) return null;
    throw e;
  }
};

/**
 * The roll-out described in the file comment, for one skill and its step task. The simulated attempts
 * go to a working copy of the state (KnowledgeModel.workingCopy: the fold of `update`, without a new
 * state per attempt for a model that has one).
 */
export function rolloutToMastery(ctx: LearnerContext, start: LearnerState, skillId: string, taskId: string): RolloutResult {
  const before = readMastery(ctx.model, start, [skillId]).get(skillId)!;
  if (before.p >= ctx.threshold) return { attempts: 0, status: "ESTIMATED", state: start };
  const copy = workingCopyOf(ctx.model, start);
  const masteryNow = () => masteryView((ids) => copy.mastery(ids), [skillId]).get(skillId)!;
  let credit = 0;
  const cap = ctx.params.maxAttemptsToMastery;
  const goal = logit(ctx.threshold);
  const history: number[] = [logit(before.p)];
  const notModelled: RolloutResult = { attempts: null, status: "NOT_MODELLED", state: start };
  for (let n = 1; n <= cap; n++) {
    const p = unlessUnknown(() => clampProbability(copy.predict(taskId)));
    if (p === null) return notModelled;
    credit += p;
    const y: 0 | 1 = credit >= 0.5 ? 1 : 0;
    credit -= y;
    if (unlessUnknown(() => copy.update(hypotheticalTrace(taskId, y, ctx.now))) === null) return notModelled;
    const m = masteryNow();
    if (m.known && m.p >= ctx.threshold) return { attempts: n, status: "ESTIMATED", state: copy.state() };
    if (!m.known) return notModelled;
    history.push(logit(m.p));
    if (n >= EXTRAPOLATION_WINDOW && n % 5 === 0) {
      const slope = (history[n]! - history[n - EXTRAPOLATION_WINDOW]!) / EXTRAPOLATION_WINDOW;
      if (!(slope > 0) || n + (goal - history[n]!) / slope > cap) return { attempts: cap, status: "CAPPED", state: copy.state() };
    }
  }
  return { attempts: ctx.params.maxAttemptsToMastery, status: "CAPPED", state: copy.state() };
}

interface Choice {
  readonly task: CompiledTask;
  readonly p: number;
  readonly calibrated: boolean;
}

/** Ranks a skill's candidate tasks at `state` like the "zpd" strategy does; best first. */
function rankForSkill(ctx: LearnerContext, state: LearnerState, tasks: readonly CompiledTask[]): Choice[] {
  const mastery = readMastery(
    ctx.model,
    state,
    [...new Set(tasks.flatMap((t) => t.skills.map((q) => q.skillId)))].filter((id) => ctx.curriculum.skills.has(id)),
  );
  const { p, known } = readPredictions(ctx.model, state, tasks, (id) => mastery.get(id));
  const target = ctx.params.bandTarget;
  const rows = tasks.map((task, i) => ({ task, p: p[i]!, calibrated: known[i] === 1, interest: matchedInterests(ctx, task).length }));
  const key = (r: (typeof rows)[number]) => (inBand(ctx, r.p) ? 0 : 1);
  rows.sort((a, b) => {
    const ka = key(a),
      kb = key(b);
    if (ka !== kb) return ka - kb;
    const d = Math.abs(a.p - target) - Math.abs(b.p - target);
    const i = b.interest - a.interest;
    return (ka === 0 ? i || d : d || i) || byId(a.task.taskId, b.task.taskId);
  });
  return rows;
}

/** Plans the learning path of a goal (see the file comment). Never NaN. */
export function planPath(input: PlanInput, params: Partial<RecommendParams> = {}): LearningPlan {
  const p = resolveRecommendParams(params);
  const ctx = buildContext(input, p);
  const focus = focusOf(ctx, true);
  const planSkillIds = ctx.curriculum.order.filter((id) => ctx.targetSet.has(id) || focus.set.has(id));

  const failures = trailingFailures(ctx, input.recentAttempts);
  const justFailed = new Set(failures.map((t) => t.taskId));
  const planned = new Set(planSkillIds);
  const used = new Set<string>(ctx.pinned);
  const skills: PlanSkill[] = [];
  const skillSteps: PlanStep[] = [];
  const estimates = new Map<string, number | null>();
  let state = ctx.state;

  for (const skillId of planSkillIds) {
    const name = ctx.curriculum.skills.get(skillId)!.name;
    const now = ctx.mastery.get(skillId)!;
    const target = ctx.targetSet.has(skillId);
    if (isMastered(ctx, skillId)) {
      skills.push({ skillId, name, mastery: now.p, mastered: true, target, estimatedAttemptsToMastery: 0, status: "MASTERED" });
      estimates.set(skillId, 0);
      continue;
    }
    const open = tasksOf(ctx.curriculum, skillId).filter((t) => !ctx.skipped.has(t.taskId) && !used.has(t.taskId));
    // A task just failed is not the step while another task of the skill is left.
    const untried = open.filter((t) => !justFailed.has(t.taskId));
    const all = untried.length > 0 ? untried : open;
    const fresh = all.filter((t) => !ctx.recent.has(t.taskId));
    const ranked = rankForSkill(ctx, state, fresh.length > 0 ? fresh : all);
    let choice = ranked[0];
    // The learner's failures on this skill (the trailing run), and the answer to them.
    const failedHere = failures.filter((t) => t.skills.some((q) => q.skillId === skillId));
    let response: { kind: FailureResponse; note: string } | null = null;
    let review: PlanStep | null = null;
    if (choice && failedHere.length > 0) {
      const failedP = Math.max(...readPredictions(ctx.model, state, [...new Set(failedHere)], (id) => ctx.mastery.get(id)).p);
      const what = `after ${failedHere.length} failed attempt${failedHere.length === 1 ? "" : "s"} in a row on ${name}`;
      const easier = ranked.find((r) => r.p > failedP);
      if (failedHere.length < p.struggleFailures) {
        if (!justFailed.has(choice.task.taskId)) response = { kind: "OTHER_TASK", note: `${what}: another task than the one failed` };
      } else if (easier) {
        choice = easier;
        response = {
          kind: "EASIER",
          note: `${what}: an easier task (predicted success ${f2(easier.p)} against ${f2(failedP)} on the task${pluralOfTasks(failedHere)} failed)`,
        };
      } else {
        const skill = ctx.curriculum.skills.get(skillId)!;
        const before = skill.prerequisites.find((pre) => planned.has(pre) && !isMastered(ctx, pre));
        review = before ? null : reviewStep(ctx, focus, state, skillId, used);
        if (before) {
          response = {
            kind: "PREREQUISITE_REVIEW",
            note: `${what}: no easier task is left; its prerequisite ${ctx.curriculum.skills.get(before)!.name} comes first in this plan`,
          };
        } else if (review) {
          response = {
            kind: "PREREQUISITE_REVIEW",
            note: `${what}: no easier task is left; first a review of its prerequisite ${ctx.curriculum.skills.get(review.skillId)!.name}`,
          };
        } else {
          response = {
            kind: "NO_EASIER",
            note: `${what}: no easier task is left and ${skill.prerequisites.length === 0 ? "it has no prerequisite" : "no prerequisite task is left"} to go back to${justFailed.has(choice.task.taskId) ? "" : "; another task than the one failed"}`,
          };
        }
      }
    }
    if (!choice) {
      skills.push({ skillId, name, mastery: now.p, mastered: false, target, estimatedAttemptsToMastery: null, status: "NO_TASKS" });
      estimates.set(skillId, null);
      continue;
    }
    // Simulate on the step's task, or on the best task the model knows when it does not know that one.
    const simulated = choice.calibrated ? choice : ranked.find((r) => r.calibrated);
    const roll = simulated
      ? rolloutToMastery(ctx, state, skillId, simulated.task.taskId)
      : { attempts: null, status: "NOT_MODELLED" as const, state };
    state = roll.state;
    estimates.set(skillId, roll.attempts);
    skills.push({ skillId, name, mastery: now.p, mastered: false, target, estimatedAttemptsToMastery: roll.attempts, status: roll.status });
    used.add(choice.task.taskId);
    if (review) {
      used.add(review.taskId);
      skillSteps.push({
        ...review,
        afterFailures: { response: "PREREQUISITE_REVIEW", failures: failedHere.length, failedSkillId: skillId },
      });
    }

    const pNow = readPredictions(ctx.model, ctx.state, [choice.task], (id) => ctx.mastery.get(id)).p[0]!;
    const reason = buildReason(ctx, focus, {
      task: choice.task,
      skillId,
      predictedSuccess: choice.p,
      calibrated: choice.calibrated,
      strategy: "zpd",
      pinned: false,
    });
    const note =
      skillSteps.length > 0 && Math.abs(pNow - choice.p) >= 0.005 ? `once the earlier steps are done (now ${f2(pNow)})` : undefined;
    skillSteps.push({
      skillId,
      taskId: choice.task.taskId,
      ...(response ? { afterFailures: { response: response.kind, failures: failedHere.length, failedSkillId: skillId } } : {}),
      reason,
      explanation: `${response ? `${response.note}; ` : ""}${explain(reason, note)}; ${attemptsPhrase(roll.attempts, roll.status, p.maxAttemptsToMastery)}`,
      estimatedAttemptsToMastery: roll.attempts,
      plannedSuccess: choice.p,
    });
  }

  // Pinned tasks first, in the teacher's order.
  const pinnedTasks = ctx.pinned.map((id) => ctx.curriculum.tasks.get(id)!);
  const pinnedPreds = readPredictions(ctx.model, ctx.state, pinnedTasks, (id) => ctx.mastery.get(id));
  const pinnedSteps: PlanStep[] = pinnedTasks.map((task, i) => {
    const skillId = task.skillId!;
    const estimate = estimates.has(skillId) ? estimates.get(skillId)! : isMastered(ctx, skillId) ? 0 : null;
    const reason = buildReason(ctx, focus, {
      task,
      skillId,
      predictedSuccess: pinnedPreds.p[i]!,
      calibrated: pinnedPreds.known[i] === 1,
      strategy: "zpd",
      pinned: true,
    });
    return {
      skillId,
      taskId: task.taskId,
      reason,
      explanation: explain(reason),
      estimatedAttemptsToMastery: estimate,
      plannedSuccess: pinnedPreds.p[i]!,
    };
  });
  return { steps: [...pinnedSteps, ...skillSteps], skills, masteryThreshold: ctx.threshold };
}

/** "s" when the failures were on more than one task. */
const pluralOfTasks = (failed: readonly CompiledTask[]): string => (new Set(failed).size === 1 ? "" : "s");

/** The trailing run of failed attempts (newest first, up to the first success), on tasks the curriculum knows. */
function trailingFailures(ctx: LearnerContext, attempts: PlanInput["recentAttempts"]): CompiledTask[] {
  const out: CompiledTask[] = [];
  for (const a of attempts ?? []) {
    if (!a || typeof a.taskId !== "string")
      throw new EngineError(EngineErrorCode.InvalidParameters, "planPath: recentAttempts must be a list of { taskId, correct }");
    if (a.correct) break;
    const task = ctx.curriculum.tasks.get(a.taskId);
    if (task) out.push(task);
  }
  return out;
}

/**
 * A review step on the least-mastered direct prerequisite of `skillId` that has a task left (ranked at
 * `state` like any step), or null when the skill has none.
 */
function reviewStep(
  ctx: LearnerContext,
  focus: ReturnType<typeof focusOf>,
  state: LearnerState,
  skillId: string,
  used: ReadonlySet<string>,
): PlanStep | null {
  const pres = [...ctx.curriculum.skills.get(skillId)!.prerequisites].sort(
    (a, b) => ctx.mastery.get(a)!.p - ctx.mastery.get(b)!.p || byId(a, b),
  );
  for (const pre of pres) {
    const open = tasksOf(ctx.curriculum, pre).filter((t) => !ctx.skipped.has(t.taskId) && !used.has(t.taskId));
    const fresh = open.filter((t) => !ctx.recent.has(t.taskId));
    const best = rankForSkill(ctx, state, fresh.length > 0 ? fresh : open)[0];
    if (!best) continue;
    const reason = buildReason(ctx, focus, {
      task: best.task,
      skillId: pre,
      predictedSuccess: best.p,
      calibrated: best.calibrated,
      strategy: "zpd",
      pinned: false,
    });
    const name = ctx.curriculum.skills.get(skillId)!.name;
    return {
      skillId: pre,
      taskId: best.task.taskId,
      reason,
      explanation: `review before ${name} (no easier task of it is left after the failures on it); ${explain(reason)}`,
      estimatedAttemptsToMastery: isMastered(ctx, pre) ? 0 : null,
      plannedSuccess: best.p,
    };
  }
  return null;
}

function attemptsPhrase(attempts: number | null, status: EstimateStatus, cap: number): string {
  if (status === "CAPPED") return `mastery not reached within ${cap} simulated attempts (the model expects slow progress)`;
  if (status === "NOT_MODELLED" || attempts === null)
    return "no estimate of attempts to mastery yet (the model has not seen this skill's tasks)";
  if (attempts === 0) return "expected to be mastered through the earlier steps";
  return `about ${attempts} attempt${attempts === 1 ? "" : "s"} to mastery`;
}
