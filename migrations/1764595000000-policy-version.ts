import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `policy_version`: each school's learned sequencing policies (issue 19 item 4; docs/policy.md), beside
 * the knowledge models' `model_version`, whose lifecycle it leaves untouched: the policy file (JSON), the
 * model version it was trained with, the fingerprint of the curriculum it was trained for, how it was
 * trained and judged, its status (at most one ACTIVE per school).
 */
export class PolicyVersion1764595000000 implements MigrationInterface {
  name = "PolicyVersion1764595000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "policy_version" ("id" uuid NOT NULL, "school_id" uuid NOT NULL,
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL,
         "model_version_id" uuid NOT NULL, "curriculum_fingerprint" character varying(64) NOT NULL,
         "status" character varying(16) NOT NULL, "policy" text NOT NULL, "training" jsonb NOT NULL DEFAULT '{}',
         "notes" text NOT NULL DEFAULT '', "activated_at" TIMESTAMP WITH TIME ZONE,
         "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_policy_version" PRIMARY KEY ("id"),
         CONSTRAINT "CHK_policy_version_status" CHECK ("status" IN ('ACTIVE', 'REJECTED', 'RETIRED')),
         CONSTRAINT "FK_policy_version_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_policy_version_model_version" FOREIGN KEY ("model_version_id") REFERENCES "model_version"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE UNIQUE INDEX "IDX_policy_version_school_version" ON "policy_version" ("school_id", "version")`);
    await q.query(`CREATE UNIQUE INDEX "IDX_policy_version_active" ON "policy_version" ("school_id") WHERE status = 'ACTIVE'`);
    await q.query(`CREATE INDEX "IDX_policy_version_model_version" ON "policy_version" ("model_version_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "policy_version"`);
  }
}
