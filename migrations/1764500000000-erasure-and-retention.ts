import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Erasure and retention (docs/operations.md, "Privacy: erasure and retention").
 *
 * - `erasure_receipt`: one row per erased learner, with no personal data: a keyed hash of the learner
 *   id (HMAC-SHA-256 under a key derived from the server's profile key, services/privacy/learner-hash.ts),
 *   the key's id, when, by whom (the token's subject), the rows removed per table and the model
 *   versions trained on the learner (to retrain). Unique by hash: erasing twice finds the receipt.
 * - `model_version.erased_learners`: how many learners a version was trained on have been erased since
 *   (their `model_version_learner` rows are gone with them; the weights still encode them until a
 *   retraining replaces the version).
 * - `attempt_daily_rollup`: what the retention job keeps of the attempts it deletes — counts per task and
 *   UTC day, over learners whose ANALYTICS consent was granted when they were folded; no learner ids.
 * - a BRIN index on `attempt.occurred_at`: the retention job's "older than" reads, at almost no cost
 *   to the hot path (a BRIN index is summarised later, not on each insert).
 */
export class ErasureAndRetention1764500000000 implements MigrationInterface {
  name = "ErasureAndRetention1764500000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "erasure_receipt" ("id" uuid NOT NULL, "school_id" uuid NOT NULL, "learner_hash" text NOT NULL, "key_id" text NOT NULL,
         "erased_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "erased_by" text NOT NULL, "row_counts" jsonb NOT NULL DEFAULT '{}',
         "models_to_retrain" jsonb NOT NULL DEFAULT '[]',
         CONSTRAINT "PK_erasure_receipt" PRIMARY KEY ("id"),
         CONSTRAINT "UQ_erasure_receipt_learner_hash" UNIQUE ("learner_hash"),
         CONSTRAINT "FK_erasure_receipt_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_erasure_receipt_school" ON "erasure_receipt" ("school_id", "erased_at")`);
    await q.query(`ALTER TABLE "model_version" ADD "erased_learners" integer NOT NULL DEFAULT 0`);
    await q.query(
      `CREATE TABLE "attempt_daily_rollup" ("school_id" uuid NOT NULL, "task_id" uuid NOT NULL, "day" date NOT NULL,
         "attempts" integer NOT NULL, "correct" integer NOT NULL, "learners" integer NOT NULL,
         CONSTRAINT "PK_attempt_daily_rollup" PRIMARY KEY ("school_id", "task_id", "day"),
         CONSTRAINT "CHK_attempt_daily_rollup_counts" CHECK ("correct" >= 0 AND "correct" <= "attempts" AND "learners" >= 1 AND "learners" <= "attempts"),
         CONSTRAINT "FK_attempt_daily_rollup_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_attempt_daily_rollup_task" FOREIGN KEY ("task_id") REFERENCES "task"("id") ON DELETE CASCADE)`,
    );
    for (const sql of ROLLUP_COMMENTS) await q.query(sql);
    await q.query(`CREATE INDEX "IDX_attempt_occurred_at_brin" ON "attempt" USING brin ("occurred_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_attempt_occurred_at_brin"`);
    await q.query(`DROP TABLE "attempt_daily_rollup"`);
    await q.query(`ALTER TABLE "model_version" DROP COLUMN "erased_learners"`);
    await q.query(`DROP TABLE "erasure_receipt"`);
  }
}

const ROLLUP_COMMENTS = [
  `COMMENT ON TABLE "attempt_daily_rollup" IS 'Attempts deleted by the retention job (ZPD_RETENTION_DAYS), folded first: counts per school, task and UTC day over the learners whose ANALYTICS consent was granted when they were folded. Analytics over attempts add these rows to the live attempts. No learner ids.'`,
  `COMMENT ON COLUMN "attempt_daily_rollup"."day" IS 'The UTC date of the attempts (attempt.occurred_at).'`,
  `COMMENT ON COLUMN "attempt_daily_rollup"."attempts" IS 'Attempts of consenting learners on the task that day.'`,
  `COMMENT ON COLUMN "attempt_daily_rollup"."correct" IS 'Of them, correct ones.'`,
  `COMMENT ON COLUMN "attempt_daily_rollup"."learners" IS 'Distinct consenting learners among them (an upper bound if attempts of a day already folded arrive late and are folded again).'`,
];
