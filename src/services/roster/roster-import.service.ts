/**
 * Importing a checked OneRoster package (roster-plan.ts) in ONE transaction, all or nothing, idempotent
 * on sourcedIds (migrations/1764535000000-roster-links.ts):
 *
 * - orgs of type school → schools (created by the operator's import, or the admin's own school);
 * - classes → cohorts, named by the class's title;
 * - users: students → learners, their name and e-mail in the learner's encrypted profile; teachers →
 *   teachers (the name encrypted); a user in two schools is a learner (or teacher) in each; other roles
 *   (administrators, guardians …) are not imported;
 * - enrollments: a student's → the learner's enrollment in the cohort; a teacher's → the teacher's
 *   assignment to it (what its token may see); other roles are not imported.
 *
 * Every reference is resolved before the first write: within the package, else among what earlier
 * imports linked; one that resolves nowhere refuses the package, with its file and line. A delta's
 * `tobedeleted` class deletes its cohort (with its memberships); a `tobedeleted` enrollment removes the
 * membership; a `tobedeleted` user loses its imported memberships and keeps its data (erasure is its own,
 * audited act); a `tobedeleted` org is not applied (schools are deleted by the operator). A bulk
 * enrollments file is the whole set: imported memberships of its schools that it no longer lists are
 * removed; memberships made through the API are never touched.
 */
import { type EntityManager, Not } from "typeorm";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import { CohortTeacher } from "../../persistence/cohort/cohort-teacher.entity.js";
import { Enrollment } from "../../persistence/cohort/enrollment.entity.js";
import { contextOf, LEARNER_DISPLAY_NAME, LEARNER_EMAIL, TEACHER_NAME } from "../../persistence/crypto/encrypted-columns.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import {
  cohortLinks,
  inSchool,
  linkCohort,
  linkMembership,
  linkPerson,
  linkSchool,
  type MembershipLink,
  membershipLinks,
  personLinks,
  removeMembership,
  schoolLinks,
} from "../../persistence/roster/roster-links.store.js";
import { uuidv7 } from "../../shared/ids.js";
import type { ServiceDeps } from "../service-deps.js";
import { RosterPackageError, type RosterProblem } from "./oneroster-format.js";
import type { PlannedUser, RosterPlan } from "./roster-plan.js";

/** What an import did (or, for a dry run, would do), per kind. */
export interface RosterCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface RosterSummary {
  readonly version: string;
  readonly dryRun: boolean;
  readonly schools: RosterCounts;
  readonly cohorts: RosterCounts;
  readonly learners: RosterCounts;
  readonly teachers: RosterCounts;
  readonly memberships: RosterCounts;
  /** Rows or files read and not imported, with why. */
  readonly skipped: readonly { readonly file: string; readonly rows: number; readonly why: string }[];
}

export interface RosterImportOptions {
  /** Check everything and count what would change, then roll back: nothing is written. */
  readonly dryRun?: boolean;
}

const counts = (): RosterCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0 });

/** Thrown inside the transaction of a dry run, to roll it back once the summary is made. */
class DryRunDone extends Error {
  constructor(readonly summary: RosterSummary) {
    super("dry run");
  }
}

export class RosterImportService {
  constructor(private readonly deps: ServiceDeps) {}

  /** The operator's import (`npm run import:oneroster`): schools created for the package's school orgs as needed. */
  async import(plan: RosterPlan, options: RosterImportOptions = {}): Promise<RosterSummary> {
    try {
      return await this.deps.dataSource.transaction(async (m) => {
        const summary = await new RosterWrite(m, this.deps, plan, options.dryRun === true).run();
        if (options.dryRun) throw new DryRunDone(summary);
        return summary;
      });
    } catch (e) {
      if (e instanceof DryRunDone) return e.summary;
      throw e;
    }
  }
}

