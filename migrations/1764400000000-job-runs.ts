import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Job runs: one row per job the worker runs (retraining, state rebuilds, the nightly fan-out), with
 * its status, progress and error, for operators (GraphQL `jobRuns`). The queue itself is pg-boss's
 * own schema (`pgboss`), which pg-boss installs and migrates at start; `id` is the pg-boss job's id.
 */
export class JobRuns1764400000000 implements MigrationInterface {
  name = "JobRuns1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "job_run" (
      "id" uuid NOT NULL,
      "school_id" uuid,
      "name" character varying(64) NOT NULL,
      "payload" jsonb NOT NULL DEFAULT '{}',
      "status" character varying(16) NOT NULL,
      "progress" double precision NOT NULL DEFAULT 0,
      "message" text NOT NULL DEFAULT '',
      "error" text,
      "result" jsonb,
      "attempts" integer NOT NULL DEFAULT 0,
      "started_at" TIMESTAMP WITH TIME ZONE,
      "finished_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_job_run" PRIMARY KEY ("id"),
      CONSTRAINT "CHK_job_run_status" CHECK ("status" IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'RETRYING')),
      CONSTRAINT "CHK_job_run_progress" CHECK ("progress" >= 0 AND "progress" <= 1),
      CONSTRAINT "FK_job_run_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE
    )`);
    await q.query(`CREATE INDEX "IDX_job_run_school" ON "job_run" ("school_id", "id")`);
    await q.query(`CREATE INDEX "IDX_job_run_name" ON "job_run" ("name", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "job_run"`);
  }
}
