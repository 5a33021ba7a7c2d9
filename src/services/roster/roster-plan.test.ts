/**
 * Checking a OneRoster package (roster-plan.ts, roster-csv.ts, roster-package.ts) on the fixtures the
 * project owns (test/fixtures/oneroster/) and on packages broken on purpose: what is read, and every
 * problem reported with its file and line.
 */
import fs from "node:fs";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { RosterPackageError, type RosterProblem } from "./oneroster-format.js";
import { byBaseName, MAX_ENTRIES, unzipRoster } from "./roster-package.js";
import { type PlanOptions, planRoster } from "./roster-plan.js";

const FIXTURES = path.resolve(__dirname, "../../../test/fixtures/oneroster");

function folder(name: string): Map<string, Uint8Array> {
  const dir = path.join(FIXTURES, name);
  return byBaseName(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))] as const));
}

/** The fixture with some files replaced (text) or removed (null). */
function edited(name: string, changes: Record<string, string | null>): Map<string, Uint8Array> {
  const files = folder(name);
  for (const [file, text] of Object.entries(changes)) {
    if (text === null) files.delete(file);
    else files.set(file, strToU8(text));
  }
  return files;
}

function problemsOf(files: Map<string, Uint8Array>): RosterProblem[] {
  return problemsOfPlan(files, {});
}

function problemsOfPlan(files: Map<string, Uint8Array>, options: PlanOptions): RosterProblem[] {
  try {
    planRoster(files, options);
  } catch (e) {
    if (e instanceof RosterPackageError) return [...e.problems];
    throw e;
  }
  throw new Error("the package was accepted");
}

const USERS_HEADER =
  "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";

describe("a bulk package", () => {
  test("is read whole: a BOM, CRLF line ends and quoted fields (commas, doubled quotes) included", () => {
    const plan = planRoster(folder("bulk"));
    expect(plan.version).toBe("1.1");
    expect(plan.modes).toMatchObject({ orgs: "bulk", users: "bulk", classes: "bulk", enrollments: "bulk", demographics: "bulk" });
    // Protected attributes are read only when asked for.
    expect(plan.demographics).toEqual([]);
    expect(plan.skipped).toEqual([
      { file: "demographics.csv", rows: 0, why: "not read: protected attributes are imported only when the admin opts in" },
    ]);
    expect(plan.orgs.map((o) => [o.sourcedId, o.type, o.name])).toEqual([
      ["district-1", "district", "Riverside District"],
      ["school-a", "school", "Riverside Primary"],
      ["school-b", "school", "Hill School, North Campus"],
    ]);
    expect(plan.classes.find((c) => c.sourcedId === "class-h1")?.title).toBe('Fractions "club"');
    const grace = plan.users.find((u) => u.sourcedId === "stu-3")!;
    expect(grace).toMatchObject({
      role: "student",
      displayName: "Grace Hopper",
      email: "grace@example.org",
      orgSourcedIds: ["school-a", "school-b"],
    });
    expect(plan.users.find((u) => u.sourcedId === "stu-2")!.email).toBeNull();
    expect(plan.enrollments.map((e) => [e.sourcedId, e.role])).toEqual([
      ["enr-1", "student"],
      ["enr-2", "student"],
      ["enr-3", "student"],
      ["enr-4", "student"],
      ["enr-5", "teacher"],
      ["enr-6", "teacher"],
    ]);
    // Every reference resolves within the package.
    expect(plan.outside).toEqual([]);
    // Lines count the header as 1, through the BOM and CRLF.
    expect(plan.users.map((u) => u.line)).toEqual([2, 3, 4, 5, 6]);
  });

  test("read from a zip, in a folder of it, is the same plan; macOS metadata is left out", () => {
    const entries: Record<string, Uint8Array> = { "__MACOSX/export/._users.csv": strToU8("junk") };
    for (const [name, bytes] of folder("bulk")) entries[`export/${name}`] = bytes;
    expect(planRoster(unzipRoster(zipSync(entries)))).toEqual(planRoster(folder("bulk")));
  });

  test("a zip with too many entries, or that is not a zip, is refused before anything is inflated", () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i <= MAX_ENTRIES; i++) many[`f${i}.csv`] = strToU8("a");
    expect(() => unzipRoster(zipSync(many))).toThrow(/more than 64 entries/);
    expect(() => unzipRoster(strToU8("not a zip at all"))).toThrow(RosterPackageError);
  });
});

