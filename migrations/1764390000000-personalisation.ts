import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Personalisation: a mastery trend per skill (how the estimate moved over the learner's recent
 * attempts on it), the learner's declared interests (topics that break ties in recommendations),
 * and the task embedding (metric learning) trained with each model version.
 */
export class Personalisation1764390000000 implements MigrationInterface {
  name = "Personalisation1764390000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "skill_mastery" ADD "trend" double precision NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "learner" ADD "interests" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "model_version" ADD "task_embedding" bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "model_version" DROP COLUMN "task_embedding"`);
    await q.query(`ALTER TABLE "learner" DROP COLUMN "interests"`);
    await q.query(`ALTER TABLE "skill_mastery" DROP COLUMN "trend"`);
  }
}
