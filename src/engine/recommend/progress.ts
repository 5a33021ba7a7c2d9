/**
 * Goal progress (issue 4 item 4): share of the goal's skills mastered, predicted attempts remaining
 * (from a plan's estimates), and on track against a deadline at the learner's recent pace.
 *
 *   attemptsRemaining = Σ_{k ∈ plan.skills} estimate_k     (CAPPED counts the cap → lowerBound;
 *                                                           NOT_MODELLED 0 → lowerBound; NO_TASKS 0 → BLOCKED)
 *   daysNeeded        = attemptsRemaining / attemptsPerDay  (0 when nothing remains; null at pace 0)
 *   onTrack           = now + daysNeeded ≤ deadline         (null without a deadline; null as well when
 *                       attemptsRemaining is only a lower bound that would meet the deadline: UNCERTAIN)
 *
 * status: ACHIEVED (every goal skill mastered) > BLOCKED (a plan skill has no task to practise) >
 * NO_DEADLINE > ON_TRACK / BEHIND / UNCERTAIN. Time is an argument (`now`); nothing reads a clock.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { GoalProgress, GoalProgressInput, GoalStatusCode } from "./types.js";

const DAY_MS = 86_400_000;

export function goalProgress(input: GoalProgressInput): GoalProgress {
  const { plan, now, attemptsPerDay } = input ?? ({} as GoalProgressInput);
  const deadline = input?.deadline ?? null;
  if (!plan || !Array.isArray(plan.skills)) throw new EngineError(EngineErrorCode.InvalidParameters, "goalProgress: plan is required");
  if (!Number.isFinite(now))
    throw new EngineError(EngineErrorCode.InvalidParameters, `goalProgress: now must be finite epoch ms (got ${String(now)})`);
  if (deadline !== null && !Number.isFinite(deadline))
    throw new EngineError(EngineErrorCode.InvalidParameters, `goalProgress: deadline must be finite epoch ms or null`);
  if (!Number.isFinite(attemptsPerDay) || attemptsPerDay < 0) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `goalProgress: attemptsPerDay must be a finite number ≥ 0 (got ${String(attemptsPerDay)})`,
    );
  }
  const targets = plan.skills.filter((s) => s.target);
  const masteredSkills = targets.filter((s) => s.mastered).length;
  const shareMastered = targets.length === 0 ? 1 : masteredSkills / targets.length;
  let attemptsRemaining = 0;
  let lowerBound = false;
  const blockedSkillIds: string[] = [];
  for (const s of plan.skills) {
    if (s.mastered) continue;
    if (s.status === "NO_TASKS") blockedSkillIds.push(s.skillId);
    else if (s.estimatedAttemptsToMastery === null)
      lowerBound = true; // NOT_MODELLED: no estimate yet
    else attemptsRemaining += s.estimatedAttemptsToMastery;
    if (s.status === "CAPPED") lowerBound = true;
  }
  const achieved = masteredSkills === targets.length;
  const remaining = achieved ? 0 : attemptsRemaining;
  const daysNeeded = remaining === 0 ? 0 : attemptsPerDay > 0 ? remaining / attemptsPerDay : null;
  const projectedCompletionAt = daysNeeded === null ? null : now + daysNeeded * DAY_MS;
  const daysLeft = deadline === null ? null : (deadline - now) / DAY_MS;
  let onTrack: boolean | null = null;
  if (deadline !== null) {
    const fits = blockedSkillIds.length === 0 && projectedCompletionAt !== null && projectedCompletionAt <= deadline;
    onTrack = achieved ? true : fits && lowerBound ? null : fits;
  }
  let status: GoalStatusCode;
  if (achieved) status = "ACHIEVED";
  else if (blockedSkillIds.length > 0) status = "BLOCKED";
  else if (deadline === null) status = "NO_DEADLINE";
  else status = onTrack === null ? "UNCERTAIN" : onTrack ? "ON_TRACK" : "BEHIND";

  const f1 = (x: number) => x.toFixed(1);
  const parts = [`${masteredSkills} of ${targets.length} goal skills mastered`];
  if (!achieved) {
    parts.push(`${lowerBound ? "at least" : "about"} ${Math.round(remaining)} attempts remaining`);
    if (blockedSkillIds.length > 0) parts.push(`${blockedSkillIds.length} skill(s) have no task to practise`);
    if (daysNeeded === null) parts.push("no recent practice to project from");
    else parts.push(`${f1(daysNeeded)} days at ${f1(attemptsPerDay)} attempts a day`);
    const verdict =
      status === "ON_TRACK" ? "on track" : status === "UNCERTAIN" ? "possibly on track (some estimates are lower bounds)" : "behind";
    if (daysLeft !== null) parts.push(`${verdict}: ${daysLeft >= 0 ? `${f1(daysLeft)} days left` : "the deadline has passed"}`);
  }
  return {
    targetSkills: targets.length,
    masteredSkills,
    shareMastered,
    attemptsRemaining: remaining,
    lowerBound: !achieved && lowerBound,
    blockedSkillIds: achieved ? [] : blockedSkillIds,
    daysNeeded,
    projectedCompletionAt,
    deadline,
    daysLeft,
    onTrack,
    status,
    explanation: parts.join("; "),
  };
}
