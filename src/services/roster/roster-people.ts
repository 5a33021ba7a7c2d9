/**
 * A roster's students and teachers (roster-plan.ts PlannedUser) into learners and teachers, inside the
 * import's transaction: created with their names (and a student's e-mail) encrypted as the API encrypts
 * them, or updated where the roster's values changed; a `tobedeleted` user loses its imported memberships
 * and keeps its data (erasure is its own audited act).
 */
import { In } from "typeorm";
import { contextOf, LEARNER_DISPLAY_NAME, LEARNER_EMAIL, TEACHER_NAME } from "../../persistence/crypto/encrypted-columns.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { inSchool } from "../../persistence/roster/roster-links.store.js";
import { uuidv7 } from "../../shared/ids.js";
import { removeMembershipsOf } from "./roster-memberships.js";
import type { PlannedUser } from "./roster-plan.js";
import type { RosterContext } from "./roster-write.js";

/** Students and teachers into learners and teachers of each of their schools in the import's scope. */
export async function writePeople(
  ctx: RosterContext,
  users: readonly PlannedUser[],
  learners: Map<string, string>,
  teachers: Map<string, string>,
): Promise<void> {
  let others = 0;
  // The people linked before, read in a few statements rather than one per row (the unchanged import's path).
  const stored = await storedPeople(ctx, users, learners, teachers);
  for (const u of users) {
    if (u.role !== "student" && u.role !== "teacher") {
      others++;
      continue;
    }
    const schools = u.orgSourcedIds.map((id) => ctx.schools.get(id)).filter((id) => id !== undefined);
    if (schools.length === 0) ctx.skipElsewhere("users.csv"); // another school's people
    for (const school of schools) {
      if (u.role === "student") await writeLearner(ctx, u, school, learners, stored.profiles);
      else await writeTeacher(ctx, u, school, teachers, stored.teachers);
    }
  }
  if (others) ctx.skip({ file: "users.csv", rows: others, why: "neither students nor teachers: not imported" });
}

/** How many ids a `= ANY` lookup takes at once. */
const LOOKUP_CHUNK = 5_000;

/** The profiles and teachers the plan's linked people have now, by id. */
async function storedPeople(
  ctx: RosterContext,
  users: readonly PlannedUser[],
  learners: ReadonlyMap<string, string>,
  teachers: ReadonlyMap<string, string>,
): Promise<{ profiles: Map<string, LearnerProfile>; teachers: Map<string, Teacher> }> {
  const learnerIds: string[] = [];
  const teacherIds: string[] = [];
  for (const u of users) {
    if (u.status !== "active" || (u.role !== "student" && u.role !== "teacher")) continue;
    for (const org of u.orgSourcedIds) {
      const school = ctx.schools.get(org);
      if (school === undefined) continue;
      const id = (u.role === "student" ? learners : teachers).get(inSchool(school, u.sourcedId));
      if (id) (u.role === "student" ? learnerIds : teacherIds).push(id);
    }
  }
  const profiles = new Map<string, LearnerProfile>();
  for (let i = 0; i < learnerIds.length; i += LOOKUP_CHUNK)
    for (const p of await ctx.m.findBy(LearnerProfile, { learnerId: In(learnerIds.slice(i, i + LOOKUP_CHUNK)) }))
      profiles.set(p.learnerId, p);
  const found = new Map<string, Teacher>();
  for (let i = 0; i < teacherIds.length; i += LOOKUP_CHUNK)
    for (const t of await ctx.m.findBy(Teacher, { id: In(teacherIds.slice(i, i + LOOKUP_CHUNK)) })) found.set(t.id, t);
  return { profiles, teachers: found };
}

async function writeLearner(
  ctx: RosterContext,
  u: PlannedUser,
  schoolId: string,
  links: Map<string, string>,
  profiles: ReadonlyMap<string, LearnerProfile>,
): Promise<void> {
  const key = inSchool(schoolId, u.sourcedId);
  const id = links.get(key);
  const { m, cipher } = ctx;
  if (u.status === "tobedeleted") {
    if (id) await removeMembershipsOf(ctx, schoolId, { learnerId: id });
    return;
  }
  if (!id) {
    const learnerId = uuidv7();
    ctx.inserts.learner(
      { id: learnerId, schoolId, externalRef: null, interestsEnc: null },
      {
        learnerId,
        schoolId,
        displayNameEnc: cipher.encrypt(u.displayName, contextOf(LEARNER_DISPLAY_NAME, learnerId)),
        emailEnc: cipher.encryptOptional(u.email, contextOf(LEARNER_EMAIL, learnerId)),
      },
      { schoolId, sourcedId: u.sourcedId, id: learnerId },
    );
    links.set(key, learnerId);
    ctx.touched.add(learnerId);
    ctx.summary.learners.created++;
    return;
  }
  const profile = profiles.get(id);
  const name = cipher.decryptOptional(profile?.displayNameEnc, contextOf(LEARNER_DISPLAY_NAME, id));
  const email = cipher.decryptOptional(profile?.emailEnc, contextOf(LEARNER_EMAIL, id));
  if (profile && name === u.displayName && email === u.email) {
    ctx.summary.learners.unchanged++;
    return;
  }
  await m.upsert(
    LearnerProfile,
    {
      learnerId: id,
      schoolId,
      displayNameEnc: cipher.encrypt(u.displayName, contextOf(LEARNER_DISPLAY_NAME, id)),
      emailEnc: cipher.encryptOptional(u.email, contextOf(LEARNER_EMAIL, id)),
    },
    ["learnerId"],
  );
  ctx.touched.add(id);
  ctx.summary.learners.updated++;
}

async function writeTeacher(
  ctx: RosterContext,
  u: PlannedUser,
  schoolId: string,
  links: Map<string, string>,
  stored: ReadonlyMap<string, Teacher>,
): Promise<void> {
  const key = inSchool(schoolId, u.sourcedId);
  const id = links.get(key);
  const { m, cipher } = ctx;
  if (u.status === "tobedeleted") {
    if (id) await removeMembershipsOf(ctx, schoolId, { teacherId: id });
    return;
  }
  if (!id) {
    const teacherId = uuidv7();
    ctx.inserts.teacher(
      { id: teacherId, schoolId, displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, teacherId)) },
      { schoolId, sourcedId: u.sourcedId, id: teacherId },
    );
    links.set(key, teacherId);
    ctx.summary.teachers.created++;
    return;
  }
  const teacher = stored.get(id);
  if (!teacher) throw new Error(`teacher ${id} is linked but does not exist`);
  if (cipher.decrypt(teacher.displayNameEnc, contextOf(TEACHER_NAME, id)) === u.displayName) {
    ctx.summary.teachers.unchanged++;
    return;
  }
  await m.update(Teacher, { id }, { displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, id)) });
  ctx.summary.teachers.updated++;
}
