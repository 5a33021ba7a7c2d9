/**
 * A OneRoster package checked in full, before anything is written: the manifest, every file's rows
 * (roster-csv.ts), the vocabularies, duplicate sourcedIds, and every reference between the package's
 * own rows. What it reads is the plan the import applies (roster-import.service.ts); references to
 * rows not in the package (a delta naming a class imported before) are listed for the import to
 * resolve against what it linked earlier. Every problem is reported with its file and line; any
 * problem refuses the whole package. Pure: no I/O.
 */
import {
  ENROLLMENT_ROLES,
  type FileMode,
  OPTIONAL_COLUMNS,
  ORG_TYPES,
  REQUIRED_COLUMNS,
  ROSTER_FILES,
  type RosterFile,
  RosterPackageError,
  type RosterProblem,
  type RowStatus,
  SESSION_TYPES,
  UNREAD_FILES,
  USER_ROLES,
} from "./oneroster-format.js";
import { readRosterCsv, type RosterRow } from "./roster-csv.js";

/** The longest cohort name (cohort.name) and person name ZPD stores. */
export const MAX_NAME_LENGTH = 200;

interface Located {
  readonly line: number;
  readonly sourcedId: string;
  readonly status: RowStatus;
}

export interface PlannedOrg extends Located {
  readonly name: string;
  readonly type: (typeof ORG_TYPES)[number];
}

export interface PlannedUser extends Located {
  readonly role: (typeof USER_ROLES)[number];
  /** "Given Family" (the middle name left out), as the learner's or teacher's display name. */
  readonly displayName: string;
  readonly email: string | null;
  readonly orgSourcedIds: readonly string[];
}

export interface PlannedClass extends Located {
  readonly title: string;
  readonly schoolSourcedId: string;
}

/** The protected attributes a demographics row gives its user (only those it states). */
export interface PlannedDemographics extends Located {
  readonly attributes: Readonly<Partial<Record<(typeof DEMOGRAPHIC_ATTRIBUTES)[number], string>>>;
}

/**
 * The attributes demographics.csv becomes (learner attributes, for the fairness audit only): `sex` as
 * given; `race`, the one race flag that is true, or `twoOrMoreRaces` (its own flag, or several true);
 * `hispanicOrLatino`, true or false. Birth date and place are not imported: the audit needs no more.
 */
export const DEMOGRAPHIC_ATTRIBUTES = ["sex", "race", "hispanicOrLatino"] as const;
const SEXES = ["male", "female", "unspecified", "other"] as const;
const RACE_FLAGS = [
  "americanIndianOrAlaskaNative",
  "asian",
  "blackOrAfricanAmerican",
  "nativeHawaiianOrOtherPacificIslander",
  "white",
] as const;

export interface PlannedEnrollment extends Located {
  readonly classSourcedId: string;
  readonly schoolSourcedId: string;
  readonly userSourcedId: string;
  readonly role: (typeof ENROLLMENT_ROLES)[number];
}

/** A reference the package does not resolve itself: to be found among earlier imports' links. */
export interface OutsideReference {
  readonly file: string;
  readonly line: number;
  readonly kind: "org" | "class" | "user";
  readonly sourcedId: string;
}

export interface RosterPlan {
  readonly version: string;
  readonly modes: Readonly<Record<RosterFile, FileMode>>;
  readonly orgs: readonly PlannedOrg[];
  readonly users: readonly PlannedUser[];
  readonly classes: readonly PlannedClass[];
  readonly enrollments: readonly PlannedEnrollment[];
  /** Empty unless the import opted in (PlanOptions.demographics). */
  readonly demographics: readonly PlannedDemographics[];
  readonly outside: readonly OutsideReference[];
  /** Files or rows read and deliberately not imported, with why (for the summary). */
  readonly skipped: readonly { readonly file: string; readonly rows: number; readonly why: string }[];
}

export interface PlanOptions {
  /** Whether demographics.csv may be read (protected attributes, for the fairness audit only); off: it is skipped unread. */
  readonly demographics?: boolean;
}

/**
 * Checks a package given as its files' bytes by name (`manifest.csv`, `orgs.csv`, …: a zip's entries or
 * a folder's files, see roster-package.ts). Throws RosterPackageError with every problem found.
 */
