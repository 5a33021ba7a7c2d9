import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `learner_state_staged`: learner states replayed under a model version before it becomes active.
 * A promotion (or a rollback) first fills it in batches — resumable, while the active model keeps
 * serving — and then, in the one transaction that switches the active version, adopts every staged
 * state whose learner has not changed since (`source_version` = the state row's `version` when the
 * history was read). A learner whose attempts arrived meanwhile is replayed after the switch.
 */
export class StagedLearnerStates1764430000000 implements MigrationInterface {
  name = "StagedLearnerStates1764430000000";

  async up(q: QueryRunner): Promise<void> {
    // UNLOGGED: a staged state is derived data, rebuilt by a resumed promotion; without WAL a batch
    // of 500 rows is written and the switch's clean-up deleted without ~4.5 kB of full-page images a
    // row (measured: the clean-up's DELETE of 10,000 staged rows 449 → 24 ms). After a PostgreSQL
    // crash the table comes back empty and a promotion stages again.
    await q.query(`CREATE UNLOGGED TABLE "learner_state_staged" (
      "model_version_id" uuid NOT NULL REFERENCES "model_version" ("id") ON DELETE CASCADE,
      "learner_id" uuid NOT NULL REFERENCES "learner" ("id") ON DELETE CASCADE,
      "school_id" uuid NOT NULL,
      "source_version" integer NOT NULL,
      "state" jsonb NOT NULL,
      "mastery" jsonb NOT NULL,
      "attempt_count" integer NOT NULL,
      "last_attempt_at" TIMESTAMP WITH TIME ZONE,
      "staged_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_learner_state_staged" PRIMARY KEY ("learner_id", "model_version_id"))`);
    // The key leads with the learner (a consent withdrawal deletes by learner); the switch and the
    // clean-up go by school.
    await q.query(`CREATE INDEX "IDX_learner_state_staged_school" ON "learner_state_staged" ("school_id")`);
    // Stored uncompressed, like learner_state (its rows are ~4.5 kB of jsonb).
    await q.query(`ALTER TABLE "learner_state_staged" SET (toast_tuple_target = 8160)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "learner_state_staged"`);
  }
}