/** One import, inside its transaction. */
class RosterWrite {
  private readonly problems: RosterProblem[] = [];
  private readonly summary = {
    schools: counts(),
    cohorts: counts(),
    learners: counts(),
    teachers: counts(),
    memberships: counts(),
  };
  private readonly skipped: { file: string; rows: number; why: string }[];
  /** org sourcedId → school id (linked before, or created now). */
  private schools = new Map<string, string>();

  constructor(
    private readonly m: EntityManager,
    private readonly deps: ServiceDeps,
    private readonly plan: RosterPlan,
    private readonly dryRun: boolean,
  ) {
    this.skipped = [...plan.skipped];
  }

  async run(): Promise<RosterSummary> {
    await this.resolveSchools();
    const schoolIds = [...new Set(this.schools.values())];
    const cohorts = await cohortLinks(this.m, schoolIds);
    const learners = await personLinks(this.m, "learner", schoolIds);
    const teachers = await personLinks(this.m, "teacher", schoolIds);
    this.checkOutside(cohorts, learners, teachers);
    if (this.problems.length) throw new RosterPackageError(this.problems);
    await this.writeSchools();
    await this.writeCohorts(cohorts);
    await this.writePeople(learners, teachers);
    await this.writeMemberships(cohorts, learners, teachers);
    return { version: this.plan.version, dryRun: this.dryRun, ...this.summary, skipped: this.skipped };
  }

  /** The package's school orgs and every org it references: linked ones found, unlinked school orgs of the package to be created. */
  private async resolveSchools(): Promise<void> {
    // Every org the package names, a deleting row's included (a no-op where it names nothing imported).
    const { orgs, users, classes, enrollments } = this.plan;
    const named = [
      ...orgs.map((o) => o.sourcedId),
      ...users.flatMap((u) => u.orgSourcedIds),
      ...classes.map((c) => c.schoolSourcedId),
      ...enrollments.map((e) => e.schoolSourcedId),
    ];
    const ids = [...new Set(named)];
    this.schools = await schoolLinks(this.m, ids);
    for (const o of this.plan.orgs)
      if (o.type === "school" && o.status === "active" && !this.schools.has(o.sourcedId)) this.schools.set(o.sourcedId, uuidv7());
  }

  /** References to rows not in the package must name what an earlier import linked. */
  private checkOutside(cohorts: Map<string, string>, learners: Map<string, string>, teachers: Map<string, string>): void {
    const enrollmentAt = new Map(this.plan.enrollments.map((e) => [e.line, e]));
    for (const r of this.plan.outside) {
      if (r.kind === "org") {
        if (!this.schools.has(r.sourcedId))
          this.problems.push({ file: r.file, line: r.line, why: `org ${r.sourcedId} is neither in orgs.csv nor a school imported before` });
        continue;
      }
      // Classes and users are referenced by enrollments, within the enrollment's school.
      const e = enrollmentAt.get(r.line)!;
      const school = this.schools.get(e.schoolSourcedId);
      if (!school) continue; // reported as the org's problem
      const key = inSchool(school, r.sourcedId);
      const found = r.kind === "class" ? cohorts.has(key) : e.role === "teacher" ? teachers.has(key) : learners.has(key);
      if (!found)
        this.problems.push({
          file: r.file,
          line: r.line,
          why: `${r.kind} ${r.sourcedId} is neither in ${r.kind === "class" ? "classes" : "users"}.csv nor imported before in that school`,
        });
    }
  }

  private async writeSchools(): Promise<void> {
    for (const o of this.plan.orgs) {
      if (o.type !== "school") continue;
      if (o.status === "tobedeleted") {
        this.skipped.push({
          file: "orgs.csv",
          rows: 1,
          why: `line ${o.line}: a school is not deleted by a roster (the operator deletes schools)`,
        });
        continue;
      }
      const id = this.schools.get(o.sourcedId)!;
      const school = await this.m.findOneBy(School, { id });
      if (!school) {
        await this.m.insert(School, { id, name: o.name });
        await linkSchool(this.m, o.sourcedId, id);
        this.summary.schools.created++;
      } else if (school.name !== o.name) {
        await this.m.update(School, { id }, { name: o.name });
        this.summary.schools.updated++;
      } else this.summary.schools.unchanged++;
    }
    const others = this.plan.orgs.filter((o) => o.type !== "school").length;
    if (others)
      this.skipped.push({ file: "orgs.csv", rows: others, why: "not schools (districts, departments …): read for references only" });
  }

