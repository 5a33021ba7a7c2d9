/**
 * What an audit reads besides the model and the held-out traces: the protected attributes and the
 * active goals of the held-out learners. The protected attributes are read HERE ONLY (and by the
 * admins' attribute API): no training set, model input or recommendation is ever built from them —
 * src/services/audit/protected-attributes.test.ts checks that no other module reads the table.
 * The values are stored encrypted: they are decrypted here, with the caller's cipher.
 */
import type { EntityManager } from "typeorm";
import { ATTRIBUTE_VALUE, attributeKey, contextOf } from "../crypto/encrypted-columns.js";
import type { FieldCipher } from "../crypto/field-cipher.js";

/** attribute name → (learner id → value, in plain text), for the given learners of the school. */
export async function protectedAttributes(
  m: EntityManager,
  cipher: FieldCipher,
  schoolId: string,
  learnerIds: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  if (learnerIds.length === 0) return out;
  const rows: { learnerId: string; name: string; value: Buffer }[] = await m.query(
    `SELECT learner_id AS "learnerId", name, value_enc AS value FROM learner_attribute
     WHERE school_id = $1 AND learner_id = ANY($2::uuid[]) ORDER BY name, learner_id`,
    [schoolId, learnerIds],
  );
  for (const r of rows) {
    const byLearner = out.get(r.name) ?? new Map<string, string>();
    out.set(r.name, byLearner);
    byLearner.set(r.learnerId, cipher.decrypt(r.value, contextOf(ATTRIBUTE_VALUE, attributeKey(r.learnerId, r.name))));
  }
  return out;
}

export interface ActiveGoal {
  readonly skillIds: readonly string[];
  readonly masteryThreshold: number;
}

/** Each learner's most recently created ACTIVE goal (learners without one are absent). */
export async function activeGoals(m: EntityManager, schoolId: string, learnerIds: readonly string[]): Promise<Map<string, ActiveGoal>> {
  const out = new Map<string, ActiveGoal>();
  if (learnerIds.length === 0) return out;
  const rows: { learnerId: string; threshold: number; skillIds: string[] | null }[] = await m.query(
    `SELECT DISTINCT ON (g.learner_id) g.learner_id AS "learnerId", g.mastery_threshold AS threshold,
            (SELECT array_agg(gs.skill_id::text ORDER BY gs.skill_id) FROM goal_skill gs WHERE gs.goal_id = g.id) AS "skillIds"
     FROM goal g
     WHERE g.school_id = $1 AND g.learner_id = ANY($2::uuid[]) AND g.status = 'ACTIVE'
     ORDER BY g.learner_id, g.created_at DESC, g.id DESC`,
    [schoolId, learnerIds],
  );
  for (const r of rows) out.set(r.learnerId, { skillIds: r.skillIds ?? [], masteryThreshold: Number(r.threshold) });
  return out;
}
