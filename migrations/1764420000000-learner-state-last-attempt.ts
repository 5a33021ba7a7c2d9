import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `learner_state.last_attempt_at`: when the latest attempt applied to the state happened. The hot
 * path compares a new attempt's time with it, under the row lock, to see whether it arrived out of
 * time order (an offline client syncing late, concurrent requests); the state is then replayed in
 * time order, so a learner's state never depends on the order in which attempts arrived.
 */
export class LearnerStateLastAttempt1764420000000 implements MigrationInterface {
  name = "LearnerStateLastAttempt1764420000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "learner_state" ADD "last_attempt_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`UPDATE "learner_state" s SET "last_attempt_at" = a.last
      FROM (SELECT learner_id, max(occurred_at) AS last FROM attempt GROUP BY learner_id) a WHERE a.learner_id = s.learner_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "learner_state" DROP COLUMN "last_attempt_at"`);
  }
}
