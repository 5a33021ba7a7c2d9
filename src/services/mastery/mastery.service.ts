import { Actor } from "../auth/actor.js";
import { learnerScope } from "../auth/access-policy.js";
import { LearnerState } from "../../persistence/learner/learner-state.entity.js";
import { SkillMastery } from "../../persistence/learner/skill-mastery.entity.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { ServiceDeps } from "../service-deps.js";

/** What may be shown of a learner's engine state: its counters, never the opaque parameters. */
export interface LearnerStateSummary {
  readonly learnerId: string;
  readonly modelVersionId: string | null;
  readonly attemptCount: number;
  readonly updatedAt: Date;
}

export type MasteryWithSkill = SkillMastery & { skill: Skill };

/** Reads of the engine's per-learner results: per-skill mastery and the state's summary. */
export class MasteryService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Per-skill mastery per learner (batched, one query), in skill code order. */
  async masteryOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, MasteryWithSkill[]>> {
    const scope = learnerScope(actor, "sm.learner_id");
    const qb = this.deps.dataSource.getRepository(SkillMastery).createQueryBuilder("sm")
      .innerJoinAndSelect("sm.skill", "sk")
      .where("sm.school_id = :s AND sm.learner_id = ANY(:ids)", { s: actor.schoolId, ids: [...learnerIds] })
      .orderBy("sk.code", "ASC")
      .addOrderBy("sk.id", "ASC");
    if (scope) qb.andWhere(scope.sql, scope.params);
    const out = new Map<string, MasteryWithSkill[]>();
    for (const r of (await qb.getMany()) as MasteryWithSkill[]) out.set(r.learnerId, [...(out.get(r.learnerId) ?? []), r]);
    return out;
  }

  /** The state summary per learner (batched); the jsonb parameters are not even read. */
  async statesOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, LearnerStateSummary>> {
    const scope = learnerScope(actor, "st.learner_id");
    const qb = this.deps.dataSource.getRepository(LearnerState).createQueryBuilder("st")
      .select(["st.learnerId", "st.modelVersionId", "st.attemptCount", "st.updatedAt"])
      .where("st.school_id = :s AND st.learner_id = ANY(:ids)", { s: actor.schoolId, ids: [...learnerIds] });
    if (scope) qb.andWhere(scope.sql, scope.params);
    const rows = await qb.getMany();
    return new Map(rows.map((r) => [r.learnerId, { learnerId: r.learnerId, modelVersionId: r.modelVersionId, attemptCount: r.attemptCount, updatedAt: r.updatedAt }]));
  }
}
