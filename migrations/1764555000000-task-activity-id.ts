import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `task.activity_id`: the IRI an xAPI statement names the task by (its object's activity id), unique in
 * the school where set, so that a statement maps to one task (issue #17: statements become attempts).
 */
export class TaskActivityId1764555000000 implements MigrationInterface {
  name = "TaskActivityId1764555000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "task" ADD "activity_id" varchar(2048)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_task_activity_id" ON "task" ("school_id", "activity_id") WHERE "activity_id" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_task_activity_id"`);
    await q.query(`ALTER TABLE "task" DROP COLUMN "activity_id"`);
  }
}
