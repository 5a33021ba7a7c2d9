/**
 * Every automated recommendation can say why: the structured reason (which skill, which
 * prerequisites, which probability) and one readable sentence built from it, e.g.
 * "practises Ratios, mastery 0.42; its prerequisite Equivalent fractions is mastered (0.86); predicted
 * success 0.74, in the target band 0.65–0.85".
 */
import type { LearnerContext, Focus } from "./context.js";
import type { CompiledTask } from "./curriculum.js";
import type { ReasonCode, RecommendStrategy, RecommendationReason, PrerequisiteStatus } from "./types.js";

const f2 = (x: number): string => x.toFixed(2);
/**
 * Mastery is shown truncated, not rounded, so that a skill just under the threshold never reads as the
 * threshold itself ("0.80, not yet mastered" for 0.7996 would contradict itself).
 */
const m2 = (x: number): string => (Math.floor(x * 100 + 1e-9) / 100).toFixed(2);

export interface ReasonFacts {
  readonly task: CompiledTask;
  readonly skillId: string;
  readonly predictedSuccess: number;
  readonly calibrated: boolean;
  readonly strategy: RecommendStrategy;
  readonly pinned: boolean;
}

export function inBand(ctx: LearnerContext, p: number): boolean {
  return p >= ctx.params.bandLow && p <= ctx.params.bandHigh;
}

export function matchedInterests(ctx: LearnerContext, task: CompiledTask): string[] {
  return ctx.interests.size === 0 ? [] : [...new Set(task.topics)].filter((t) => ctx.interests.has(t));
}

export function buildReason(ctx: LearnerContext, focus: Focus, facts: ReasonFacts): RecommendationReason {
  const { curriculum, params } = ctx;
  const skill = curriculum.skills.get(facts.skillId)!;
  const m = ctx.mastery.get(facts.skillId)!;
  const prerequisites: PrerequisiteStatus[] = skill.prerequisites.map((pre) => {
    const pm = ctx.mastery.get(pre)!;
    return { skillId: pre, name: curriculum.skills.get(pre)!.name, mastery: pm.p, mastered: pm.p >= ctx.threshold };
  });
  const role = ctx.targetSet.has(facts.skillId) ? "TARGET" : "PREREQUISITE";
  const prerequisiteOf =
    role === "PREREQUISITE"
      ? (focus.neededBy.get(facts.skillId) ?? []).map((id) => ({ skillId: id, name: curriculum.skills.get(id)!.name }))
      : [];
  const within = inBand(ctx, facts.predictedSuccess);
  let code: ReasonCode;
  if (facts.pinned) code = "PINNED";
  else if (facts.strategy === "curriculum") code = "CURRICULUM_ORDER";
  else if (focus.review) code = "REVIEW";
  else if (facts.strategy === "lowest-mastery") code = "LOWEST_MASTERY";
  else if (role === "PREREQUISITE") code = "PREREQUISITE_GAP";
  else code = within ? "IN_BAND" : "CLOSEST_TO_BAND";
  return {
    code,
    strategy: facts.strategy,
    skillId: facts.skillId,
    skillName: skill.name,
    mastery: m.p,
    masterySd: m.sd,
    mastered: m.p >= ctx.threshold,
    role,
    prerequisiteOf,
    prerequisites,
    predictedSuccess: facts.predictedSuccess,
    band: { low: params.bandLow, high: params.bandHigh, target: params.bandTarget },
    inBand: within,
    matchedInterests: matchedInterests(ctx, facts.task),
    calibrated: facts.calibrated,
  };
}

const list = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;

function prerequisitePhrase(pres: readonly PrerequisiteStatus[]): string {
  if (pres.length === 0) return "it has no prerequisites";
  const done = pres.filter((p) => p.mastered),
    open = pres.filter((p) => !p.mastered);
  const describe = (ps: readonly PrerequisiteStatus[]) => list(ps.map((p) => `${p.name} (${m2(p.mastery)})`));
  const parts: string[] = [];
  if (done.length > 0) parts.push(`${describe(done)} ${done.length === 1 ? "is" : "are"} mastered`);
  if (open.length > 0) parts.push(`${describe(open)} ${open.length === 1 ? "is" : "are"} not yet mastered`);
  return `its prerequisite${pres.length === 1 ? "" : "s"} ${parts.join(", while ")}`;
}

/**
 * The readable sentence of a reason. `successNote` is appended right after the predicted success (path
 * steps say there what the success is now, before the earlier steps).
 */
export function explain(reason: RecommendationReason, successNote?: string): string {
  const parts: string[] = [];
  let head = `practises ${reason.skillName}, mastery ${m2(reason.mastery)}`;
  if (reason.code === "PINNED") head = `pinned by a teacher; ${head}`;
  if (reason.role === "PREREQUISITE" && reason.prerequisiteOf.length > 0) {
    head += ` (not yet mastered, needed for ${list(reason.prerequisiteOf.map((s) => s.name))})`;
  }
  parts.push(head);
  parts.push(prerequisitePhrase(reason.prerequisites));
  const { low, high } = reason.band;
  let success = `predicted success ${f2(reason.predictedSuccess)}`;
  if (successNote) success += ` ${successNote}`;
  if (!reason.calibrated) success += " (estimated from the skill's mastery: the model has not seen this task)";
  if (reason.strategy === "zpd" && reason.code !== "PINNED") {
    success += reason.inBand
      ? `, in the target band ${f2(low)}–${f2(high)}`
      : `, ${reason.predictedSuccess < low ? "below" : "above"} the target band ${f2(low)}–${f2(high)} (the closest available)`;
  }
  parts.push(success);
  if (reason.code === "POLICY" && reason.policy) {
    const c = reason.policy;
    parts.push(
      c.drawn
        ? `chosen by the learned sequencing policy (drawn with probability ${f2(c.probability)} among ${c.candidates} candidates): ${c.aim}`
        : `the learned sequencing policy's next choice after the first (probability ${f2(c.probability)} among ${c.candidates} candidates): ${c.aim}`,
    );
  }
  if (reason.code === "LOWEST_MASTERY") parts.push("chosen as the least-mastered skill that can be worked on now");
  if (reason.code === "CURRICULUM_ORDER") parts.push("next in the curriculum's prerequisite order (not personalised)");
  if (reason.code === "REVIEW") parts.push("every goal skill is already mastered: review");
  if (reason.matchedInterests.length > 0) parts.push(`matches the learner's interest in ${list(reason.matchedInterests)}`);
  return parts.join("; ");
}
