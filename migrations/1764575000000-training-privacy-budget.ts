import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `training_privacy_budget`: per school, the user-level differential-privacy budget (ε, δ) its Meta
 * trainings spend (DP-SGD; docs/privacy.md, "A privacy budget for training"); no row or a null ε: trained
 * without DP. δ null: 1 / (number of training learners).
 */
export class TrainingPrivacyBudget1764575000000 implements MigrationInterface {
  name = "TrainingPrivacyBudget1764575000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "training_privacy_budget" ("school_id" uuid NOT NULL, "epsilon" double precision, "delta" double precision,
         "updated_by" text NOT NULL DEFAULT '', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_training_privacy_budget" PRIMARY KEY ("school_id"),
         CONSTRAINT "CHK_training_privacy_budget_epsilon" CHECK ("epsilon" IS NULL OR ("epsilon" > 0 AND "epsilon" <= 100)),
         CONSTRAINT "CHK_training_privacy_budget_delta" CHECK ("delta" IS NULL OR ("delta" > 0 AND "delta" <= 0.01)),
         CONSTRAINT "FK_training_privacy_budget_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "training_privacy_budget"`);
  }
}