  private async writeCohorts(links: Map<string, string>): Promise<void> {
    for (const c of this.plan.classes) {
      const school = this.schools.get(c.schoolSourcedId);
      const key = school ? inSchool(school, c.sourcedId) : null;
      const cohortId = key ? links.get(key) : undefined;
      if (c.status === "tobedeleted") {
        if (cohortId) {
          await this.m.delete(Cohort, { id: cohortId });
          links.delete(key!);
          this.summary.cohorts.deleted++;
        }
        continue;
      }
      if (!cohortId) {
        const id = uuidv7();
        await this.m.insert(Cohort, { id, schoolId: school!, name: c.title });
        await linkCohort(this.m, school!, c.sourcedId, id);
        links.set(key!, id);
        this.summary.cohorts.created++;
      } else {
        const changed = await this.m.update(Cohort, { id: cohortId, name: notEqual(c.title) }, { name: c.title });
        this.summary.cohorts[changed.affected ? "updated" : "unchanged"]++;
      }
    }
  }

  private async writePeople(learners: Map<string, string>, teachers: Map<string, string>): Promise<void> {
    let others = 0;
    for (const u of this.plan.users) {
      if (u.role !== "student" && u.role !== "teacher") {
        others++;
        continue;
      }
      for (const orgId of u.orgSourcedIds) {
        const school = this.schools.get(orgId);
        if (!school) continue; // a district or another non-school org
        if (u.role === "student") await this.writeLearner(u, school, learners);
        else await this.writeTeacher(u, school, teachers);
      }
    }
    if (others) this.skipped.push({ file: "users.csv", rows: others, why: "neither students nor teachers: not imported" });
  }

  private async writeLearner(u: PlannedUser, schoolId: string, links: Map<string, string>): Promise<void> {
    const key = inSchool(schoolId, u.sourcedId);
    const id = links.get(key);
    const { cipher } = this.deps;
    if (u.status === "tobedeleted") {
      if (id) await this.removeMembershipsOf(schoolId, { learnerId: id });
      return;
    }
    if (!id) {
      const learnerId = uuidv7();
      await this.m.insert(Learner, { id: learnerId, schoolId, externalRef: null, interestsEnc: null });
      await this.m.insert(LearnerProfile, {
        learnerId,
        schoolId,
        displayNameEnc: cipher.encrypt(u.displayName, contextOf(LEARNER_DISPLAY_NAME, learnerId)),
        emailEnc: cipher.encryptOptional(u.email, contextOf(LEARNER_EMAIL, learnerId)),
      });
      await linkPerson(this.m, "learner", schoolId, u.sourcedId, learnerId);
      links.set(key, learnerId);
      this.summary.learners.created++;
      return;
    }
    const profile = await this.m.findOneBy(LearnerProfile, { learnerId: id });
    const name = cipher.decryptOptional(profile?.displayNameEnc, contextOf(LEARNER_DISPLAY_NAME, id));
    const email = cipher.decryptOptional(profile?.emailEnc, contextOf(LEARNER_EMAIL, id));
    if (profile && name === u.displayName && email === u.email) {
      this.summary.learners.unchanged++;
      return;
    }
    await this.m.upsert(
      LearnerProfile,
      {
        learnerId: id,
        schoolId,
        displayNameEnc: cipher.encrypt(u.displayName, contextOf(LEARNER_DISPLAY_NAME, id)),
        emailEnc: cipher.encryptOptional(u.email, contextOf(LEARNER_EMAIL, id)),
      },
      ["learnerId"],
    );
    this.summary.learners.updated++;
  }

