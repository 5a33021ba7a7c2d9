import { In } from "typeorm";
import { Actor } from "../auth/actor.js";
import { learnerScope } from "../auth/access-policy.js";
import { LearnerState } from "../../persistence/learner/learner-state.entity.js";
import { masteryEntries, type MasteryEntry } from "../../persistence/learner/learner-state-mastery.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { ServiceDeps } from "../service-deps.js";

/** What may be shown of a learner's engine state: its counters, never the opaque parameters. */
export interface LearnerStateSummary {
  readonly learnerId: string;
  readonly modelVersionId: string | null;
  readonly attemptCount: number;
  readonly updatedAt: Date;
}

export type MasteryWithSkill = MasteryEntry & { readonly learnerId: string; readonly skill: Skill };

/** Reads of the engine's per-learner results: per-skill mastery and the state's summary. */
export class MasteryService {
  constructor(
    private readonly deps: ServiceDeps,
    /** Applies learners' pending attempts (the deferred path's) before a read, so that it sees them; absent: none ever pending. */
    private readonly applyPending?: (schoolId: string, learnerIds: readonly string[]) => Promise<void>,
  ) {}

  /**
   * Per-skill mastery per learner (batched: the learners' state rows, then their skills), in skill
   * code order. The mastery is the JSON kept in each learner's state row; a skill since deleted is left out.
   */
  async masteryOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, MasteryWithSkill[]>> {
    await this.applyPending?.(actor.schoolId, learnerIds);
    const scope = learnerScope(actor, "st.learner_id");
    const qb = this.deps.dataSource
      .getRepository(LearnerState)
      .createQueryBuilder("st")
      .select(["st.learnerId", "st.mastery", "st.updatedAt"])
      .where("st.school_id = :s AND st.learner_id = ANY(:ids) AND st.mastery <> '{}'::jsonb", { s: actor.schoolId, ids: [...learnerIds] });
    if (scope) qb.andWhere(scope.sql, scope.params);
    const rows = (await qb.getMany()).map((r) => ({ learnerId: r.learnerId, entries: masteryEntries(r.mastery, r.updatedAt) }));
    const skillIds = [...new Set(rows.flatMap((r) => r.entries.map((e) => e.skillId)))];
    // In the database's order of codes (its collation, as the API has always sorted them).
    const ordered = skillIds.length
      ? await this.deps.dataSource
          .getRepository(Skill)
          .find({ where: { id: In(skillIds), schoolId: actor.schoolId }, order: { code: "ASC", id: "ASC" } })
      : [];
    const skills = new Map(ordered.map((k, rank) => [k.id, { skill: k, rank }]));
    const out = new Map<string, MasteryWithSkill[]>();
    for (const r of rows) {
      const list: (MasteryWithSkill & { rank: number })[] = [];
      for (const e of r.entries) {
        const k = skills.get(e.skillId);
        if (k) list.push({ ...e, learnerId: r.learnerId, skill: k.skill, rank: k.rank });
      }
      list.sort((a, b) => a.rank - b.rank);
      out.set(
        r.learnerId,
        list.map(({ rank: _rank, ...m }) => m),
      );
    }
    return out;
  }

  /** The state summary per learner (batched); the jsonb parameters are not even read. */
  async statesOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, LearnerStateSummary>> {
    await this.applyPending?.(actor.schoolId, learnerIds);
    const scope = learnerScope(actor, "st.learner_id");
    const qb = this.deps.dataSource
      .getRepository(LearnerState)
      .createQueryBuilder("st")
      .select(["st.learnerId", "st.modelVersionId", "st.attemptCount", "st.updatedAt"])
      .where("st.school_id = :s AND st.learner_id = ANY(:ids)", { s: actor.schoolId, ids: [...learnerIds] });
    if (scope) qb.andWhere(scope.sql, scope.params);
    const rows = await qb.getMany();
    return new Map(
      rows.map((r) => [
        r.learnerId,
        { learnerId: r.learnerId, modelVersionId: r.modelVersionId, attemptCount: r.attemptCount, updatedAt: r.updatedAt },
      ]),
    );
  }
}
