/**
 * Engine answers → GraphQL types. Skills and tasks are resolved through the request's loaders in
 * one batch per kind, whatever the number of recommendations.
 */
import type { Recommendation, RecommendationReason, GoalProgress, PlanSkill } from "../../engine/recommend/index.js";
import type { StoredStep } from "../../services/personalisation/learner-context.js";
import { PathStepType } from "../goal/learning-path.type.js";
import type { ApiContext } from "../context.js";
import { SkillType } from "../curriculum/skill.type.js";
import { TaskType } from "../curriculum/task.type.js";
import {
  GoalProgressType,
  PlannedSkillType,
  PolicyChoiceType,
  PrerequisiteStatusType,
  RecommendationReasonType,
  RecommendationType,
  finite,
} from "./personalisation.type.js";
import { EstimateStatus, GoalProgressStatus, ReasonCode, SkillRole, fromEngineStrategy } from "./personalisation.enums.js";

export interface Lookup {
  skill(id: string): SkillType;
  task(id: string): TaskType;
}

/**
 * Every skill and task named, from the school's in-memory catalogue (no database read on the hot
 * path); the few the catalogue does not hold yet (created in another process since its last
 * refresh) through the request's loaders, in one batch per kind. Unknown ids are an internal error.
 */
export async function lookup(ctx: ApiContext, skillIds: Iterable<string>, taskIds: Iterable<string>): Promise<Lookup> {
  const catalogue = await ctx.services.personalisation.catalogue(ctx.actor());
  const sMap = new Map<string, SkillType>();
  const tMap = new Map<string, TaskType>();
  const sMissing: string[] = [];
  const tMissing: string[] = [];
  for (const id of new Set(skillIds)) {
    const row = catalogue.skills.get(id);
    if (row) sMap.set(id, SkillType.from(row));
    else sMissing.push(id);
  }
  for (const id of new Set(taskIds)) {
    const row = catalogue.tasks.get(id);
    if (row) tMap.set(id, TaskType.from(row));
    else tMissing.push(id);
  }
  if (sMissing.length || tMissing.length) {
    const [skills, tasks] = await Promise.all([ctx.loaders.skill.loadMany(sMissing), ctx.loaders.task.loadMany(tMissing)]);
    skills.forEach((s, i) => {
      if (s && !(s instanceof Error)) sMap.set(sMissing[i]!, SkillType.from(s));
    });
    tasks.forEach((t, i) => {
      if (t && !(t instanceof Error)) tMap.set(tMissing[i]!, TaskType.from(t));
    });
  }
  return {
    skill: (id) => sMap.get(id) ?? missing("skill", id),
    task: (id) => tMap.get(id) ?? missing("task", id),
  };
}

function missing(kind: string, id: string): never {
  throw new Error(`${kind} ${id} vanished while answering`);
}

export function reasonSkillIds(r: RecommendationReason): string[] {
  return [r.skillId, ...r.prerequisites.map((p) => p.skillId), ...r.prerequisiteOf.map((p) => p.skillId)];
}

export function toReason(r: RecommendationReason, l: Lookup): RecommendationReasonType {
  const band = [r.band.low, r.band.high, r.band.target].every(Number.isFinite) ? { ...r.band } : null;
  return Object.assign(new RecommendationReasonType(), {
    code: r.code as ReasonCode,
    strategy: fromEngineStrategy(r.strategy),
    skill: l.skill(r.skillId),
    role: r.role as SkillRole,
    mastery: finite(r.mastery),
    masterySd: finite(r.masterySd),
    mastered: r.mastered,
    prerequisites: r.prerequisites.map((p) =>
      Object.assign(new PrerequisiteStatusType(), { skill: l.skill(p.skillId), mastery: finite(p.mastery), mastered: p.mastered }),
    ),
    prerequisiteOf: r.prerequisiteOf.map((p) => l.skill(p.skillId)),
    band,
    inBand: r.inBand,
    matchedInterests: [...r.matchedInterests],
    calibrated: r.calibrated,
    policy: r.policy ? Object.assign(new PolicyChoiceType(), { ...r.policy }) : null,
  });
}

export function toRecommendation(r: Recommendation, l: Lookup): RecommendationType {
  return Object.assign(new RecommendationType(), {
    task: l.task(r.taskId),
    skill: l.skill(r.skillId),
    predictedSuccess: finite(r.predictedSuccess),
    expectedProgress: finite(r.expectedProgress) ?? 0,
    reason: toReason(r.reason, l),
    explanation: r.explanation,
    propensity: r.propensity ?? 1,
  });
}

export function toPlannedSkill(s: PlanSkill, l: Lookup): PlannedSkillType {
  return Object.assign(new PlannedSkillType(), {
    skill: l.skill(s.skillId),
    mastery: finite(s.mastery),
    mastered: s.mastered,
    target: s.target,
    estimatedAttemptsToMastery: s.estimatedAttemptsToMastery === null ? null : Math.round(s.estimatedAttemptsToMastery),
    status: s.status as EstimateStatus,
  });
}

export function toProgress(p: GoalProgress): GoalProgressType {
  return Object.assign(new GoalProgressType(), {
    targetSkills: p.targetSkills,
    masteredSkills: p.masteredSkills,
    shareMastered: finite(p.shareMastered) ?? 0,
    attemptsRemaining: Math.round(p.attemptsRemaining),
    lowerBound: p.lowerBound,
    daysNeeded: finite(p.daysNeeded),
    projectedCompletionAt: p.projectedCompletionAt === null ? null : new Date(p.projectedCompletionAt),
    daysLeft: finite(p.daysLeft),
    onTrack: p.onTrack,
    status: p.status as GoalProgressStatus,
    explanation: p.explanation,
  });
}

export function toPathStep(st: StoredStep, pathId: string, l: Lookup): PathStepType {
  return Object.assign(new PathStepType(), {
    id: st.id,
    pathId,
    position: st.position,
    task: l.task(st.taskId),
    skill: st.skillId ? l.skill(st.skillId) : null,
    reason: st.reason,
    status: st.status,
    pinned: st.pinned,
    updatedAt: st.updatedAt,
  });
}