  private async writeTeacher(u: PlannedUser, schoolId: string, links: Map<string, string>): Promise<void> {
    const key = inSchool(schoolId, u.sourcedId);
    const id = links.get(key);
    const { cipher } = this.deps;
    if (u.status === "tobedeleted") {
      if (id) await this.removeMembershipsOf(schoolId, { teacherId: id });
      return;
    }
    if (!id) {
      const teacherId = uuidv7();
      await this.m.insert(Teacher, {
        id: teacherId,
        schoolId,
        displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, teacherId)),
      });
      await linkPerson(this.m, "teacher", schoolId, u.sourcedId, teacherId);
      links.set(key, teacherId);
      this.summary.teachers.created++;
      return;
    }
    const teacher = await this.m.findOneByOrFail(Teacher, { id });
    if (cipher.decrypt(teacher.displayNameEnc, contextOf(TEACHER_NAME, id)) === u.displayName) {
      this.summary.teachers.unchanged++;
      return;
    }
    await this.m.update(Teacher, { id }, { displayNameEnc: cipher.encrypt(u.displayName, contextOf(TEACHER_NAME, id)) });
    this.summary.teachers.updated++;
  }

  private async writeMemberships(
    cohorts: Map<string, string>,
    learners: Map<string, string>,
    teachers: Map<string, string>,
  ): Promise<void> {
    const schoolIds = [...new Set(this.schools.values())];
    const linked = await membershipLinks(this.m, schoolIds);
    const listed = new Set<string>();
    let others = 0;
    for (const e of this.plan.enrollments) {
      const school = this.schools.get(e.schoolSourcedId);
      if (!school) continue;
      const key = inSchool(school, e.sourcedId);
      listed.add(key);
      const before = linked.get(key);
      if (e.status === "tobedeleted") {
        if (before) {
          await removeMembership(this.m, before);
          this.summary.memberships.deleted++;
        }
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
        this.summary.memberships.unchanged++;
        continue;
      }
      if (before) await removeMembership(this.m, before);
      if (link.learnerId)
        await this.m
          .createQueryBuilder()
          .insert()
          .into(Enrollment)
          .values({ id: uuidv7(), schoolId: school, cohortId, learnerId: link.learnerId })
          .orIgnore()
          .execute();
      else
        await this.m
          .createQueryBuilder()
          .insert()
          .into(CohortTeacher)
          .values({ id: uuidv7(), schoolId: school, cohortId, teacherId: link.teacherId! })
          .orIgnore()
          .execute();
      await linkMembership(this.m, link);
      this.summary.memberships[before ? "updated" : "created"]++;
    }
    if (others) this.skipped.push({ file: "enrollments.csv", rows: others, why: "neither students' nor teachers': not imported" });
    // A bulk file is the whole set of its schools' memberships.
    if (this.plan.modes.enrollments === "bulk") {
      const packageSchools = new Set(this.plan.enrollments.map((e) => this.schools.get(e.schoolSourcedId)));
      for (const [key, link] of linked)
        if (!listed.has(key) && packageSchools.has(link.schoolId)) {
          await removeMembership(this.m, link);
          this.summary.memberships.deleted++;
        }
    }
  }

  /** A user marked tobedeleted: its imported memberships in that school go; the person and its data stay. */
  private async removeMembershipsOf(schoolId: string, who: { learnerId?: string; teacherId?: string }): Promise<void> {
    for (const link of (await membershipLinks(this.m, [schoolId])).values())
      if ((who.learnerId && link.learnerId === who.learnerId) || (who.teacherId && link.teacherId === who.teacherId)) {
        await removeMembership(this.m, link);
        this.summary.memberships.deleted++;
      }
  }
}

/** TypeORM's `<>` condition for an update that only counts when something changes. */
function notEqual(value: string) {
  return Not(value);
}
