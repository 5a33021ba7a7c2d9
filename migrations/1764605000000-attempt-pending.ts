import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `attempt_pending`: the attempts recorded by `ingestAttempts` (the deferred path) whose effect on their
 * learner's state has not been applied yet — the durable marker of the deferred path
 * (services/attempt/pending-applier.ts). A row is inserted in the statement that inserts its attempt and
 * deleted in the transaction that saves the learner's state with it, so an acknowledged attempt is
 * applied once: never lost to a crash between the two, never applied twice. Keyed by learner first: the
 * applier claims a learner's rows together, and a read checks whether its learner has any. No foreign
 * keys: their per-row checks would cost the ingestion, and a row whose attempt is gone (retention) is
 * dropped by the applier; erasure deletes the learner's rows (persistence/privacy/learner-rows.ts).
 */
export class AttemptPending1764605000000 implements MigrationInterface {
  name = "AttemptPending1764605000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "attempt_pending" ("learner_id" uuid NOT NULL, "attempt_id" uuid NOT NULL, "school_id" uuid NOT NULL,
         CONSTRAINT "PK_attempt_pending" PRIMARY KEY ("learner_id", "attempt_id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "attempt_pending"`);
  }
}
