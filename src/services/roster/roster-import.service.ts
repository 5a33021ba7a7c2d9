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
import { type Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError } from "../common/domain-error.js";
import { unzipRoster } from "./roster-package.js";
import { writeDemographics } from "./roster-attributes.js";
import { LearnerAttributeService } from "../learner-attribute/learner-attribute.service.js";
import { planRoster } from "./roster-plan.js";
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
  /** Protected attributes from demographics.csv (only when the import opted in). */
  readonly attributes: RosterCounts;
  /** Rows or files read and not imported, with why. */
  readonly skipped: readonly { readonly file: string; readonly rows: number; readonly why: string }[];
}

export interface RosterImportOptions {
  /** Check everything and count what would change, then roll back: nothing is written. */
  readonly dryRun?: boolean;
}

/**
 * Where an import writes: the operator's import writes every school org of the package (creating the
 * schools it has not linked yet); a school's admin imports into that one school only — the package's
 * org that is this school (`orgSourcedId`) — and the package's rows of other schools are skipped (a
 * district-wide export serves each of its schools).
 */
export type RosterScope =
  | { readonly kind: "operator" }
  | { readonly kind: "school"; readonly schoolId: string; readonly orgSourcedId: string };

/** The most problems an API answer lists (the command lists them all). */
const MAX_REPORTED_PROBLEMS = 200;

const counts = (): RosterCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0 });

/** Thrown inside the transaction of a dry run, to roll it back once the summary is made. */
class DryRunDone extends Error {
  constructor(readonly summary: RosterSummary) {
    super("dry run");
  }
}

/** The longest OneRoster zip an admin uploads through the API, in bytes (bigger packages: the operator's command). */
export const MAX_UPLOAD_ZIP_BYTES = 200_000;