describe("demographics.csv, when asked for", () => {
  test("becomes sex, race (one flag, or twoOrMoreRaces) and hispanicOrLatino; birth date and place are not read", () => {
    const plan = planRoster(folder("bulk"), { demographics: true });
    expect(plan.demographics.map((d) => [d.sourcedId, d.attributes])).toEqual([
      ["stu-1", { sex: "female", race: "white", hispanicOrLatino: "false" }],
      ["stu-2", { sex: "male" }],
      ["stu-3", { sex: "female", race: "twoOrMoreRaces", hispanicOrLatino: "true" }],
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/1815|London/);
    expect(plan.skipped).toEqual([]);
  });

  test("a value outside the standard's vocabulary, or a row of no user, is refused with its line", () => {
    const text = fs
      .readFileSync(path.join(FIXTURES, "bulk/demographics.csv"), "utf8")
      .replace("stu-2,,,1912-06-23,male", "stu-2,,,1912-06-23,m")
      .replace("stu-3,,,1906-12-09,female,false,true", "stu-9,,,1906-12-09,female,false,yes");
    expect(problemsOfPlan(edited("bulk", { "demographics.csv": text }), { demographics: true })).toEqual([
      { file: "demographics.csv", line: 3, why: "sex must be one of male, female, unspecified, other" },
      { file: "demographics.csv", line: 4, why: "asian must be true, false or empty" },
    ]);
    const orphan = fs.readFileSync(path.join(FIXTURES, "bulk/demographics.csv"), "utf8").replace("stu-3,", "stu-9,");
    expect(problemsOfPlan(edited("bulk", { "demographics.csv": orphan }), { demographics: true })).toEqual([
      { file: "demographics.csv", line: 4, why: "user stu-9 is not in users.csv" },
    ]);
  });
});

describe("a delta package", () => {
  test("carries each row's status, and leaves references to rows it lacks for the import to resolve", () => {
    const plan = planRoster(folder("delta"));
    expect(plan.classes.map((c) => [c.sourcedId, c.status])).toEqual([
      ["class-5b", "tobedeleted"],
      ["class-5a", "active"],
    ]);
    // class-5a's school and stu-4's school are orgs imported before: found by the import, not here.
    // A deleting row references nothing that must exist (stu-2, line 2).
    expect(plan.outside.map((r) => [r.file, r.line, r.kind, r.sourcedId])).toEqual([
      ["users.csv", 3, "org", "school-a"],
      ["classes.csv", 3, "org", "school-a"],
      ["enrollments.csv", 2, "org", "school-a"],
    ]);
  });

  test("a delta row without status, or with another one, is refused", () => {
    const problems = problemsOf(
      edited("delta", {
        "users.csv": `${USERS_HEADER}\nstu-5,,2026-12-01,true,school-a,student,x,,X,Y,,,,,,,,\nstu-6,deleted,2026-12-01,true,school-a,student,x,,X,Y,,,,,,,,\n`,
      }),
    );
    expect(problems).toEqual([
      { file: "users.csv", line: 2, why: "status must not be empty" },
      { file: "users.csv", line: 3, why: "status must be one of active, tobedeleted" },
    ]);
  });
});

describe("a broken package is refused whole, every problem with its file and line", () => {
  test("rows: an unknown role, a repeated sourcedId, a wrong field count, an empty required field, a NUL, a reference to nothing", () => {
    const users = [
      USERS_HEADER,
      "stu-1,,,true,school-a,pupil,a,,A,B,,,,,,,,",
      "stu-2,,,true,school-a,student,a,,A,B,,,,,,,,",
      "stu-2,,,true,school-a,student,a,,A,B,,,,,,,,",
      "stu-3,,,true,school-a,student",
      "stu-4,,,true,school-a,student,a,,,B,,,,,,,,",
      "stu-5,,,true,school-a,student,a,,A\u0000,B,,,,,,,,",
      // A quoted field over two lines: the next row's line counts both.
      'stu-6,,,true,school-a,student,"two\nlines",,A,B,,,,,,,,',
      "stu-7,,,true,school-z,student,a,,A,B,,,,,,,,",
    ].join("\r\n");
    expect(problemsOf(edited("bulk", { "users.csv": users }))).toEqual([
      // Enrollments of users refused above (or missing: this users.csv has no tea-1) reference nothing in a bulk users file.
      { file: "enrollments.csv", line: 2, why: "user stu-1 is not in users.csv" },
      { file: "enrollments.csv", line: 4, why: "user stu-3 is not in users.csv" },
      { file: "enrollments.csv", line: 5, why: "user stu-3 is not in users.csv" },
      { file: "enrollments.csv", line: 6, why: "user tea-1 is not in users.csv" },
      { file: "enrollments.csv", line: 7, why: "user tea-1 is not in users.csv" },
      { file: "users.csv", line: 2, why: "role must be one of administrator, aide, guardian, parent, proctor, relative, student, teacher" },
      { file: "users.csv", line: 4, why: "sourcedId stu-2 repeats line 3" },
      { file: "users.csv", line: 5, why: "has 6 fields where the header has 18" },
      { file: "users.csv", line: 6, why: "givenName must not be empty" },
      { file: "users.csv", line: 7, why: "givenName contains a NUL character" },
      { file: "users.csv", line: 10, why: "org school-z is not in orgs.csv" },
    ]);
  });

  test("the manifest: versions, a declared file missing, a file not declared, a file of no OneRoster kind", () => {
    const manifest = (lines: string[]) => `propertyName,value\n${lines.join("\n")}\n`;
    expect(
      problemsOf(
        edited("bulk", {
          "manifest.csv": manifest([
            "manifest.version,1.0",
            "oneroster.version,1.0",
            "file.orgs,bulk",
            "file.users,bulk",
            "file.classes,sometimes",
            "file.lineItems,bulk",
          ]),
          "notes.csv": "a,b\n",
        }),
      ),
    ).toEqual([
      { file: "academicSessions.csv", line: 0, why: "is in the package but not declared in the manifest" },
      { file: "courses.csv", line: 0, why: "is in the package but not declared in the manifest" },
      { file: "demographics.csv", line: 0, why: "is in the package but not declared in the manifest" },
      { file: "enrollments.csv", line: 0, why: "is in the package but not declared in the manifest" },
      { file: "lineItems.csv", line: 0, why: "is declared bulk in the manifest but missing" },
      { file: "manifest.csv", line: 3, why: "oneroster.version must be 1.1 (or 1.2)" },
      { file: "manifest.csv", line: 6, why: "file.classes must be bulk, delta or absent" },
      { file: "notes.csv", line: 0, why: "is not a OneRoster CSV file" },
    ]);
    expect(problemsOf(edited("bulk", { "manifest.csv": null }))).toEqual([
      { file: "manifest.csv", line: 0, why: "is missing: a OneRoster package starts with its manifest" },
    ]);
  });

  test("a class of a district, and an enrollment whose school is not its class's", () => {
    const classes = fs.readFileSync(path.join(FIXTURES, "bulk/classes.csv"), "utf8").replace("school-b,term-1", "district-1,term-1");
    const enrollments = fs
      .readFileSync(path.join(FIXTURES, "bulk/enrollments.csv"), "utf8")
      .replace("class-5b,school-a", "class-5b,school-b");
    expect(problemsOf(edited("bulk", { "classes.csv": classes, "enrollments.csv": enrollments }))).toEqual([
      { file: "classes.csv", line: 4, why: "org district-1 is a district, not a school" },
      { file: "enrollments.csv", line: 4, why: "schoolSourcedId is not the school of class class-5b" },
      { file: "enrollments.csv", line: 5, why: "schoolSourcedId is not the school of class class-h1" },
    ]);
  });
});