export function planRoster(files: ReadonlyMap<string, Uint8Array>, options: PlanOptions = {}): RosterPlan {
  const problems: RosterProblem[] = [];
  const refused = () => new RosterPackageError(problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line));
  const manifest = readManifest(files, problems);
  if (!manifest) throw refused();
  const { version, modes } = manifest;
  const skipped: { file: string; rows: number; why: string }[] = [];
  const rowsOf = (file: RosterFile): RosterRow[] => {
    if (modes[file] === "absent") return [];
    const { rows, problems: found } = readRosterCsv(`${file}.csv`, files.get(`${file}.csv`)!, {
      required: REQUIRED_COLUMNS[file],
      optional: OPTIONAL_COLUMNS[file],
      delta: modes[file] === "delta",
    });
    problems.push(...found);
    return unique(`${file}.csv`, rows, problems);
  };
  const oneOf = <T extends string>(file: string, row: RosterRow, column: string, allowed: readonly T[]): T | null => {
    const v = row.get(column);
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push({ file, line: row.line, why: `${column} must be one of ${allowed.join(", ")}` });
    return null;
  };
  const named = (file: string, row: RosterRow, column: string): string | null => {
    const v = row.get(column);
    if (v.length <= MAX_NAME_LENGTH) return v;
    problems.push({ file, line: row.line, why: `${column} is longer than ${MAX_NAME_LENGTH} characters` });
    return null;
  };

  const orgs: PlannedOrg[] = [];
  for (const row of rowsOf("orgs")) {
    const type = oneOf("orgs.csv", row, "type", ORG_TYPES);
    const name = named("orgs.csv", row, "name");
    if (type && name !== null) orgs.push({ ...located(row), name, type });
  }
  const users: PlannedUser[] = [];
  for (const row of rowsOf("users")) {
    const role = oneOf("users.csv", row, "role", USER_ROLES);
    const namesFit = named("users.csv", row, "givenName") !== null && named("users.csv", row, "familyName") !== null;
    const orgSourcedIds = list(row.get("orgSourcedIds"));
    if (role && namesFit)
      users.push({
        ...located(row),
        role,
        displayName: `${row.get("givenName")} ${row.get("familyName")}`.slice(0, MAX_NAME_LENGTH),
        email: row.get("email") || null,
        orgSourcedIds,
      });
  }
  const classes: PlannedClass[] = [];
  for (const row of rowsOf("classes")) {
    const title = named("classes.csv", row, "title");
    if (title !== null) classes.push({ ...located(row), title, schoolSourcedId: row.get("schoolSourcedId") });
  }
  const courses = new Set(rowsOf("courses").map((r) => r.get("sourcedId")));
  const sessions = new Set<string>();
  for (const row of rowsOf("academicSessions"))
    if (oneOf("academicSessions.csv", row, "type", SESSION_TYPES)) sessions.add(row.get("sourcedId"));
  const enrollments: PlannedEnrollment[] = [];
  for (const row of rowsOf("enrollments")) {
    const role = oneOf("enrollments.csv", row, "role", ENROLLMENT_ROLES);
    if (role)
      enrollments.push({
        ...located(row),
        classSourcedId: row.get("classSourcedId"),
        schoolSourcedId: row.get("schoolSourcedId"),
        userSourcedId: row.get("userSourcedId"),
        role,
      });
  }
  const demographics: PlannedDemographics[] = [];
  if (modes.demographics !== "absent" && !options.demographics)
    skipped.push({ file: "demographics.csv", rows: 0, why: "not read: protected attributes are imported only when the admin opts in" });
  else
    for (const row of rowsOf("demographics")) {
      const d = demographicsOf(row, (why) => problems.push({ file: "demographics.csv", line: row.line, why }));
      if (d) demographics.push(d);
    }
  for (const file of UNREAD_FILES)
    if (files.has(`${file}.csv`))
      skipped.push({ file: `${file}.csv`, rows: 0, why: "not read: ZPD imports rosters, not gradebooks or resources" });

  // References: within the package when the row is there, else left for the import to resolve.
  const outside: OutsideReference[] = [];
  const orgById = new Map(orgs.map((o) => [o.sourcedId, o]));
  const classById = new Map(classes.map((c) => [c.sourcedId, c]));
  const userIds = new Set(users.map((u) => u.sourcedId));
  // A bulk file is the whole set of its kind: what it lacks does not exist. Otherwise an earlier import may have it.
  const fileOf = { org: "orgs", class: "classes", user: "users" } as const;
  const refer = (file: string, line: number, kind: OutsideReference["kind"], sourcedId: string, inPackage: boolean) => {
    if (inPackage) return;
    if (modes[fileOf[kind]] === "bulk") problems.push({ file, line, why: `${kind} ${sourcedId} is not in ${fileOf[kind]}.csv` });
    else outside.push({ file, line, kind, sourcedId });
  };
  const schoolRef = (file: string, line: number, sourcedId: string) => {
    const org = orgById.get(sourcedId);
    if (org && org.type !== "school") problems.push({ file, line, why: `org ${sourcedId} is a ${org.type}, not a school` });
    refer(file, line, "org", sourcedId, org !== undefined);
  };
  for (const u of users) {
    // A row that deletes needs nothing to exist: what it names is looked up, and it is a no-op if absent.
    if (u.status !== "active" || (u.role !== "student" && u.role !== "teacher")) continue;
    if (u.orgSourcedIds.length === 0) problems.push({ file: "users.csv", line: u.line, why: "orgSourcedIds names no org" });
    // A learner or teacher belongs to the schools among its orgs (a district among them is not a school);
    // an org not in the package must be a school linked by an earlier import.
    const schools = u.orgSourcedIds.filter((id) => !orgById.has(id) || orgById.get(id)!.type === "school");
    if (u.orgSourcedIds.length > 0 && schools.length === 0)
      problems.push({ file: "users.csv", line: u.line, why: "orgSourcedIds names no school" });
    for (const id of schools) refer("users.csv", u.line, "org", id, orgById.has(id));
  }
  for (const c of classes) if (c.status === "active") schoolRef("classes.csv", c.line, c.schoolSourcedId);
  if (modes.courses !== "absent" || modes.academicSessions !== "absent")
    for (const row of rowsOf("classes")) {
      const course = row.get("courseSourcedId");
      if (modes.courses === "bulk" && course && !courses.has(course))
        problems.push({ file: "classes.csv", line: row.line, why: `courseSourcedId ${course} is not in courses.csv` });
      if (modes.academicSessions === "bulk")
        for (const term of list(row.get("termSourcedIds")))
          if (!sessions.has(term))
            problems.push({ file: "classes.csv", line: row.line, why: `term ${term} is not in academicSessions.csv` });
    }
  for (const d of demographics) if (d.status === "active") refer("demographics.csv", d.line, "user", d.sourcedId, userIds.has(d.sourcedId));
  for (const e of enrollments) {
    if (e.status !== "active") continue;
    const cls = classById.get(e.classSourcedId);
    if (cls && cls.schoolSourcedId !== e.schoolSourcedId)
      problems.push({ file: "enrollments.csv", line: e.line, why: `schoolSourcedId is not the school of class ${e.classSourcedId}` });
    refer("enrollments.csv", e.line, "class", e.classSourcedId, cls !== undefined);
    refer("enrollments.csv", e.line, "user", e.userSourcedId, userIds.has(e.userSourcedId));
    schoolRef("enrollments.csv", e.line, e.schoolSourcedId);
  }
  if (problems.length) throw refused();
  return { version, modes, orgs, users, classes, enrollments, demographics, outside, skipped };
}

