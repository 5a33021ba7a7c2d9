import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The per-skill mastery moves into the learner's state row: `learner_state.mastery` (jsonb,
 * `{ "<skillId>": [mastery, uncertainty, attempts, trend, updatedAtMs] }`, documented in
 * src/persistence/learner/learner-state-mastery.ts). Recording an attempt and rebuilding a learner
 * then write one row per learner instead of one per skill. The table `skill_mastery` becomes a view
 * with the same columns over the JSON, so SQL readers (BI) keep working unchanged.
 */
export class MasteryInLearnerState1764415000000 implements MigrationInterface {
  name = "MasteryInLearnerState1764415000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "learner_state" ADD "mastery" jsonb NOT NULL DEFAULT '{}'`);
    // A row (state + mastery, ~4.5 kB as jsonb for ~16 practised skills) stays inline and uncompressed:
    // with the default target (~2 kB) every write of a learner compressed both documents with pglz,
    // about a third of the state rebuild's PostgreSQL CPU (on a 200,000-attempt school, 0.55 → 0.38 s
    // per 2,000 learners rebuilt once rows stayed uncompressed).
    await q.query(`ALTER TABLE "learner_state" SET (toast_tuple_target = 8160)`);
    // A learner with mastery rows but no state row (not written by the application, but possible)
    // gets a state row to hold them; without a model version its state is rebuilt on first use.
    await q.query(`INSERT INTO "learner_state" ("learner_id", "school_id", "model_version_id", "state", "attempt_count", "version", "updated_at")
      SELECT DISTINCT ON (sm."learner_id") sm."learner_id", sm."school_id", NULL, '{}'::jsonb,
             (SELECT count(*) FROM "attempt" a WHERE a."learner_id" = sm."learner_id"), 1, now()
      FROM "skill_mastery" sm ON CONFLICT ("learner_id") DO NOTHING`);
    await q.query(`UPDATE "learner_state" s SET "mastery" = m.j
      FROM (SELECT "learner_id", jsonb_object_agg("skill_id"::text,
                     jsonb_build_array("mastery", "uncertainty", "attempts", "trend", floor(extract(epoch FROM "updated_at") * 1000))) AS j
            FROM "skill_mastery" GROUP BY "learner_id") m
      WHERE s."learner_id" = m."learner_id"`);
    await q.query(`DROP TABLE "skill_mastery"`);
    await q.query(VIEW);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW "skill_mastery"`);
    await q.query(`CREATE TABLE "skill_mastery" ("learner_id" uuid NOT NULL, "skill_id" uuid NOT NULL, "school_id" uuid NOT NULL,
      "mastery" double precision NOT NULL, "uncertainty" double precision NOT NULL, "attempts" integer NOT NULL DEFAULT '0',
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "trend" double precision NOT NULL DEFAULT 0,
      CONSTRAINT "PK_cfe98dbf283c89c724a74b4192e" PRIMARY KEY ("learner_id", "skill_id"))`);
    await q.query(`CREATE INDEX "IDX_17683a002709e15f225f184683" ON "skill_mastery" ("skill_id")`);
    // Entries of skills that no longer exist are left out (the table's foreign key would refuse them).
    await q.query(`INSERT INTO "skill_mastery" ("learner_id", "skill_id", "school_id", "mastery", "uncertainty", "attempts", "trend", "updated_at")
      SELECT s."learner_id", e.key::uuid, s."school_id", (e.value->>0)::float8, (e.value->>1)::float8, (e.value->>2)::int,
             COALESCE((e.value->>3)::float8, 0), COALESCE(to_timestamp((e.value->>4)::float8 / 1000), s."updated_at")
      FROM "learner_state" s CROSS JOIN LATERAL jsonb_each(s."mastery") e
      WHERE EXISTS (SELECT 1 FROM "skill" k WHERE k."id" = e.key::uuid)`);
    await q.query(
      `ALTER TABLE "skill_mastery" ADD CONSTRAINT "FK_774d375a723665988fb5dd6d6f2" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "skill_mastery" ADD CONSTRAINT "FK_9d36563af190b023040622dbdd8" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "skill_mastery" ADD CONSTRAINT "FK_17683a002709e15f225f1846834" FOREIGN KEY ("skill_id") REFERENCES "skill"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(`ALTER TABLE "learner_state" DROP COLUMN "mastery"`);
    await q.query(`ALTER TABLE "learner_state" RESET (toast_tuple_target)`);
  }
}

/**
 * The former table's columns over the JSON (read-only). A skill deleted since is left out, as the
 * table's foreign key (ON DELETE CASCADE) left it out.
 */
const VIEW = `CREATE VIEW "skill_mastery" AS
  SELECT s."learner_id", e.key::uuid AS "skill_id", s."school_id",
         (e.value->>0)::float8 AS "mastery", (e.value->>1)::float8 AS "uncertainty", (e.value->>2)::int AS "attempts",
         COALESCE((e.value->>3)::float8, 0) AS "trend",
         COALESCE(to_timestamp((e.value->>4)::float8 / 1000), s."updated_at") AS "updated_at"
  FROM "learner_state" s CROSS JOIN LATERAL jsonb_each(s."mastery") e
  WHERE EXISTS (SELECT 1 FROM "skill" k WHERE k."id" = e.key::uuid)`;
