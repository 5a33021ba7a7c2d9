import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The access log's rows coalesced (services/access-log/access-log.service.ts): one row per caller,
 * learner, root field and kind over the writer's window, instead of one per request. `at` stays the
 * first access of the row; `last_at` is its last and `count` how many requests it stands for. Rows
 * written before this migration are single accesses: `count` 1 and `last_at` null (= `at`), so that the
 * migration rewrites no row of a table that may hold a year of accesses.
 */
export class AccessLogCoalesced1764700000000 implements MigrationInterface {
  name = "AccessLogCoalesced1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "access_log" ADD "last_at" TIMESTAMP WITH TIME ZONE, ADD "count" integer NOT NULL DEFAULT 1,
         ADD CONSTRAINT "CHK_access_log_count" CHECK ("count" >= 1),
         ADD CONSTRAINT "CHK_access_log_last_at" CHECK ("last_at" IS NULL OR "last_at" >= "at")`,
    );
    await q.query(
      `COMMENT ON TABLE "access_log" IS 'Who read or changed which learner''s data, through which API root field, and when: one row per caller, learner, root field and kind over the writer''s window, from at to last_at (null: at) and count requests. Ids only; kept ZPD_ACCESS_LOG_RETENTION_DAYS days.'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "access_log" DROP CONSTRAINT "CHK_access_log_last_at", DROP CONSTRAINT "CHK_access_log_count", DROP COLUMN "count", DROP COLUMN "last_at"`,
    );
  }
}
