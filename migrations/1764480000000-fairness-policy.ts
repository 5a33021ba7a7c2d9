import { MigrationInterface, QueryRunner } from "typeorm";

/** `fairness_policy`: per school, the mitigation a retraining applies (docs/fairness.md); no row = NONE. */
export class FairnessPolicy1764480000000 implements MigrationInterface {
  name = "FairnessPolicy1764480000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "fairness_policy" ("school_id" uuid NOT NULL, "mitigation" varchar(32) NOT NULL DEFAULT 'NONE',
         "attribute" varchar(64), "updated_by" text NOT NULL DEFAULT '', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_fairness_policy" PRIMARY KEY ("school_id"),
         CONSTRAINT "CHK_fairness_policy_mitigation" CHECK ("mitigation" IN ('NONE', 'GROUP_BALANCED')),
         CONSTRAINT "CHK_fairness_policy_attribute" CHECK ("mitigation" = 'NONE' OR "attribute" IS NOT NULL),
         CONSTRAINT "FK_fairness_policy_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "fairness_policy"`);
  }
}