export class RosterImportService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * A school admin's upload (the API's `importOneRoster`): a zipped package, imported into the admin's
   * school only (RosterScope). `orgSourcedId` names the package's org that is this school; it may be left
   * out once an import has linked the school, or when the package holds one school. A refused package is
   * BAD_USER_INPUT with every problem (file, line, why) in `problems`; nothing is written.
   */
  async importUpload(
    actor: Actor,
    zip: Uint8Array,
    options: RosterImportOptions & { orgSourcedId?: string | null; demographics?: boolean },
  ): Promise<RosterSummary> {
    requireRole(actor, Role.Admin);
    if (zip.byteLength > MAX_UPLOAD_ZIP_BYTES)
      throw new BadInputError(`the package is larger than ${MAX_UPLOAD_ZIP_BYTES} bytes zipped: import it with npm run import:oneroster`, {
        field: "package",
      });
    try {
      const plan = planRoster(unzipRoster(zip), { demographics: options.demographics === true });
      const linked: { sourced_id: string }[] = await this.deps.dataSource.query(`SELECT sourced_id FROM roster_org WHERE school_id = $1`, [
        actor.schoolId,
      ]);
      const schoolOrgs = plan.orgs.filter((o) => o.type === "school");
      const orgSourcedId = options.orgSourcedId ?? linked[0]?.sourced_id ?? (schoolOrgs.length === 1 ? schoolOrgs[0]!.sourcedId : null);
      if (!orgSourcedId)
        throw new BadInputError("name the package's org that is this school (schoolSourcedId): the package holds several schools", {
          field: "schoolSourcedId",
        });
      return await this.import(plan, options, { kind: "school", schoolId: actor.schoolId, orgSourcedId });
    } catch (e) {
      if (e instanceof RosterPackageError)
        throw new BadInputError(`the OneRoster package was refused: ${e.problems.length} problem(s); nothing was written`, {
          field: "package",
          problems: e.problems.slice(0, MAX_REPORTED_PROBLEMS),
        });
      throw e;
    }
  }

  /** Imports the plan into `scope` (RosterScope; by default the operator's: every school of the package). */
  async import(plan: RosterPlan, options: RosterImportOptions = {}, scope: RosterScope = { kind: "operator" }): Promise<RosterSummary> {
    try {
      return await this.deps.dataSource.transaction(async (m) => {
        const summary = await new RosterWrite(m, this.deps, plan, options.dryRun === true, scope).run();
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
    attributes: counts(),
  };
  private readonly skipped: { file: string; rows: number; why: string }[];
  /** org sourcedId → school id (linked before, or created now). */
  private schools = new Map<string, string>();

  constructor(
    private readonly m: EntityManager,
    private readonly deps: ServiceDeps,
    private readonly plan: RosterPlan,
    private readonly dryRun: boolean,
    private readonly scope: RosterScope,
  ) {
    this.skipped = [...plan.skipped];
  }

  /** Rows of schools outside the scope, by file (a school admin's import of a district-wide package). */
  private readonly elsewhere = new Map<string, number>();

  private skipElsewhere(file: string): void {
    this.elsewhere.set(file, (this.elsewhere.get(file) ?? 0) + 1);
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
    await writeDemographics(
      this.m,
      new LearnerAttributeService(this.deps),
      this.plan.demographics,
      [...new Set(this.schools.values())],
      learners,
      this.summary.attributes,
      () => this.skipElsewhere("demographics.csv"),
    );
    for (const [file, rows] of this.elsewhere) this.skipped.push({ file, rows, why: "of other schools than this one: not imported here" });
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
    const linked = await schoolLinks(this.m, ids);
    if (this.scope.kind === "school") return this.resolveOwnSchool(linked);
    this.schools = linked;
    for (const o of this.plan.orgs)
      if (o.type === "school" && o.status === "active" && !this.schools.has(o.sourcedId)) this.schools.set(o.sourcedId, uuidv7());
  }

  /** A school's own import: its org, and nothing else; the org must be this school's (or no school's yet). */
  private async resolveOwnSchool(linked: Map<string, string>): Promise<void> {
    if (this.scope.kind !== "school") return;
    const { schoolId, orgSourcedId } = this.scope;
    const [own]: { sourced_id: string }[] = await this.m.query(`SELECT sourced_id FROM roster_org WHERE school_id = $1`, [schoolId]);
    const org = this.plan.orgs.find((o) => o.sourcedId === orgSourcedId);
    if (own && own.sourced_id !== orgSourcedId)
      this.problems.push({
        file: "orgs.csv",
        line: 0,
        why: `this school is org ${own.sourced_id} in earlier imports, not ${orgSourcedId}`,
      });
    else if (linked.has(orgSourcedId) && linked.get(orgSourcedId) !== schoolId)
      this.problems.push({ file: "orgs.csv", line: org?.line ?? 0, why: `org ${orgSourcedId} is another school's` });
    else if (!own && org?.type !== "school")
      this.problems.push({ file: "orgs.csv", line: org?.line ?? 0, why: `org ${orgSourcedId} is not a school of this package` });
    this.schools = new Map([[orgSourcedId, schoolId]]);
  }

  /** References to rows not in the package must name what an earlier import linked. */
  private checkOutside(cohorts: Map<string, string>, learners: Map<string, string>, teachers: Map<string, string>): void {
    const enrollmentAt = new Map(this.plan.enrollments.map((e) => [e.line, e]));
    for (const r of this.plan.outside) {
      if (r.kind === "org") {
        if (!this.schools.has(r.sourcedId) && this.scope.kind === "operator")
          this.problems.push({ file: r.file, line: r.line, why: `org ${r.sourcedId} is neither in orgs.csv nor a school imported before` });
        continue;
      }
      if (r.file === "demographics.csv") {
        // A student imported before in one of the package's schools; in a school's own import, another school's is skipped.
        const known = [...this.schools.values()].some((school) => learners.has(inSchool(school, r.sourcedId)));
        if (!known && this.scope.kind === "operator")
          this.problems.push({
            file: r.file,
            line: r.line,
            why: `user ${r.sourcedId} is neither in users.csv nor a student imported before`,
          });
        continue;
      }
      // Classes and users are referenced by enrollments, within the enrollment's school.
      const e = enrollmentAt.get(r.line)!;
      const school = this.schools.get(e.schoolSourcedId);
      if (!school) continue; // reported as the org's problem, or another school's row (skipped)
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
    if (this.scope.kind === "school") {
      // The admin's school is neither created nor renamed by its own import; its org is linked once.
      const { schoolId, orgSourcedId } = this.scope;
      const [own] = await this.m.query(`SELECT 1 FROM roster_org WHERE school_id = $1`, [schoolId]);
      if (!own) await linkSchool(this.m, orgSourcedId, schoolId);
      this.summary.schools.unchanged++;
      const others = this.plan.orgs.filter((o) => o.sourcedId !== orgSourcedId).length;
      if (others) this.skipped.push({ file: "orgs.csv", rows: others, why: "not this school: read for references only" });
      return;
    }
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
      if (!school) {
        this.skipElsewhere("classes.csv");
        continue;
      }
      const key = inSchool(school, c.sourcedId);
      const cohortId = key ? links.get(key) : undefined;
      if (c.status === "tobedeleted") {
        if (cohortId) {
          await this.m.delete(Cohort, { id: cohortId });
          links.delete(key);
          this.summary.cohorts.deleted++;
        }
        continue;
      }
      if (!cohortId) {
        const id = uuidv7();
        await this.m.insert(Cohort, { id, schoolId: school, name: c.title });
        await linkCohort(this.m, school, c.sourcedId, id);
        links.set(key, id);
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
      const schools = u.orgSourcedIds.map((id) => this.schools.get(id)).filter((id) => id !== undefined);
      if (schools.length === 0) this.skipElsewhere("users.csv"); // another school's people
      for (const school of schools) {
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
      if (!school) {
        this.skipElsewhere("enrollments.csv");
        continue;
      }
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