/** A demographics row's attributes; null (and `problem` called) when a value is not of the standard's vocabulary. */
function demographicsOf(row: RosterRow, problem: (why: string) => void): PlannedDemographics | null {
  const flag = (column: string): boolean | null | undefined => {
    const v = row.get(column).toLowerCase();
    if (v === "") return undefined;
    if (v === "true" || v === "false") return v === "true";
    problem(`${column} must be true, false or empty`);
    return null;
  };
  const attributes: Partial<Record<(typeof DEMOGRAPHIC_ATTRIBUTES)[number], string>> = {};
  const sex = row.get("sex");
  if (sex && !(SEXES as readonly string[]).includes(sex)) {
    problem(`sex must be one of ${SEXES.join(", ")}`);
    return null;
  }
  if (sex) attributes.sex = sex;
  const flags = RACE_FLAGS.map((c) => [c, flag(c)] as const);
  const several = flag("demographicRaceTwoOrMoreRaces");
  const hispanic = flag("hispanicOrLatinoEthnicity");
  if (flags.some(([, v]) => v === null) || several === null || hispanic === null) return null;
  const races = flags.filter(([, v]) => v === true).map(([c]) => c);
  if (several || races.length > 1) attributes.race = "twoOrMoreRaces";
  else if (races.length === 1) attributes.race = races[0];
  if (hispanic !== undefined) attributes.hispanicOrLatino = String(hispanic);
  return { ...located(row), attributes };
}

