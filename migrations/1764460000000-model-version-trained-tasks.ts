import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `model_version.trained_task_ids`: the tasks the version was trained on (those with attempts in its
 * training set), written when it is published. A switch calibrates Task.difficulty under the version
 * from the model for exactly these tasks and from the task embedding's neighbours for the others
 * (services/training/difficulty-calibration.ts). NULL for versions published before: their set is
 * approximated from the attempts up to `trained_to`.
 */
export class ModelVersionTrainedTasks1764460000000 implements MigrationInterface {
  name = "ModelVersionTrainedTasks1764460000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "model_version" ADD "trained_task_ids" uuid[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "model_version" DROP COLUMN "trained_task_ids"`);
  }
}
