/**
 * Who may do what. Every service call goes through these checks; every query is scoped to the
 * caller's school.
 *
 * Existence rule: a caller who may not see a record gets NOT_FOUND, exactly as if the record did not
 * exist (same code, same message shape "<Entity> <id> was not found") — a row of another school, a
 * learner outside a teacher's cohorts, a cohort the teacher does not teach, another learner's data
 * asked for by a learner. Only a role that can never read that kind of record at all (an analyst and
 * learner-level data, a teacher and a write reserved to admins) gets FORBIDDEN: that refusal depends
 * on the role alone and tells nothing about the record.
 *
 * What each role may read and write is docs/api-guide.md's "Who sees what" table; the authorization
 * matrix (test/e2e/authorization-matrix.db.test.ts) calls every operation of the schema against it.
 *
 * The platform admin (PLATFORM_ADMIN, a token without a school) creates and lists schools and has
 * no access to any school's data: it is not an Actor, and the API refuses it wherever one is needed.
 */
import { EntityManager } from "typeorm";
import { Actor, Caller, isPlatformAdmin, PlatformAdmin, Role } from "./actor.js";
import { ForbiddenError, NotFoundError } from "../common/domain-error.js";
import { Learner } from "../../persistence/learner/learner.entity.js";

export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) {
    throw new ForbiddenError(`role ${actor.role} may not do this (needs ${roles.join(" or ")})`);
  }
}

/** The platform operator, or FORBIDDEN (a school's token, even an admin's, manages no other school). */
export function requirePlatformAdmin(caller: Caller): PlatformAdmin {
  if (!isPlatformAdmin(caller))
    throw new ForbiddenError(`role ${caller.role} may not do this (needs a platform-admin token: npm run token -- --role platform-admin)`);
  return caller;
}

export type Access = "read" | "write";

/**
 * SQL condition restricting a learner id column to what the actor may see; `undefined` means the
 * whole school. Throws FORBIDDEN for roles with no learner-level access at all.
 */
export function learnerScope(actor: Actor, learnerIdColumn: string): { sql: string; params: Record<string, unknown> } | undefined {
  switch (actor.role) {
    case Role.Admin:
    case Role.Service:
      return undefined;
    case Role.Learner:
      return { sql: `${learnerIdColumn} = :scopeLearnerId`, params: { scopeLearnerId: actor.learnerId } };
    case Role.Teacher:
      return {
        sql: `${learnerIdColumn} IN (SELECT e.learner_id FROM enrollment e JOIN cohort_teacher ct ON ct.cohort_id = e.cohort_id WHERE ct.teacher_id = :scopeTeacherId)`,
        params: { scopeTeacherId: actor.teacherId },
      };
    default:
      throw new ForbiddenError(`role ${actor.role} has no access to learner-level data`);
  }
}

/**
 * Checks that the learner exists in the actor's school and that the actor may access it. `record` is
 * what the caller asked for when it is not the learner itself (a goal, a path, an attempt): out of
 * scope, that record is the one reported NOT_FOUND, so that the answer is the one a random id gets
 * and names no learner.
 */
export async function assertLearnerAccess(
  m: EntityManager,
  actor: Actor,
  learnerId: string,
  access: Access = "read",
  record?: { readonly entity: string; readonly id: string },
): Promise<Learner> {
  if (actor.role === Role.Analyst) throw new ForbiddenError("analysts have no access to learner-level data");
  const missing = () => (record ? new NotFoundError(record.entity, record.id) : new NotFoundError("Learner", learnerId));
  const learner = await m.findOne(Learner, { where: { id: learnerId, schoolId: actor.schoolId } });
  if (!learner) throw missing();
  // Out of the caller's scope: answered as if the record did not exist (the existence rule above).
  if (actor.role === Role.Learner && actor.learnerId !== learnerId) throw missing();
  if (actor.role === Role.Teacher && !(await teacherTeaches(m, actor, [learnerId]))) throw missing();
  void access; // every role that may read a learner may also write its learner-level data
  return learner;
}

/** Whether every learner in `learnerIds` is enrolled in a cohort the actor (a teacher) teaches. */
export async function teacherTeaches(m: EntityManager, actor: Actor, learnerIds: readonly string[]): Promise<boolean> {
  if (learnerIds.length === 0) return true;
  const rows: { n: string }[] = await m.query(
    `SELECT count(DISTINCT e.learner_id) AS n FROM enrollment e JOIN cohort_teacher ct ON ct.cohort_id = e.cohort_id
     WHERE ct.teacher_id = $1 AND e.school_id = $2 AND e.learner_id = ANY($3::uuid[])`,
    [actor.teacherId, actor.schoolId, [...new Set(learnerIds)]],
  );
  return Number(rows[0]?.n ?? 0) === new Set(learnerIds).size;
}

/** Whether a teacher teaches a cohort. */
export async function teacherHasCohort(m: EntityManager, actor: Actor, cohortId: string): Promise<boolean> {
  const rows: unknown[] = await m.query(`SELECT 1 FROM cohort_teacher WHERE teacher_id = $1 AND cohort_id = $2`, [
    actor.teacherId,
    cohortId,
  ]);
  return rows.length > 0;
}
