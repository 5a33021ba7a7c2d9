/**
 * A seeded OneRoster 1.1 CSV bulk package shaped like a school information system's export, and a delta
 * on top of it (bench:oneroster). Pure: a seed and a shape in, the files' bytes out.
 *
 * The shape follows the brief of issue #17's import target: `learners` students split over `schools`
 * schools (under one district when there are several), one teacher and one class per 25 students of a
 * school, every student in ~6 of its school's classes, every class with a primary teacher and one in five
 * with a second, courses per subject, a school year with two semesters, one administrator per school (not
 * imported: a real export carries them). What real exports do to a reader is here too: GUID sourcedIds,
 * quoted fields with commas and quotes, non-ASCII names, a byte-order mark and CRLF line ends in some files,
 * every file of the standard declared in the manifest (the unread ones `absent`).
 */
import { createRng, type Rng } from "../../src/engine/math.js";
import { type Csv, csvFile } from "./csv.js";

export interface RosterShape {
  readonly learners: number;
  readonly schools: number;
  readonly seed: number;
  /** Whether the package carries demographics.csv (one row per student). */
  readonly demographics: boolean;
}

/** What an import of the package must find in the database (a fresh one). */
export interface RosterExpectation {
  readonly schools: number;
  readonly cohorts: number;
  readonly learners: number;
  readonly teachers: number;
  /** Students' enrollments (→ enrollment rows). */
  readonly studentEnrollments: number;
  /** Teachers' enrollments (→ cohort_teacher rows). */
  readonly teacherEnrollments: number;
  /** Protected attributes demographics.csv gives (sex, race, hispanicOrLatino: each student states all three); 0 without it. */
  readonly attributes: number;
  /** Data rows of every file but the manifest (the "rows" of rows per second). */
  readonly rows: number;
}

export interface UserRecord {
  readonly sourcedId: string;
  readonly role: "student" | "teacher" | "administrator";
  readonly school: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly username: string;
  readonly grade: string;
}

export interface EnrollmentRecord {
  readonly sourcedId: string;
  readonly classSourcedId: string;
  readonly schoolSourcedId: string;
  readonly userSourcedId: string;
  readonly role: "student" | "teacher";
  readonly primary: boolean;
}

export interface GeneratedRoster {
  /** The files by name (manifest.csv and the data files it declares). */
  readonly files: Map<string, Uint8Array>;
  readonly expect: RosterExpectation;
  /** The records behind users.csv and enrollments.csv, for the delta. */
  readonly users: readonly UserRecord[];
  readonly enrollments: readonly EnrollmentRecord[];
  /** Class sourcedIds by school sourcedId (the delta's new students join some). */
  readonly classesBySchool: ReadonlyMap<string, readonly string[]>;
}

/** Students per class and per teacher (the brief's 1 in 25). */
export const STUDENTS_PER_CLASS = 25;
/** Classes a student is enrolled in. */
export const CLASSES_PER_STUDENT = 6;
/** Every SECOND_TEACHER_EVERY-th class has a second, non-primary teacher. */
export const SECOND_TEACHER_EVERY = 5;

const SUBJECTS = ["Mathematics", "English", "Science", "History", "Geography", "Art", "Music", "Computing"] as const;
const GIVEN = [
  "Ada",
  "Alan",
  "Grace",
  "Katherine",
  "Émilie",
  "Søren",
  "Zoë",
  "José",
  "Nnamdi",
  "Aoife",
  'Mary "Molly"',
  "Jean-Luc",
  "Łucja",
  "Mei",
  "Omar",
  "Priya",
];
const FAMILY = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Johnson",
  "du Châtelet",
  "Kierkegaard",
  "O'Neill",
  "García Márquez",
  "Okafor",
  "Ní Bhriain",
  "Smith, Jr.",
  "Picard",
  "Wójcik",
  "Zhang",
  "Haddad",
  "Raman",
];
/** The package's "now" (dateLastModified of the bulk export), fixed so that a seed gives the same bytes. */
const EXPORTED_AT = "2026-09-01T06:00:00.000Z";

const USERS_HEADER = [
  "sourcedId",
  "status",
  "dateLastModified",
  "enabledUser",
  "orgSourcedIds",
  "role",
  "username",
  "userIds",
  "givenName",
  "familyName",
  "middleName",
  "identifier",
  "email",
  "sms",
  "phone",
  "agentSourcedIds",
  "grades",
  "password",
] as const;
const ENROLLMENTS_HEADER = [
  "sourcedId",
  "status",
  "dateLastModified",
  "classSourcedId",
  "schoolSourcedId",
  "userSourcedId",
  "role",
  "primary",
  "beginDate",
  "endDate",
] as const;

