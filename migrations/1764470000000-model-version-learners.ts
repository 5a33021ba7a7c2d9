import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `model_version_learner`: the learners each model version was trained on, written when it is
 * published, so that a promotion compares two versions only on learners neither has seen.
 *
 * Versions published before were not recorded. They are backfilled with every learner of the school
 * whose first attempt is at or before the version's `trained_to` — a superset of what each was
 * trained on (a retraining held some of them out; consent filtered others), so that no comparison
 * ever counts a learner a version may have seen.
 */
export class ModelVersionLearners1764470000000 implements MigrationInterface {
  name = "ModelVersionLearners1764470000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "model_version_learner" ("model_version_id" uuid NOT NULL, "learner_id" uuid NOT NULL, "school_id" uuid NOT NULL,
         CONSTRAINT "PK_model_version_learner" PRIMARY KEY ("model_version_id", "learner_id"),
         CONSTRAINT "FK_model_version_learner_version" FOREIGN KEY ("model_version_id") REFERENCES "model_version"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_model_version_learner_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_model_version_learner_learner" ON "model_version_learner" ("learner_id")`);
    await q.query(
      `INSERT INTO model_version_learner (model_version_id, learner_id, school_id)
       SELECT mv.id, f.learner_id, mv.school_id
       FROM model_version mv
       JOIN (SELECT school_id, learner_id, min(occurred_at) AS first_at FROM attempt GROUP BY school_id, learner_id) f
         ON f.school_id = mv.school_id AND f.first_at <= mv.trained_to
       WHERE mv.trained_to IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "model_version_learner"`);
  }
}
