import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `access_log`: who read or changed which learner's data, through which root field of the API, and when
 * (docs/operations.md, "Access log"). Ids only. Both foreign keys cascade: the learner's rows go with
 * it (erasure), and a batch naming a learner erased meanwhile fails as a whole on the key rather than
 * leaving a row behind (the writer filters it out and writes the batch again).
 *
 * Indexes: a learner's log and the school's log, each in id (time) order — the `accessLog` query's two
 * shapes; a BRIN index on `at` for the retention job's "older than", at almost no cost to the inserts.
 */
export class AccessLog1764525000000 implements MigrationInterface {
  name = "AccessLog1764525000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "access_log" ("id" uuid NOT NULL, "school_id" uuid NOT NULL, "learner_id" uuid NOT NULL,
         "actor_role" varchar(16) NOT NULL, "actor_id" text NOT NULL, "operation" varchar(64) NOT NULL, "access" varchar(5) NOT NULL,
         "at" TIMESTAMP WITH TIME ZONE NOT NULL,
         CONSTRAINT "PK_access_log" PRIMARY KEY ("id"),
         CONSTRAINT "CHK_access_log_access" CHECK ("access" IN ('READ', 'WRITE')),
         CONSTRAINT "FK_access_log_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_access_log_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_access_log_learner" ON "access_log" ("school_id", "learner_id", "id")`);
    await q.query(`CREATE INDEX "IDX_access_log_school" ON "access_log" ("school_id", "id")`);
    await q.query(`CREATE INDEX "IDX_access_log_at_brin" ON "access_log" USING brin ("at")`);
    await q.query(
      `COMMENT ON TABLE "access_log" IS 'Who read or changed which learner''s data, through which API root field, and when. Ids only; kept ZPD_ACCESS_LOG_RETENTION_DAYS days.'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "access_log"`);
  }
}
