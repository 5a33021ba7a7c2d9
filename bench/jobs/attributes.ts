/**
 * The simulated school's protected attribute: each imported learner's simulator group recorded as the
 * attribute `group` (learner_attribute, one bulk INSERT, as the demo seed writes it), so that the
 * retrain's fairness gate and the audit phase really audit — without it they stop at NOT_AUDITABLE
 * ("no protected attributes") and measure nothing. Not timed in any figure.
 */
import { bulkInsert } from "../../src/persistence/bulk-insert.js";
import { ATTRIBUTE_VALUE, attributeKey, contextOf } from "../../src/persistence/crypto/encrypted-columns.js";
import type { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { log, type PhaseContext } from "./phase-clock.js";

/** Writes `group` for every learner of the school whose external_ref (the import's user_id) has one; returns the rows written. */
export async function recordGroups(ctx: PhaseContext, cipher: FieldCipher, groups: ReadonlyMap<string, string>): Promise<number> {
  const t = performance.now();
  const learners: { id: string; ref: string }[] = await ctx.ds.query(`SELECT id, external_ref AS ref FROM learner WHERE school_id = $1`, [
    ctx.schoolId,
  ]);
  const rows = learners.flatMap((l) => {
    const group = groups.get(l.ref);
    // Encrypted and bound to its learner and name, as every attribute value is (persistence/crypto/encrypted-columns.ts).
    return group === undefined
      ? []
      : [[uuidv7(), ctx.schoolId, l.id, "group", cipher.encrypt(group, contextOf(ATTRIBUTE_VALUE, attributeKey(l.id, "group")))]];
  });
  await bulkInsert(
    ctx.ds.manager,
    "learner_attribute",
    ["id", "school_id", "learner_id", "name", "value_enc"],
    ["uuid", "uuid", "uuid", "text", "bytea"],
    rows,
  );
  log(`recorded the protected attribute group of ${rows.length} learners in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return rows.length;
}
