/**
 * A roster's enrollments into memberships, inside the import's transaction: a student's into the
 * learner's enrollment in the cohort, a teacher's into its assignment to it (what its token may see);
 * other roles are not imported. A `tobedeleted` enrollment removes the membership; a bulk enrollments file
 * is the whole set of its schools' imported memberships (those it no longer lists are removed), and
 * memberships made through the API are never touched.
 */
import { inSchool, type MembershipLink, removeMembership } from "../../persistence/roster/roster-links.store.js";
import { uuidv7 } from "../../shared/ids.js";
import type { RosterPlan } from "./roster-plan.js";
import type { RosterContext } from "./roster-write.js";

/** The plan's enrollments into memberships; a bulk file's removals. */
export async function writeMemberships(
  ctx: RosterContext,
  plan: RosterPlan,
  cohorts: ReadonlyMap<string, string>,
  learners: ReadonlyMap<string, string>,
  teachers: ReadonlyMap<string, string>,
): Promise<void> {
  const { m } = ctx;
  const linked = ctx.memberships;
  const listed = new Set<string>();
  let others = 0;
  for (const e of plan.enrollments) {
    const school = ctx.schools.get(e.schoolSourcedId);
    if (!school) {
      ctx.skipElsewhere("enrollments.csv");
      continue;
    }
    const key = inSchool(school, e.sourcedId);
    listed.add(key);
    const before = linked.get(key);
    if (e.status === "tobedeleted") {
      if (before) await drop(ctx, before);
      continue;
    }
    if (e.role !== "student" && e.role !== "teacher") {
      others++;
      continue;
    }
    const cohortId = cohorts.get(inSchool(school, e.classSourcedId))!;
    const person = (e.role === "student" ? learners : teachers).get(inSchool(school, e.userSourcedId))!;
    const link: MembershipLink = {
      schoolId: school,
      sourcedId: e.sourcedId,
      cohortId,
      learnerId: e.role === "student" ? person : null,
      teacherId: e.role === "teacher" ? person : null,
    };
    if (before && before.cohortId === link.cohortId && before.learnerId === link.learnerId && before.teacherId === link.teacherId) {
      ctx.summary.memberships.unchanged++;
      continue;
    }
    if (before) {
      await ctx.inserts.flush(); // the rows gathered so far first, as the row-by-row import wrote them
      await removeMembership(m, before);
    }
    for (const id of [before?.learnerId, link.learnerId]) if (id) ctx.touched.add(id);
    if (link.learnerId) ctx.inserts.enrollment({ id: uuidv7(), schoolId: school, cohortId, learnerId: link.learnerId });
    else ctx.inserts.cohortTeacher({ id: uuidv7(), schoolId: school, cohortId, teacherId: link.teacherId! });
    ctx.inserts.membership(link);
    linked.set(key, link);
    ctx.summary.memberships[before ? "updated" : "created"]++;
  }
  if (others) ctx.skip({ file: "enrollments.csv", rows: others, why: "neither students' nor teachers': not imported" });
  // A bulk file is the whole set of its schools' memberships.
  if (plan.modes.enrollments === "bulk") {
    const packageSchools = new Set(plan.enrollments.map((e) => ctx.schools.get(e.schoolSourcedId)));
    for (const [key, link] of [...linked]) if (!listed.has(key) && packageSchools.has(link.schoolId)) await drop(ctx, link);
  }
  await ctx.inserts.flush();
}

/** A user marked tobedeleted: its imported memberships in that school go; the person and its data stay. */
export async function removeMembershipsOf(
  ctx: RosterContext,
  schoolId: string,
  who: { learnerId?: string; teacherId?: string },
): Promise<void> {
  const theirs = (l: MembershipLink) =>
    l.schoolId === schoolId && ((who.learnerId && l.learnerId === who.learnerId) || (who.teacherId && l.teacherId === who.teacherId));
  for (const link of [...ctx.memberships.values()].filter(theirs)) await drop(ctx, link);
}

/** Removes a membership (its row and its link), counted; its learner's data changed. */
async function drop(ctx: RosterContext, link: MembershipLink): Promise<void> {
  await ctx.inserts.flush(); // the rows gathered so far first, as the row-by-row import wrote them
  await removeMembership(ctx.m, link);
  ctx.memberships.delete(inSchool(link.schoolId, link.sourcedId));
  ctx.summary.memberships.deleted++;
  if (link.learnerId) ctx.touched.add(link.learnerId);
}
