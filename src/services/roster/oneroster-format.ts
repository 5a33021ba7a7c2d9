/**
 * The OneRoster 1.1 CSV binding (IMS Global, "OneRoster v1.1 CSV Tables"), as far as ZPD reads it: the
 * files, the columns each needs, the vocabularies. Pure: no I/O.
 *
 * A package is `manifest.csv` plus data files, each declared in the manifest as `bulk` (the whole set of
 * that kind), `delta` (changes: every row carries `status` active | tobedeleted) or `absent`. Columns
 * are found by name (their order is the standard's, but a reader must not depend on it); extension
 * columns (`metadata.*`) and columns ZPD does not use are accepted and ignored. OneRoster 1.2 files of
 * the same names are read too where they differ only in columns (1.2's users carry their roles in
 * roles.csv, which is not read: such a package is refused by name, not misread).
 */

/** The data files ZPD reads, by their manifest key (`file.<name>`). */
export const ROSTER_FILES = ["orgs", "users", "classes", "courses", "academicSessions", "enrollments", "demographics"] as const;
export type RosterFile = (typeof ROSTER_FILES)[number];

/** Data files of the standard that ZPD does not read (gradebook, resources): a package may declare them; they are skipped. */
export const UNREAD_FILES = [
  "categories",
  "classResources",
  "courseResources",
  "lineItems",
  "resources",
  "results",
  "roles",
  "userProfiles",
] as const;

export type FileMode = "bulk" | "delta" | "absent";

/**
 * The columns ZPD needs in each file: present in the header, and non-empty in every row (`status` and
 * `dateLastModified` only in delta files). The standard requires more (e.g. a class's `termSourcedIds`);
 * what ZPD does not use is not enforced.
 */
export const REQUIRED_COLUMNS: Record<RosterFile, readonly string[]> = {
  orgs: ["sourcedId", "name", "type"],
  users: ["sourcedId", "role", "givenName", "familyName", "orgSourcedIds"],
  classes: ["sourcedId", "title", "schoolSourcedId"],
  courses: ["sourcedId", "title"],
  academicSessions: ["sourcedId", "title", "type"],
  enrollments: ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
  demographics: ["sourcedId"],
};

/** Columns read when present (may be empty). */
export const OPTIONAL_COLUMNS: Record<RosterFile, readonly string[]> = {
  orgs: ["parentSourcedId", "identifier"],
  users: ["email", "username", "enabledUser", "middleName", "identifier"],
  classes: ["courseSourcedId", "classCode", "termSourcedIds"],
  courses: ["orgSourcedId"],
  academicSessions: ["parentSourcedId"],
  enrollments: ["primary", "beginDate", "endDate"],
  demographics: [
    "birthDate",
    "sex",
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
  ],
};

export const ORG_TYPES = ["department", "school", "district", "local", "state", "national"] as const;
export const USER_ROLES = ["administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"] as const;
export const ENROLLMENT_ROLES = ["administrator", "proctor", "student", "teacher", "aide"] as const;
export const SESSION_TYPES = ["gradingPeriod", "semester", "schoolYear", "term"] as const;
export const STATUSES = ["active", "tobedeleted"] as const;
export type RowStatus = (typeof STATUSES)[number];

/** The longest value of any field ZPD stores or compares (a sourcedId, a name, a title). */
export const MAX_FIELD_LENGTH = 255;

/** A refusal of the package: the file, the 1-based line (its header is line 1; 0: the file as a whole) and why. */
export interface RosterProblem {
  readonly file: string;
  readonly line: number;
  readonly why: string;
}

/** An error carrying every problem found (the import is all or nothing: it writes nothing). */
export class RosterPackageError extends Error {
  constructor(readonly problems: readonly RosterProblem[]) {
    super(
      `the OneRoster package was refused (${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was written):\n${problems
        .slice(0, 50)
        .map((p) => `  ${p.file}${p.line ? ` line ${p.line}` : ""}: ${p.why}`)
        .join("\n")}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ""}`,
    );
    this.name = "RosterPackageError";
  }
}
