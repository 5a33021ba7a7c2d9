import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * What a OneRoster import linked to which row (services/roster/): a source's `sourcedId` per school for
 * its orgs (→ the school), classes (→ cohorts), users (→ learners or teachers) and enrollments (→ a
 * learner's enrollment or a teacher's assignment), so that importing again updates what it created
 * instead of creating it twice, and a delta's rows find what an earlier import made.
 *
 * A table per kind, each with real foreign keys that cascade: a cohort, learner or teacher deleted (an
 * erasure included: `roster_learner` and `roster_enrollment` have a `learner_id`, which the erasure finds
 * in the catalogue) takes its links with it.
 */
export class RosterLinks1764535000000 implements MigrationInterface {
  name = "RosterLinks1764535000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "roster_org" ("sourced_id" varchar(255) NOT NULL, "school_id" uuid NOT NULL,
         CONSTRAINT "PK_roster_org" PRIMARY KEY ("sourced_id"),
         CONSTRAINT "UQ_roster_org_school" UNIQUE ("school_id"),
         CONSTRAINT "FK_roster_org_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "roster_cohort" ("school_id" uuid NOT NULL, "sourced_id" varchar(255) NOT NULL, "cohort_id" uuid NOT NULL,
         CONSTRAINT "PK_roster_cohort" PRIMARY KEY ("school_id", "sourced_id"),
         CONSTRAINT "UQ_roster_cohort_cohort" UNIQUE ("cohort_id"),
         CONSTRAINT "FK_roster_cohort_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_cohort_cohort" FOREIGN KEY ("cohort_id") REFERENCES "cohort"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "roster_learner" ("school_id" uuid NOT NULL, "sourced_id" varchar(255) NOT NULL, "learner_id" uuid NOT NULL,
         CONSTRAINT "PK_roster_learner" PRIMARY KEY ("school_id", "sourced_id"),
         CONSTRAINT "UQ_roster_learner_learner" UNIQUE ("learner_id"),
         CONSTRAINT "FK_roster_learner_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_learner_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "roster_teacher" ("school_id" uuid NOT NULL, "sourced_id" varchar(255) NOT NULL, "teacher_id" uuid NOT NULL,
         CONSTRAINT "PK_roster_teacher" PRIMARY KEY ("school_id", "sourced_id"),
         CONSTRAINT "UQ_roster_teacher_teacher" UNIQUE ("teacher_id"),
         CONSTRAINT "FK_roster_teacher_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_teacher_teacher" FOREIGN KEY ("teacher_id") REFERENCES "teacher"("id") ON DELETE CASCADE)`,
    );
    // An enrollment links a learner's membership (enrollment) or a teacher's assignment (cohort_teacher).
    await q.query(
      `CREATE TABLE "roster_enrollment" ("school_id" uuid NOT NULL, "sourced_id" varchar(255) NOT NULL, "cohort_id" uuid NOT NULL,
         "learner_id" uuid, "teacher_id" uuid,
         CONSTRAINT "PK_roster_enrollment" PRIMARY KEY ("school_id", "sourced_id"),
         CONSTRAINT "CHK_roster_enrollment_one" CHECK (("learner_id" IS NULL) <> ("teacher_id" IS NULL)),
         CONSTRAINT "FK_roster_enrollment_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_enrollment_cohort" FOREIGN KEY ("cohort_id") REFERENCES "cohort"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_enrollment_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_roster_enrollment_teacher" FOREIGN KEY ("teacher_id") REFERENCES "teacher"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_roster_enrollment_learner" ON "roster_enrollment" ("learner_id")`);
    await q.query(`CREATE INDEX "IDX_roster_enrollment_cohort" ON "roster_enrollment" ("cohort_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["roster_enrollment", "roster_teacher", "roster_learner", "roster_cohort", "roster_org"])
      await q.query(`DROP TABLE "${t}"`);
  }
}
