/**
 * The OneRoster links' SQL (migrations/1764535000000-roster-links.ts): which school, cohort, learner,
 * teacher or membership an earlier import made for a sourcedId. Read in one statement per kind for a
 * whole package; written inside the import's transaction, schools and cohorts row by row, people and
 * memberships a batch at a time (services/roster/roster-inserts.ts gathers them).
 */
import type { EntityManager } from "typeorm";

export type PersonKind = "learner" | "teacher";

/** sourcedId → school id, for these org sourcedIds. */
export async function schoolLinks(m: EntityManager, sourcedIds: readonly string[]): Promise<Map<string, string>> {
  if (sourcedIds.length === 0) return new Map();
  const rows: { sourced_id: string; school_id: string }[] = await m.query(
    `SELECT sourced_id, school_id FROM roster_org WHERE sourced_id = ANY($1::varchar[])`,
    [[...sourcedIds]],
  );
  return new Map(rows.map((r) => [r.sourced_id, r.school_id]));
}

/** The key of a school's sourcedId in the maps below. */
export const inSchool = (schoolId: string, sourcedId: string): string => `${schoolId}|${sourcedId}`;

/** (school, sourcedId) → cohort id, for these schools. */
export async function cohortLinks(m: EntityManager, schoolIds: readonly string[]): Promise<Map<string, string>> {
  return links(m, "roster_cohort", "cohort_id", schoolIds);
}

/** (school, sourcedId) → learner or teacher id, for these schools. */
export async function personLinks(m: EntityManager, kind: PersonKind, schoolIds: readonly string[]): Promise<Map<string, string>> {
  return links(m, `roster_${kind}`, `${kind}_id`, schoolIds);
}

export interface MembershipLink {
  readonly schoolId: string;
  readonly sourcedId: string;
  readonly cohortId: string;
  readonly learnerId: string | null;
  readonly teacherId: string | null;
}

/** The memberships (enrollments) linked in these schools, by (school, sourcedId). */
export async function membershipLinks(m: EntityManager, schoolIds: readonly string[]): Promise<Map<string, MembershipLink>> {
  if (schoolIds.length === 0) return new Map();
  const rows: { school_id: string; sourced_id: string; cohort_id: string; learner_id: string | null; teacher_id: string | null }[] =
    await m.query(
      `SELECT school_id, sourced_id, cohort_id, learner_id, teacher_id FROM roster_enrollment WHERE school_id = ANY($1::uuid[])`,
      [[...schoolIds]],
    );
  return new Map(
    rows.map((r) => [
      inSchool(r.school_id, r.sourced_id),
      { schoolId: r.school_id, sourcedId: r.sourced_id, cohortId: r.cohort_id, learnerId: r.learner_id, teacherId: r.teacher_id },
    ]),
  );
}

async function links(m: EntityManager, table: string, column: string, schoolIds: readonly string[]): Promise<Map<string, string>> {
  if (schoolIds.length === 0) return new Map();
  const rows: { school_id: string; sourced_id: string; id: string }[] = await m.query(
    `SELECT school_id, sourced_id, ${column} AS id FROM ${table} WHERE school_id = ANY($1::uuid[])`,
    [[...schoolIds]],
  );
  return new Map(rows.map((r) => [inSchool(r.school_id, r.sourced_id), r.id]));
}

export async function linkSchool(m: EntityManager, sourcedId: string, schoolId: string): Promise<void> {
  await m.query(`INSERT INTO roster_org (sourced_id, school_id) VALUES ($1, $2)`, [sourcedId, schoolId]);
}

export async function linkCohort(m: EntityManager, schoolId: string, sourcedId: string, cohortId: string): Promise<void> {
  await m.query(`INSERT INTO roster_cohort (school_id, sourced_id, cohort_id) VALUES ($1, $2, $3)`, [schoolId, sourcedId, cohortId]);
}

/** A learner's or teacher's link to its sourcedId. */
export interface PersonLink {
  readonly schoolId: string;
  readonly sourcedId: string;
  readonly id: string;
}

/** Links people of one kind, in one statement (three parameters however many). */
export async function linkPeople(m: EntityManager, kind: PersonKind, links: readonly PersonLink[]): Promise<void> {
  if (links.length === 0) return;
  await m.query(
    `INSERT INTO roster_${kind} (school_id, sourced_id, ${kind}_id) SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[])`,
    [links.map((l) => l.schoolId), links.map((l) => l.sourcedId), links.map((l) => l.id)],
  );
}

/** Links memberships in one statement, each replacing the link of the same sourcedId if there was one (sourcedIds distinct). */
export async function linkMemberships(m: EntityManager, links: readonly MembershipLink[]): Promise<void> {
  if (links.length === 0) return;
  await m.query(
    `INSERT INTO roster_enrollment (school_id, sourced_id, cohort_id, learner_id, teacher_id)
     SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::uuid[], $5::uuid[])
     ON CONFLICT (school_id, sourced_id) DO UPDATE
       SET cohort_id = EXCLUDED.cohort_id, learner_id = EXCLUDED.learner_id, teacher_id = EXCLUDED.teacher_id`,
    [
      links.map((l) => l.schoolId),
      links.map((l) => l.sourcedId),
      links.map((l) => l.cohortId),
      links.map((l) => l.learnerId),
      links.map((l) => l.teacherId),
    ],
  );
}

/** Removes a membership's row (the learner's enrollment or the teacher's assignment) and its link. */
export async function removeMembership(m: EntityManager, link: MembershipLink): Promise<void> {
  if (link.learnerId) await m.query(`DELETE FROM enrollment WHERE cohort_id = $1 AND learner_id = $2`, [link.cohortId, link.learnerId]);
  else await m.query(`DELETE FROM cohort_teacher WHERE cohort_id = $1 AND teacher_id = $2`, [link.cohortId, link.teacherId]);
  await m.query(`DELETE FROM roster_enrollment WHERE school_id = $1 AND sourced_id = $2`, [link.schoolId, link.sourcedId]);
}

/** The org a school was linked to by an earlier import, if any. */
export async function orgOfSchool(m: EntityManager, schoolId: string): Promise<string | null> {
  const [row]: { sourced_id: string }[] = await m.query(`SELECT sourced_id FROM roster_org WHERE school_id = $1`, [schoolId]);
  return row?.sourced_id ?? null;
}

/** The learners enrolled in a cohort. */
export async function learnersOfCohort(m: EntityManager, cohortId: string): Promise<string[]> {
  const rows: { learner_id: string }[] = await m.query(`SELECT learner_id FROM enrollment WHERE cohort_id = $1`, [cohortId]);
  return rows.map((r) => r.learner_id);
}
