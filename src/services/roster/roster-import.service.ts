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
import type { ServiceDeps } from "../service-deps.js";
import { type Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError } from "../common/domain-error.js";
import { RosterPackageError } from "./oneroster-format.js";
import { unzipRoster } from "./roster-package.js";
import { planRoster, type RosterPlan } from "./roster-plan.js";
import { RosterWrite } from "./roster-write.js";
import { orgOfSchool } from "../../persistence/roster/roster-links.store.js";

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
  /** The learners whose data the import created or changed (none for a dry run): for the access log, never shown. */
  readonly learnerIds: readonly string[];
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

/** Thrown inside the transaction of a dry run, to roll it back once the summary is made. */
class DryRunDone extends Error {
  constructor(readonly summary: RosterSummary) {
    super("dry run");
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The longest OneRoster zip an admin uploads through the API, in bytes (bigger packages: the operator's command). */
export const MAX_UPLOAD_ZIP_BYTES = 200_000;

export class RosterImportService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * A school admin's upload (the API's `importOneRoster`): a zipped package in base64, imported into the admin's
   * school only (RosterScope). `orgSourcedId` names the package's org that is this school; it may be left
   * out once an import has linked the school, or when the package holds one school. A refused package is
   * BAD_USER_INPUT with every problem (file, line, why) in `problems`; nothing is written.
   */
  async importUpload(
    actor: Actor,
    packageBase64: string,
    options: RosterImportOptions & { orgSourcedId?: string | null; demographics?: boolean },
  ): Promise<RosterSummary> {
    requireRole(actor, Role.Admin);
    if (!BASE64.test(packageBase64) || packageBase64.length % 4 !== 0)
      throw new BadInputError("package must be a zip file in base64", { field: "package" });
    const zip = Buffer.from(packageBase64, "base64");
    if (zip.byteLength > MAX_UPLOAD_ZIP_BYTES)
      throw new BadInputError(`the package is larger than ${MAX_UPLOAD_ZIP_BYTES} bytes zipped: import it with npm run import:oneroster`, {
        field: "package",
      });
    try {
      const plan = planRoster(unzipRoster(zip), { demographics: options.demographics === true });
      const linked = await orgOfSchool(this.deps.dataSource.manager, actor.schoolId);
      const schoolOrgs = plan.orgs.filter((o) => o.type === "school");
      const orgSourcedId = options.orgSourcedId ?? linked ?? (schoolOrgs.length === 1 ? schoolOrgs[0]!.sourcedId : null);
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