const located = (row: RosterRow): Located => ({ line: row.line, sourcedId: row.get("sourcedId"), status: row.status });

/** A list field: comma-separated sourcedIds (quoted as one CSV field), blanks dropped. */
function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Rows whose sourcedId repeats an earlier row's are refused (a file lists an object once). */
function unique(file: string, rows: RosterRow[], problems: RosterProblem[]): RosterRow[] {
  const first = new Map<string, number>();
  return rows.filter((row) => {
    const id = row.get("sourcedId");
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, row.line);
      return true;
    }
    problems.push({ file, line: row.line, why: `sourcedId ${id} repeats line ${seen}` });
    return false;
  });
}

/** manifest.csv: `propertyName,value` rows; the versions and each file's mode, checked against the files present. */
function readManifest(
  files: ReadonlyMap<string, Uint8Array>,
  problems: RosterProblem[],
): { version: string; modes: Record<RosterFile, FileMode> } | null {
  const bytes = files.get("manifest.csv");
  if (!bytes) {
    problems.push({ file: "manifest.csv", line: 0, why: "is missing: a OneRoster package starts with its manifest" });
    return null;
  }
  const { rows, problems: found } = readRosterCsv("manifest.csv", bytes, { required: ["propertyName"], optional: ["value"], delta: false });
  problems.push(...found);
  const props = new Map(rows.map((r) => [r.get("propertyName"), { value: r.get("value"), line: r.line }]));
  const manifestVersion = props.get("manifest.version");
  if (manifestVersion?.value !== "1.0")
    problems.push({ file: "manifest.csv", line: manifestVersion?.line ?? 0, why: "manifest.version must be 1.0" });
  const version = props.get("oneroster.version");
  if (version?.value !== "1.1" && version?.value !== "1.2")
    problems.push({ file: "manifest.csv", line: version?.line ?? 0, why: "oneroster.version must be 1.1 (or 1.2)" });
  const modes = {} as Record<RosterFile, FileMode>;
  for (const file of [...ROSTER_FILES, ...UNREAD_FILES]) {
    const entry = props.get(`file.${file}`);
    const mode = entry?.value || "absent";
    if (mode !== "bulk" && mode !== "delta" && mode !== "absent") {
      problems.push({ file: "manifest.csv", line: entry!.line, why: `file.${file} must be bulk, delta or absent` });
      continue;
    }
    const present = files.has(`${file}.csv`);
    if (mode !== "absent" && !present)
      problems.push({ file: `${file}.csv`, line: 0, why: `is declared ${mode} in the manifest but missing` });
    if (mode === "absent" && present)
      problems.push({ file: `${file}.csv`, line: 0, why: "is in the package but not declared in the manifest" });
    if ((ROSTER_FILES as readonly string[]).includes(file)) modes[file as RosterFile] = mode;
  }
  if (version?.value === "1.2" && modes.users && modes.users !== "absent")
    problems.push({
      file: "users.csv",
      line: 0,
      why: "OneRoster 1.2 users carry their roles in roles.csv, which is not read yet: send users as 1.1",
    });
  for (const name of files.keys())
    if (name !== "manifest.csv" && ![...ROSTER_FILES, ...UNREAD_FILES].some((f) => `${f}.csv` === name))
      problems.push({ file: name, line: 0, why: "is not a OneRoster CSV file" });
  return problems.length ? null : { version: version!.value, modes };
}
