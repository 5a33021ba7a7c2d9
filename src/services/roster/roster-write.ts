/**
 * One OneRoster import inside its transaction: the schools in scope resolved, every reference the plan
 * left outside the package checked against earlier imports' links (any unresolved one refuses the whole
 * package before the first write), then schools, cohorts, people (roster-people.ts), memberships
 * (roster-memberships.ts) and, when asked for, protected attributes (roster-attributes.ts).
 */
import { type EntityManager, Not } from "typeorm";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import type { FieldCipher } from "../../persistence/crypto/field-cipher.js";
import { School } from "../../persistence/school/school.entity.js";
import {
  cohortLinks,
  inSchool,
  linkCohort,
  linkSchool,
  learnersOfCohort,
  type MembershipLink,
  membershipLinks,
  orgOfSchool,
  personLinks,
  schoolLinks,
} from "../../persistence/roster/roster-links.store.js";
import { uuidv7 } from "../../shared/ids.js";
import type { ServiceDeps } from "../service-deps.js";
import { LearnerAttributeService } from "../learner-attribute/learner-attribute.service.js";
import { RosterPackageError, type RosterProblem } from "./oneroster-format.js";
import { writeDemographics } from "./roster-attributes.js";
import { writeMemberships } from "./roster-memberships.js";
import { RosterInserts } from "./roster-inserts.js";
import { writePeople } from "./roster-people.js";
import type { RosterPlan } from "./roster-plan.js";
import type { RosterCounts, RosterScope, RosterSummary } from "./roster-import.service.js";

const counts = (): RosterCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0 });

/** What the parts of an import share (roster-people.ts, roster-memberships.ts). */
export interface RosterContext {
  readonly m: EntityManager;
  readonly cipher: FieldCipher;
  readonly summary: Omit<RosterSummary, "version" | "dryRun" | "skipped" | "learnerIds">;
  /** Learners whose data was created or changed. */
  readonly touched: Set<string>;
  /** org sourcedId → school id, within the import's scope. */
  readonly schools: ReadonlyMap<string, string>;
  /**
   * The memberships imported before in those schools, by (school, sourcedId), read once after the
   * cohorts are written (a deleted class's go with it) and kept current as memberships are removed or
   * replaced.
   */
  readonly memberships: Map<string, MembershipLink>;
  /** The rows created, written a table at a time (flushed before every DELETE and at the end of the memberships). */
  readonly inserts: RosterInserts;
  skip(entry: { file: string; rows: number; why: string }): void;
  /** Counts a row of a school outside the scope (a school admin's import of a district-wide package). */
  skipElsewhere(file: string): void;
}

/** One import, inside its transaction (RosterImportService.import). */
export class RosterWrite {
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
  private readonly touched = new Set<string>();
  /** org sourcedId → school id (linked before, or created now). */
  private schools = new Map<string, string>();
  /** The org a school's own import found linked to the school (RosterScope "school"). */
  private ownOrg: string | null = null;
  private memberships = new Map<string, MembershipLink>();
  private readonly inserts: RosterInserts;

  constructor(
    private readonly m: EntityManager,
    private readonly deps: ServiceDeps,
    private readonly plan: RosterPlan,
    private readonly dryRun: boolean,
    private readonly scope: RosterScope,
  ) {
    this.skipped = [...plan.skipped];
    this.inserts = new RosterInserts(m);
  }

  /** Rows of schools outside the scope, by file (a school admin's import of a district-wide package). */
  private readonly elsewhere = new Map<string, number>();

  private skipElsewhere(file: string): void {
    this.elsewhere.set(file, (this.elsewhere.get(file) ?? 0) + 1);
  }

  private get context(): RosterContext {
    return {
      m: this.m,
      cipher: this.deps.cipher,
      summary: this.summary,
      touched: this.touched,
      schools: this.schools,
      memberships: this.memberships,
      inserts: this.inserts,
      skip: (entry) => this.skipped.push(entry),
      skipElsewhere: (file) => this.skipElsewhere(file),
    };
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
    this.memberships = await membershipLinks(this.m, schoolIds);
    await writePeople(this.context, this.plan.users, learners, teachers);
    await writeMemberships(this.context, this.plan, cohorts, learners, teachers);
    await this.inserts.flush(); // the learners exist before their attributes are written
    await writeDemographics(
      this.m,
      new LearnerAttributeService(this.deps),
      this.plan.demographics,
      schoolIds,
      learners,
      this.summary.attributes,
      () => this.skipElsewhere("demographics.csv"),
      this.touched,
    );
    for (const [file, rows] of this.elsewhere) this.skipped.push({ file, rows, why: "of other schools than this one: not imported here" });
    return {
      version: this.plan.version,
      dryRun: this.dryRun,
      ...this.summary,
      skipped: this.skipped,
      learnerIds: this.dryRun ? [] : [...this.touched],
    };
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
    const own = await orgOfSchool(this.m, schoolId);
    this.ownOrg = own;
    const org = this.plan.orgs.find((o) => o.sourcedId === orgSourcedId);
    if (own && own !== orgSourcedId)
      this.problems.push({ file: "orgs.csv", line: 0, why: `this school is org ${own} in earlier imports, not ${orgSourcedId}` });
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
      if (!this.ownOrg) await linkSchool(this.m, orgSourcedId, schoolId);
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
      const cohortId = links.get(key);
      if (c.status === "tobedeleted") {
        if (cohortId) {
          for (const id of await learnersOfCohort(this.m, cohortId)) this.touched.add(id); // their memberships go with it
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
        // Only a changed title counts as an update.
        const changed = await this.m.update(Cohort, { id: cohortId, name: Not(c.title) }, { name: c.title });
        this.summary.cohorts[changed.affected ? "updated" : "unchanged"]++;
      }
    }
  }
}
