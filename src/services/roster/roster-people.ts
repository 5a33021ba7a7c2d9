/**
 * A roster's students and teachers (roster-plan.ts PlannedUser) into learners and teachers, inside the
 * import's transaction: created with their names (and a student's e-mail) encrypted as the API encrypts
 * them, or updated where the roster's values changed; a `tobedeleted` user loses its imported memberships
 * and keeps its data (erasure is its own audited act).
 */
import { contextOf, LEARNER_DISPLAY_NAME, LEARNER_EMAIL, TEACHER_NAME } from "../../persistence/crypto/encrypted-columns.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { inSchool, linkPerson } from "../../persistence/roster/roster-links.store.js";
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
  for (const u of users) {
    if (u.role !== "student" && u.role !== "teacher") {
      others++;
      continue;
    }
    const schools = u.orgSourcedIds.map((id) => ctx.schools.get(id)).filter((id) => id !== undefined);
    if (schools.length === 0) ctx.skipElsewhere("users.csv"); // another school's people
    for (const school of schools) {
      if (u.role === "student") await writeLearner(ctx, u, school, learners);
      else await writeTeacher(ctx, u, school, teachers);
    }
  }
  if (others) ctx.skip({ file: "users.csv", rows: others, why: "neither students nor teachers: not imported" });
}

async function writeLearner(ctx: RosterContext, u: PlannedUser, schoolId: string, links: Map<string, string>): Promise<void> {
  const key = inSchool(schoolId, u.sourcedId);
  const id = links.get(key);
  const { m, cipher } = ctx;
  if (u.status === "tobedeleted") {
    if (id) await removeMembershipsOf(ctx, schoolId, { learnerId: id });
    return;
  }
  if (!id) {
    const learnerId = uuidv7();
    await m.insert(Learner, { id: learnerId, schoolId, externalRef: null, interestsEnc: null });
    await m.insert(LearnerProfile, {
      learnerId,
      schoolId,
      displayNameEnc: cipher.encrypt(u.displayName, contextOf(LEARNER_DISPLAY_NAME, learnerId)),
      emailEnc: cipher.encryptOptional(u.email, contextOf(LEARNER_EMAIL, learnerId)),
    });
    await linkPerson(m, "learner", schoolId, u.sourcedId, learnerId);
    links.set(key, learnerId);
    ctx.touched.add(learnerId);
    ctx.summary.learners.created++;
    return;
  }
  const profile = await m.findOneBy(LearnerProfile, { learnerId: id });
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

async function writeTeacher(ctx: RosterContext, u: PlannedUser, schoolId: string, links: Map<string, string>): Promise<void> {
  const key = inSchool(schoolId, u.sourcedId);
  const id = links.get(key);
  const { m, cipher } = ctx;
  if (u.status === "tobedeleted") {
    if (id) await removeMembershipsOf(ctx, schoolId, { teacherId: id });
    return;
  }
  if (!id) {
    const teacherId = uuidv7();
    await m.insert(Teacher, {
      id: teacherId,
      schoolId,
      displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, teacherId)),
    });
    await linkPerson(m, "teacher", schoolId, u.sourcedId, teacherId);
    links.set(key, teacherId);
    ctx.summary.teachers.created++;
    return;
  }
  const teacher = await m.findOneByOrFail(Teacher, { id });
  if (cipher.decrypt(teacher.displayNameEnc, contextOf(TEACHER_NAME, id)) === u.displayName) {
    ctx.summary.teachers.unchanged++;
    return;
  }
  await m.update(Teacher, { id }, { displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, id)) });
  ctx.summary.teachers.updated++;
}