/** A GUID-shaped sourcedId from the stream (what most SIS exports use). */
export function guid(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(16).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + rng.int(4)).toString(16)}${hex(3)}-${hex(12)}`;
}

export function generateRoster(shape: RosterShape): GeneratedRoster {
  if (!Number.isInteger(shape.learners) || shape.learners < 1) throw new Error("learners must be a positive integer");
  if (!Number.isInteger(shape.schools) || shape.schools < 1 || shape.schools > shape.learners)
    throw new Error("schools must be an integer in [1, learners]");
  const rng = createRng(shape.seed);
  const district = shape.schools > 1 ? guid(rng) : null;
  const schools = Array.from({ length: shape.schools }, (_, i) => ({
    sourcedId: guid(rng),
    name: i % 2 === 0 ? `Riverside School ${i + 1}, North Campus` : `St Mary's "Hill" Academy ${i + 1}`,
    identifier: `S${1000 + i}`,
  }));
  const year = guid(rng);
  const semesters = [guid(rng), guid(rng)];

  const orgs = csvFile(
    ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
    [
      ...(district ? [[district, "", "", "Riverside District", "district", "D1", ""]] : []),
      ...schools.map((s) => [s.sourcedId, "", "", s.name, "school", s.identifier, district ?? ""]),
    ],
    { bom: true, crlf: true },
  );
  const sessions = csvFile(
    ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
    [
      [year, "", "", "2026-2027", "schoolYear", "2026-09-01", "2027-07-15", "", "2027"],
      [semesters[0]!, "", "", "Autumn, 2026", "semester", "2026-09-01", "2027-01-31", year, "2027"],
      [semesters[1]!, "", "", "Spring, 2027", "semester", "2027-02-01", "2027-07-15", year, "2027"],
    ],
    { bom: false, crlf: false },
  );

  const courseRows: string[][] = [];
  const classRows: string[][] = [];
  const users: UserRecord[] = [];
  const enrollments: EnrollmentRecord[] = [];
  const classesBySchool = new Map<string, string[]>();
  let cohorts = 0;
  let teachersTotal = 0;
  const person = (role: UserRecord["role"], school: string, n: number, grade: string): UserRecord => {
    const givenName = rng.pick(GIVEN);
    const familyName = rng.pick(FAMILY);
    const username = `${role[0]}${String(n).padStart(6, "0")}`;
    return { sourcedId: guid(rng), role, school, givenName, familyName, email: `${username}@riverside.example.org`, username, grade };
  };
  let studentNo = 0;
  for (const [i, school] of schools.entries()) {
    // Students split as evenly as the count allows.
    const students = Math.floor(shape.learners / shape.schools) + (i < shape.learners % shape.schools ? 1 : 0);
    const classCount = Math.ceil(students / STUDENTS_PER_CLASS);
    const courses = SUBJECTS.map((subject) => {
      const id = guid(rng);
      courseRows.push([
        id,
        "",
        "",
        year,
        `${subject}, Years 7-11`,
        subject.slice(0, 4).toUpperCase(),
        "07,08,09,10,11",
        school.sourcedId,
        subject,
        "",
      ]);
      return { id, subject };
    });
    const classes: string[] = [];
    for (let c = 0; c < classCount; c++) {
      const course = courses[c % courses.length]!;
      const id = guid(rng);
      classes.push(id);
      classRows.push([
        id,
        "",
        "",
        `${course.subject}, set ${Math.floor(c / courses.length) + 1}`,
        "07",
        course.id,
        `${course.subject.slice(0, 3).toUpperCase()}-${c + 1}`,
        "scheduled",
        `Room ${100 + (c % 60)}`,
        school.sourcedId,
        semesters.join(","),
        course.subject,
        "",
        String(1 + (c % 6)),
      ]);
    }
    classesBySchool.set(school.sourcedId, classes);
    cohorts += classCount;
    const teachers = Array.from({ length: classCount }, (_, t) => person("teacher", school.sourcedId, teachersTotal + t, ""));
    teachersTotal += teachers.length;
    users.push(...teachers, person("administrator", school.sourcedId, i, ""));
    // Every class its primary teacher; one in SECOND_TEACHER_EVERY a second (the next teacher).
    for (const [c, cls] of classes.entries()) {
      const roles = c % SECOND_TEACHER_EVERY === 0 && teachers.length > 1 ? [c, (c + 1) % teachers.length] : [c];
      for (const [k, t] of roles.entries())
        enrollments.push({
          sourcedId: guid(rng),
          classSourcedId: cls,
          schoolSourcedId: school.sourcedId,
          userSourcedId: teachers[t % teachers.length]!.sourcedId,
          role: "teacher",
          primary: k === 0,
        });
    }
    for (let s = 0; s < students; s++) {
      const student = person("student", school.sourcedId, studentNo++, String(7 + rng.int(5)).padStart(2, "0"));
      users.push(student);
      for (const cls of pickClasses(rng, classes))
        enrollments.push({
          sourcedId: guid(rng),
          classSourcedId: cls,
          schoolSourcedId: school.sourcedId,
          userSourcedId: student.sourcedId,
          role: "student",
          primary: false,
        });
    }
  }

  const demographics = shape.demographics ? users.filter((u) => u.role === "student").map((u) => demographicsRow(rng, u)) : null;
  const data: Record<string, Csv> = {
    "orgs.csv": orgs,
    "academicSessions.csv": sessions,
    "courses.csv": csvFile(
      [
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
      ],
      courseRows,
      { bom: false, crlf: false },
    ),
    "classes.csv": csvFile(
      [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
      ],
      classRows,
      { bom: true, crlf: false },
    ),
    "users.csv": usersCsv(users, null),
    "enrollments.csv": enrollmentsCsv(enrollments, null),
    ...(demographics ? { "demographics.csv": csvFile(DEMOGRAPHICS_HEADER, demographics, { bom: false, crlf: true }) } : {}),
  };
  const files = withManifest(data, "bulk");
  return {
    files,
    expect: {
      schools: shape.schools,
      cohorts,
      learners: shape.learners,
      teachers: teachersTotal,
      studentEnrollments: enrollments.filter((e) => e.role === "student").length,
      teacherEnrollments: enrollments.filter((e) => e.role === "teacher").length,
      attributes: demographics ? 3 * demographics.length : 0,
      rows: Object.values(data).reduce((n, f) => n + f.rows, 0),
    },
    users,
    enrollments,
    classesBySchool,
  };
}

