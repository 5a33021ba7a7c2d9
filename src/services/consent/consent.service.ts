import { In } from "typeorm";
import { Actor } from "../auth/actor.js";
import { assertLearnerAccess, learnerScope } from "../auth/access-policy.js";
import { BadInputError } from "../common/domain-error.js";
import { Consent, ConsentGrantor, ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { uuidv7 } from "../../shared/ids.js";

export { ConsentGrantor, ConsentPurpose };

/** What a learner (or its guardian, or the school) allowed: one current row per purpose. */
export class ConsentService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Records the current consent for one purpose (an upsert: the previous answer is replaced). */
  async set(actor: Actor, learnerId: string, purpose: ConsentPurpose, granted: boolean, grantedBy: ConsentGrantor): Promise<Consent> {
    if (!Object.values(ConsentPurpose).includes(purpose))
      throw new BadInputError(`unknown consent purpose ${purpose}`, { argument: "purpose" });
    if (!Object.values(ConsentGrantor).includes(grantedBy))
      throw new BadInputError(`unknown consent grantor ${grantedBy}`, { argument: "grantedBy" });
    // Re-run if PostgreSQL aborts it to break a deadlock (with a staging batch holding the learner's
    // consent row FOR SHARE): an upsert, safe to repeat.
    return withConflictRetry(
      () =>
        this.deps.dataSource.transaction(async (m) => {
          await assertLearnerAccess(m, actor, learnerId, "write");
          // INSERT … ON CONFLICT: two concurrent answers never collide on the unique (learner, purpose).
          await m
            .createQueryBuilder()
            .insert()
            .into(Consent)
            .values(m.create(Consent, { id: uuidv7(), schoolId: actor.schoolId, learnerId, purpose, granted, grantedBy }))
            .orUpdate(["granted", "granted_by", "updated_at"], ["learner_id", "purpose"])
            .execute();
          if (purpose === ConsentPurpose.Personalisation && !granted) {
            // Withdrawn: the personal parameters and mastery computed under it go with it (the attempts
            // stay). Should consent be given again, the next attempt replays the whole history.
            // The upsert above waited for any staging batch holding the consent row (FOR SHARE), so the
            // DELETE sees its staged state; a batch that reads the row after this commits stages nothing.
            await m.query(
              `UPDATE learner_state SET state = '{}', model_version_id = NULL, mastery = '{}'::jsonb, version = version + 1, updated_at = now() WHERE learner_id = $1`,
              [learnerId],
            );
            await m.query(`DELETE FROM learner_state_staged WHERE learner_id = $1`, [learnerId]);
          }
          return m.findOneByOrFail(Consent, { learnerId, purpose, schoolId: actor.schoolId });
        }),
      "recording a consent",
    );
  }

  /** Consents per learner (batched), in purpose order, for the learners the actor may see. */
  async consentsOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, Consent[]>> {
    const scope = learnerScope(actor, "c.learner_id");
    const qb = this.deps.dataSource
      .getRepository(Consent)
      .createQueryBuilder("c")
      .where("c.school_id = :s AND c.learner_id = ANY(:ids)", { s: actor.schoolId, ids: [...learnerIds] })
      .orderBy("c.purpose", "ASC");
    if (scope) qb.andWhere(scope.sql, scope.params);
    const out = new Map<string, Consent[]>();
    for (const r of await qb.getMany()) out.set(r.learnerId, [...(out.get(r.learnerId) ?? []), r]);
    return out;
  }

  /** Whether each learner granted `purpose` (for later use by personalisation and training). */
  async granted(schoolId: string, learnerIds: readonly string[], purpose: ConsentPurpose): Promise<Set<string>> {
    const rows = await this.deps.dataSource.getRepository(Consent).find({
      select: { learnerId: true },
      where: { schoolId, learnerId: In([...learnerIds]), purpose, granted: true },
    });
    return new Set(rows.map((r) => r.learnerId));
  }
}
