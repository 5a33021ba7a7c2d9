/**
 * Reads and checks a recommendation / planning input once: the compiled curriculum, τ, the target
 * skills, mastery of every skill, the focus set, and the overrides. Shared by `recommend` and `planPath`
 * so that both apply the same rules.
 *
 * Focus set (the skills worth working on), in topological order:
 *   personalised: every unmastered goal skill, plus, transitively, every unmastered prerequisite reached
 *     through unmastered skills (a mastered prerequisite ends the walk: what lies behind it is not
 *     asked for again);
 *   not personalised ("curriculum"): every goal skill and all its prerequisites, whatever the mastery.
 * When every goal skill is mastered, the personalised focus is the goal skills themselves (REVIEW),
 * with their prerequisites that are not mastered: a goal skill estimated mastered behind an unmastered
 * prerequisite (a confident prior on an easy skill) is reviewed after that prerequisite, not instead.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { KnowledgeModel, LearnerState } from "../types.js";
import { compileCurriculum, type CompiledCurriculum } from "./curriculum.js";
import { readMastery, type SkillView } from "./learner-view.js";
import { checkThreshold, type RecommendParams } from "./params.js";
import type { LearnerContextInput } from "./types.js";

export interface LearnerContext {
  readonly model: KnowledgeModel;
  readonly state: LearnerState;
  readonly curriculum: CompiledCurriculum;
  readonly params: RecommendParams;
  readonly threshold: number;
  /** Goal skills known to the curriculum, in topological order. */
  readonly targets: readonly string[];
  readonly targetSet: ReadonlySet<string>;
  /** Mastery of every curriculum skill. */
  readonly mastery: ReadonlyMap<string, SkillView>;
  readonly skipped: ReadonlySet<string>;
  /** Pinned task ids known to the curriculum, deduplicated, not skipped, in the given order. */
  readonly pinned: readonly string[];
  /** The last `repeatWindow` task ids. */
  readonly recent: ReadonlySet<string>;
  readonly interests: ReadonlySet<string>;
  readonly now?: number;
}

export interface Focus {
  /** Skill ids in topological order. */
  readonly skills: readonly string[];
  readonly set: ReadonlySet<string>;
  /** For each focus skill that is not a goal skill: the focus skills that need it (direct dependents). */
  readonly neededBy: ReadonlyMap<string, readonly string[]>;
  /** True when every goal skill was already mastered (the focus is then the goal skills, for review). */
  readonly review: boolean;
}

const stringList = (xs: unknown, name: string): readonly string[] => {
  if (xs === undefined || xs === null) return [];
  if (!Array.isArray(xs) || xs.some((x) => typeof x !== "string")) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `recommend: ${name} must be a list of strings`);
  }
  return xs as readonly string[];
};

export function buildContext(input: LearnerContextInput, params: RecommendParams): LearnerContext {
  if (!input || typeof input !== "object") throw new EngineError(EngineErrorCode.InvalidParameters, "recommend: input must be an object");
  if (!input.model || typeof input.model.mastery !== "function")
    throw new EngineError(EngineErrorCode.InvalidParameters, "recommend: model is required");
  if (!input.curriculum) throw new EngineError(EngineErrorCode.InvalidParameters, "recommend: curriculum is required");
  const curriculum = compileCurriculum(input.curriculum);
  const threshold = input.masteryThreshold === undefined ? params.masteryThreshold : checkThreshold(input.masteryThreshold);
  const requested = new Set(stringList(input.targetSkillIds, "targetSkillIds").filter((id) => curriculum.skills.has(id)));
  const targets =
    stringList(input.targetSkillIds, "targetSkillIds").length === 0 ? curriculum.order : curriculum.order.filter((id) => requested.has(id));
  const mastery = readMastery(input.model, input.state, curriculum.order);
  const skipped = new Set(stringList(input.overrides?.skippedTaskIds, "skippedTaskIds"));
  const pinned = [...new Set(stringList(input.overrides?.pinnedTaskIds, "pinnedTaskIds"))].filter(
    (id) => !skipped.has(id) && curriculum.tasks.get(id)?.skillId != null,
  );
  const recent = new Set(stringList(input.recentTaskIds, "recentTaskIds").slice(0, params.repeatWindow));
  const interests = new Set(stringList(input.interests, "interests"));
  if (input.now !== undefined && !Number.isFinite(input.now))
    throw new EngineError(EngineErrorCode.InvalidParameters, "recommend: now must be finite epoch ms");
  return {
    model: input.model,
    state: input.state,
    curriculum,
    params,
    threshold,
    targets,
    targetSet: new Set(targets),
    mastery,
    skipped,
    pinned,
    recent,
    interests,
    ...(input.now === undefined ? {} : { now: input.now }),
  };
}

export const isMastered = (ctx: LearnerContext, skillId: string): boolean => (ctx.mastery.get(skillId)?.p ?? 0) >= ctx.threshold;

/** The focus set (see the file comment). */
export function focusOf(ctx: LearnerContext, personalised: boolean): Focus {
  const { curriculum } = ctx;
  const set = new Set<string>();
  const neededBy = new Map<string, string[]>();
  const starts = personalised ? ctx.targets.filter((k) => !isMastered(ctx, k)) : ctx.targets;
  const review = personalised && starts.length === 0;
  const stack = [...(review ? ctx.targets : starts)];
  for (const k of starts) set.add(k);
  while (stack.length > 0) {
    const k = stack.pop()!;
    for (const pre of curriculum.skills.get(k)!.prerequisites) {
      if (personalised && isMastered(ctx, pre)) continue;
      if (!ctx.targetSet.has(pre)) {
        const list = neededBy.get(pre) ?? [];
        if (!list.includes(k)) list.push(k);
        neededBy.set(pre, list);
      }
      if (!set.has(pre)) {
        set.add(pre);
        stack.push(pre);
      }
    }
  }
  if (review) for (const k of ctx.targets) set.add(k);
  const topo = (id: string) => curriculum.skills.get(id)!.topoIndex;
  for (const list of neededBy.values()) list.sort((a, b) => topo(a) - topo(b));
  const skills = curriculum.order.filter((id) => set.has(id));
  return { skills, set, neededBy, review };
}

/**
 * The prerequisite gate: a task is left out when one of its skills has a direct prerequisite whose
 * mastery < τ − prerequisiteGap ("far from mastered"). Prerequisites the model does not know never block.
 */
export function blockedBy(ctx: LearnerContext, skillIds: Iterable<string>): string | null {
  const limit = ctx.threshold - ctx.params.prerequisiteGap;
  for (const k of skillIds) {
    const skill = ctx.curriculum.skills.get(k);
    if (!skill) continue;
    for (const pre of skill.prerequisites) {
      const m = ctx.mastery.get(pre);
      if (m?.known && m.p < limit) return pre;
    }
  }
  return null;
}