/** CLASSES_PER_STUDENT distinct classes of the school (all of them when it has fewer). */
function pickClasses(rng: Rng, classes: readonly string[]): string[] {
  if (classes.length <= CLASSES_PER_STUDENT) return [...classes];
  const chosen = new Set<string>();
  while (chosen.size < CLASSES_PER_STUDENT) chosen.add(classes[rng.int(classes.length)]!);
  return [...chosen];
}

/** users.csv: bulk rows (status and dateLastModified empty), or a delta's with `status` per user. */
export function usersCsv(users: readonly UserRecord[], status: ((u: UserRecord) => "active" | "tobedeleted") | null): Csv {
  return csvFile(
    USERS_HEADER,
    users.map((u) => [
      u.sourcedId,
      status ? status(u) : "",
      status ? DELTA_AT : "",
      "true",
      u.school,
      u.role,
      u.username,
      `{SIS:${u.username}}`,
      u.givenName,
      u.familyName,
      "",
      u.username.toUpperCase(),
      u.email,
      "",
      "",
      "",
      u.grade,
      "",
    ]),
    { bom: true, crlf: true },
  );
}

export function enrollmentsCsv(rows: readonly EnrollmentRecord[], status: ((e: EnrollmentRecord) => "active" | "tobedeleted") | null): Csv {
  return csvFile(
    ENROLLMENTS_HEADER,
    rows.map((e) => [
      e.sourcedId,
      status ? status(e) : "",
      status ? DELTA_AT : "",
      e.classSourcedId,
      e.schoolSourcedId,
      e.userSourcedId,
      e.role,
      String(e.primary),
      "2026-09-01",
      "2027-07-15",
    ]),
    { bom: false, crlf: true },
  );
}

/** The delta's export time. */
export const DELTA_AT = "2026-10-01T06:00:00.000Z";
export { EXPORTED_AT };

/** Every data file of the standard, declared with its mode (the ones given) or absent, then the source. */
export function withManifest(data: Record<string, Csv>, mode: "bulk" | "delta"): Map<string, Uint8Array> {
  const declared = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "users",
  ];
  const manifest = csvFile(
    ["propertyName", "value"],
    [
      ["manifest.version", "1.0"],
      ["oneroster.version", "1.1"],
      ...declared.map((f) => [`file.${f}`, `${f}.csv` in data ? mode : "absent"]),
      ["source.systemName", "Riverside SIS"],
      ["source.systemCode", "bench-oneroster"],
    ],
    { bom: false, crlf: false },
  );
  return new Map([["manifest.csv", manifest.bytes], ...Object.entries(data).map(([name, f]) => [name, f.bytes] as const)]);
}

const DEMOGRAPHICS_HEADER = [
  "sourcedId",
  "status",
  "dateLastModified",
  "birthDate",
  "sex",
  "americanIndianOrAlaskaNative",
  "asian",
  "blackOrAfricanAmerican",
  "nativeHawaiianOrOtherPacificIslander",
  "white",
  "demographicRaceTwoOrMoreRaces",
  "hispanicOrLatinoEthnicity",
  "countryOfBirthCode",
  "stateOfBirthAbbreviation",
  "cityOfBirth",
  "publicSchoolResidenceStatus",
];

function demographicsRow(rng: Rng, u: UserRecord): string[] {
  const race = rng.int(6); // 0–4: one flag, 5: two or more
  const flags = [0, 1, 2, 3, 4].map((k) => ((race === 5 ? k === 0 || k === 4 : k === race) ? "true" : "false"));
  const born = 2027 - 11 - Number(u.grade || "7");
  return [
    u.sourcedId,
    "",
    "",
    `${born}-${String(1 + rng.int(12)).padStart(2, "0")}-${String(1 + rng.int(28)).padStart(2, "0")}`,
    rng.pick(["male", "female", "female", "male", "unspecified"]),
    ...flags,
    race === 5 ? "true" : "false",
    rng.next() < 0.2 ? "true" : "false",
    "GB",
    "",
    "London, Greater",
    "",
  ];
}
