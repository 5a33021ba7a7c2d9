import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `recommendation_log`: every served recommendation — task, rank, strategy, propensity, model (and
 * policy) version, candidate count — so that a later strategy can be evaluated off-policy on a school's
 * own logs (docs/privacy.md, "Recommendation log"). Ids only. Both foreign keys cascade, as the access
 * log's: the learner's rows go with it (erasure), and a batch naming a learner erased meanwhile fails on
 * the key rather than leaving a row behind (the writer filters it out and writes the batch again).
 *
 * Indexes: a learner's log and the school's log in id (time) order; a BRIN index on `served_at` for the
 * retention job's "older than".
 */
export class RecommendationLog1764585000000 implements MigrationInterface {
  name = "RecommendationLog1764585000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "recommendation_log" ("id" uuid NOT NULL, "school_id" uuid NOT NULL, "learner_id" uuid NOT NULL,
         "answer_id" uuid NOT NULL, "served_at" TIMESTAMP WITH TIME ZONE NOT NULL, "strategy" varchar(32) NOT NULL,
         "mode" varchar(16) NOT NULL, "task_id" uuid NOT NULL, "rank" integer NOT NULL, "propensity" double precision NOT NULL,
         "model_version_id" uuid, "policy_version_id" uuid, "candidate_count" integer,
         CONSTRAINT "PK_recommendation_log" PRIMARY KEY ("id"),
         CONSTRAINT "CHK_recommendation_log_rank" CHECK ("rank" >= 1),
         CONSTRAINT "CHK_recommendation_log_propensity" CHECK ("propensity" > 0 AND "propensity" <= 1),
         CONSTRAINT "CHK_recommendation_log_candidates" CHECK ("candidate_count" IS NULL OR "candidate_count" >= 0),
         CONSTRAINT "FK_recommendation_log_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_recommendation_log_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_recommendation_log_learner" ON "recommendation_log" ("school_id", "learner_id", "id")`);
    await q.query(`CREATE INDEX "IDX_recommendation_log_school" ON "recommendation_log" ("school_id", "id")`);
    await q.query(`CREATE INDEX "IDX_recommendation_log_served_brin" ON "recommendation_log" USING brin ("served_at")`);
    await q.query(
      `COMMENT ON TABLE "recommendation_log" IS 'Every served recommendation: task, rank, strategy, propensity, model and policy version, candidate count. Ids only; kept as long as the attempts (ZPD_RETENTION_DAYS).'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "recommendation_log"`);
  }
}
