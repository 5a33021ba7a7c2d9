/**
 * The OneRoster import (services/roster/, `npm run import:oneroster`) on the fixtures the project owns
 * (test/fixtures/oneroster/): a bulk package made into schools, cohorts, learners (names and e-mail
 * encrypted), teachers and memberships, seen through the API; idempotence; a dry run; a delta's
 * updates and deletions; all or nothing on a bad reference; a bulk file's removals that spare the
 * API's own memberships; erasure taking a learner's links; the command itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { zipSync } from "fflate";
import { Role } from "../../src/services/auth/actor.js";
import { byBaseName } from "../../src/services/roster/roster-package.js";
import { planRoster } from "../../src/services/roster/roster-plan.js";
import { RosterPackageError } from "../../src/services/roster/oneroster-format.js";
import { runCli } from "../support/compiled-cli.js";
import { startTestServer, TEST_PROFILE_KEY, TestServer } from "../support/test-server.js";

const FIXTURES = path.resolve(__dirname, "../fixtures/oneroster");
const folder = (name: string) =>
  byBaseName(fs.readdirSync(path.join(FIXTURES, name)).map((f) => [f, fs.readFileSync(path.join(FIXTURES, name, f))] as const));
const withFile = (name: string, file: string, text: string) => {
  const files = folder(name);
  files.set(file, Buffer.from(text));
  return files;
};

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const schoolOf = async (sourcedId: string): Promise<string> =>
  (await q(`SELECT school_id FROM roster_org WHERE sourced_id = $1`, [sourcedId]))[0].school_id;
/** Rows of the imported schools, per table: what an import changed. */
const rowCounts = async () => {
  const out: Record<string, number> = {};
  for (const t of ["school", "cohort", "learner", "learner_profile", "teacher", "enrollment", "cohort_teacher", "roster_enrollment"])
    out[t] = Number((await q(`SELECT count(*) AS n FROM "${t}"`))[0].n);
  return out;
};

const ROSTER = `{
  cohorts(first: 100) { nodes { name learners(first: 100) { nodes { profile { displayName email } } } teachers { displayName } } }
}`;

/** The school's cohorts as its admin sees them: name → sorted member names, and teachers. */
async function rosterOf(schoolId: string) {
  const admin = await s.token({ schoolId, role: Role.Admin, subject: "roster-test" });
  const r = await s.gql(ROSTER, {}, admin);
  expect(r.errors).toBeUndefined();
  return Object.fromEntries(
    r.data.cohorts.nodes.map((c: any) => [
      c.name,
      {
        learners: c.learners.nodes.map((l: any) => `${l.profile.displayName} <${l.profile.email ?? ""}>`).sort(),
        teachers: c.teachers.map((t: any) => t.displayName).sort(),
      },
    ]),
  );
}

describe("a bulk package, then a delta", () => {
  test("the bulk package makes its schools, cohorts, learners, teachers and memberships, seen through the API", async () => {
    const summary = await s.app.services.roster.import(planRoster(folder("bulk")));
    expect(summary).toMatchObject({
      version: "1.1",
      dryRun: false,
      schools: { created: 2, updated: 0, unchanged: 0, deleted: 0 },
      cohorts: { created: 3 },
      learners: { created: 4 }, // Grace Hopper is a learner in each of her two schools
      teachers: { created: 1 },
      memberships: { created: 6 },
    });
    expect(summary.skipped.map((k) => [k.file, k.rows])).toEqual([
      ["demographics.csv", 0], // not asked for: not read
      ["orgs.csv", 1],
      ["users.csv", 1],
    ]);
    expect(summary.attributes).toEqual({ created: 0, updated: 0, unchanged: 0, deleted: 0 });
    const [a, b] = [await schoolOf("school-a"), await schoolOf("school-b")];
    expect((await q(`SELECT name FROM school WHERE id = $1`, [b]))[0].name).toBe("Hill School, North Campus");
    expect(await rosterOf(a)).toEqual({
      "Maths 5A": { learners: ["Ada Lovelace <ada@example.org>", "Alan Turing <>"], teachers: ["Emmy Noether"] },
      "Maths 5B": { learners: ["Grace Hopper <grace@example.org>"], teachers: ["Emmy Noether"] },
    });
    expect(await rosterOf(b)).toEqual({ 'Fractions "club"': { learners: ["Grace Hopper <grace@example.org>"], teachers: [] } });
    // Names and e-mail are stored encrypted, as the API's own writes are.
    const raw = JSON.stringify(
      await q(`SELECT encode(display_name_enc, 'escape') AS n, encode(email_enc, 'escape') AS e FROM learner_profile`),
    );
    expect(raw).not.toMatch(/Lovelace|ada@example/);
  });

  test("importing it again changes nothing", async () => {
    const counts = await rowCounts();
    const summary = await s.app.services.roster.import(planRoster(folder("bulk")));
    expect(summary).toMatchObject({
      schools: { created: 0, updated: 0, unchanged: 2 },
      cohorts: { created: 0, updated: 0, unchanged: 3 },
      learners: { created: 0, updated: 0, unchanged: 4 },
      teachers: { created: 0, updated: 0, unchanged: 1 },
      memberships: { created: 0, updated: 0, unchanged: 6, deleted: 0 },
    });
    expect(await rowCounts()).toEqual(counts);
  });

  test("with demographics asked for, the students get their protected attributes, encrypted; birth dates are not kept", async () => {
    const summary = await s.app.services.roster.import(planRoster(folder("bulk"), { demographics: true }));
    // stu-1: 3, stu-2: 1, stu-3: 3 in each of its two schools.
    expect(summary.attributes).toEqual({ created: 10, updated: 0, unchanged: 0, deleted: 0 });
    const b = await schoolOf("school-b");
    const grace = (await q(`SELECT learner_id FROM roster_learner WHERE school_id = $1 AND sourced_id = 'stu-3'`, [b]))[0].learner_id;
    const admin = await s.token({ schoolId: b, role: Role.Admin, subject: "roster-test" });
    const r = await s.gql(`query($l: UUID!) { learnerAttributes(learnerId: $l) { nodes { name value } } }`, { l: grace }, admin);
    expect(r.data.learnerAttributes.nodes).toEqual([
      { name: "hispanicOrLatino", value: "true" },
      { name: "race", value: "twoOrMoreRaces" },
      { name: "sex", value: "female" },
    ]);
    const stored = JSON.stringify(await q(`SELECT encode(value_enc, 'escape') AS v FROM learner_attribute`));
    expect(stored).not.toMatch(/twoOrMoreRaces|female/);
    // Only the three attributes, and nothing of the birth date or place anywhere in their rows (the ciphertext aside).
    expect((await q(`SELECT DISTINCT name FROM learner_attribute ORDER BY name`)).map((r: { name: string }) => r.name)).toEqual([
      "hispanicOrLatino",
      "race",
      "sex",
    ]);
    expect(JSON.stringify(await q(`SELECT to_jsonb(t) - 'value_enc' AS row FROM learner_attribute t`))).not.toMatch(/1906|New York/);
    // Again: nothing changes; without the flag, attributes are left as they are.
    expect((await s.app.services.roster.import(planRoster(folder("bulk"), { demographics: true }))).attributes).toMatchObject({
      unchanged: 10,
    });
    expect((await s.app.services.roster.import(planRoster(folder("bulk")))).attributes).toMatchObject({ deleted: 0, unchanged: 0 });
    expect(await q(`SELECT 1 FROM learner_attribute WHERE learner_id = $1`, [grace])).toHaveLength(3);
  });

  test("a dry run of the delta counts what it would do and writes nothing", async () => {
    const counts = await rowCounts();
    const summary = await s.app.services.roster.import(planRoster(folder("delta")), { dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, cohorts: { updated: 1, deleted: 1 }, learners: { created: 1 } });
    expect(await rowCounts()).toEqual(counts);
  });

  test("the delta renames, deletes and adds: a deleted student keeps its data and loses its memberships", async () => {
    const a = await schoolOf("school-a");
    const alan = (await q(`SELECT learner_id FROM roster_learner WHERE school_id = $1 AND sourced_id = 'stu-2'`, [a]))[0].learner_id;
    const summary = await s.app.services.roster.import(planRoster(folder("delta")));
    expect(summary).toMatchObject({
      cohorts: { created: 0, updated: 1, deleted: 1 },
      learners: { created: 1 },
      // enr-3 and enr-6 went with class 5B; enr-2 with Alan's deletion; enr-1 by its own row; enr-7 is new.
      memberships: { created: 1, deleted: 2 },
    });
    expect(await rosterOf(a)).toEqual({
      "Maths 5A (set 1)": { learners: ["Katherine Johnson <>"], teachers: ["Emmy Noether"] },
    });
    expect(await q(`SELECT id FROM learner WHERE id = $1`, [alan])).toHaveLength(1);
  });

  test("a package with one reference to nothing imported is refused whole, with the line, and writes nothing", async () => {
    const counts = await rowCounts();
    const enrollments = [
      "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
      "enr-8,active,2026-12-02T08:00:00Z,class-5a,school-a,stu-1,student,,,",
      "enr-9,active,2026-12-02T08:00:00Z,class-9z,school-a,stu-1,student,,,",
    ].join("\n");
    const plan = planRoster(withFile("delta", "enrollments.csv", enrollments));
    const refused = await s.app.services.roster.import(plan).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RosterPackageError);
    expect((refused as RosterPackageError).problems).toEqual([
      { file: "enrollments.csv", line: 3, why: "class class-9z is neither in classes.csv nor imported before in that school" },
    ]);
    expect(await rowCounts()).toEqual(counts);
  });

  test("a bulk enrollments file removes the imported memberships it no longer lists, never the API's own", async () => {
    const a = await schoolOf("school-a");
    const admin = await s.token({ schoolId: a, role: Role.Admin, subject: "roster-test" });
    const cohort = (await q(`SELECT cohort_id FROM roster_cohort WHERE school_id = $1 AND sourced_id = 'class-5a'`, [a]))[0].cohort_id;
    const made = await s.gql(`mutation { createLearner(input: { externalRef: "api-made" }) { id } }`, {}, admin);
    const own = made.data.createLearner.id;
    expect(
      (await s.gql(`mutation($c: UUID!, $l: UUID!) { enrollLearner(cohortId: $c, learnerId: $l) { id } }`, { c: cohort, l: own }, admin))
        .errors,
    ).toBeUndefined();
    // The bulk package again, without its enrollments but the teacher's of 5A.
    const enrollments = [
      "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
      "enr-5,,,class-5a,school-a,tea-1,teacher,true,,",
    ].join("\n");
    const summary = await s.app.services.roster.import(planRoster(withFile("bulk", "enrollments.csv", enrollments)));
    expect(summary.memberships).toMatchObject({ unchanged: 1 });
    const members: { learner_id: string }[] = await q(`SELECT learner_id FROM enrollment WHERE cohort_id = $1`, [cohort]);
    expect(members.map((m) => m.learner_id)).toEqual([own]);
    expect(await q(`SELECT 1 FROM roster_enrollment WHERE school_id = $1 AND learner_id IS NOT NULL`, [a])).toEqual([]);
  });

  test("erasing an imported learner takes its links with it", async () => {
    const a = await schoolOf("school-a");
    const ada = (await q(`SELECT learner_id FROM roster_learner WHERE school_id = $1 AND sourced_id = 'stu-1'`, [a]))[0].learner_id;
    const receipt = await s.app.services.erasure.erase({ learnerId: ada, schoolId: a, by: "roster-test" });
    // Found in the catalogue by their learner_id column, counted on the receipt (enr-1 was deleted by the delta).
    expect(receipt.rowCounts).toMatchObject({ roster_learner: 1, roster_enrollment: 0 });
    expect(await q(`SELECT 1 FROM roster_learner WHERE learner_id = $1`, [ada])).toEqual([]);
  });
});

describe("npm run import:oneroster", () => {
  const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "zpd-oneroster-"));
  const env = () => ({ ZPD_DATA_DIR: dataDir(), ZPD_PROFILE_KEY: TEST_PROFILE_KEY.toString("base64") });

  test("imports a folder, and prints what it did", async () => {
    const r = await runCli("src/cli/import-oneroster.js", ["--dir", path.join(FIXTURES, "bulk"), "--dry-run"], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OneRoster 1\.1 package checked \(dry run: nothing written\)/);
    expect(r.stdout).toMatch(/learners\s+4 created/);
  });

  test("refuses a broken package with every problem and its line, and a bad usage with the usage", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-oneroster-bad-"));
    for (const [name, bytes] of folder("bulk")) fs.writeFileSync(path.join(dir, name), bytes);
    fs.writeFileSync(path.join(dir, "orgs.csv"), "sourcedId,status,dateLastModified,name,type\nschool-a,,,A,campus\n");
    const bad = await runCli("src/cli/import-oneroster.js", ["--dir", dir], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/orgs\.csv line 2: type must be one of/);
    expect(bad.stderr).toMatch(/nothing was written/);
    const usage = await runCli("src/cli/import-oneroster.js", ["--zip"], env());
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run import:oneroster/);
  });
});

describe("importOneRoster: a school admin's upload", () => {
  const IMPORT = `mutation($i: ImportOneRosterInput!) {
    importOneRoster(input: $i) { version dryRun schools { unchanged } cohorts { created unchanged } learners { created unchanged } teachers { created } memberships { created unchanged } skipped { file rows why } }
  }`;
  /** The bulk fixture with every sourcedId renamed (a district's export this test has not imported before), zipped in base64. */
  const upload = (files: Map<string, Uint8Array> = folder("bulk")) => {
    const entries: Record<string, Uint8Array> = {};
    for (const [name, bytes] of files)
      entries[name] = Buffer.from(
        Buffer.from(bytes)
          .toString("utf8")
          .replace(/\b(school|district|class|course|term|stu|tea|adm|enr)-/g, "up-$1-"),
      );
    return Buffer.from(zipSync(entries)).toString("base64");
  };

  test("imports its own school's part of a district's package, and skips the other school's rows", async () => {
    const { schoolId, admin } = await s.newSchool("Uploading School");
    const r = await s.gql(IMPORT, { i: { package: upload(), schoolSourcedId: "up-school-b" } }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.importOneRoster).toMatchObject({
      version: "1.1",
      dryRun: false,
      schools: { unchanged: 1 },
      cohorts: { created: 1 },
      learners: { created: 1 },
      teachers: { created: 0 },
      memberships: { created: 1 },
    });
    expect(r.data.importOneRoster.skipped).toEqual(
      expect.arrayContaining([
        { file: "classes.csv", rows: 2, why: "of other schools than this one: not imported here" },
        { file: "enrollments.csv", rows: 5, why: "of other schools than this one: not imported here" },
        { file: "users.csv", rows: 3, why: "of other schools than this one: not imported here" },
      ]),
    );
    expect(await rosterOf(schoolId)).toEqual({ 'Fractions "club"': { learners: ["Grace Hopper <grace@example.org>"], teachers: [] } });
    // The access log names the learner the upload created, as a write by this admin through importOneRoster.
    await s.app.services.accessLog.flush();
    const grace = (await q(`SELECT learner_id FROM roster_learner WHERE school_id = $1`, [schoolId]))[0].learner_id;
    const writes = () => q(`SELECT operation FROM access_log WHERE learner_id = $1 AND access = 'WRITE'`, [grace]);
    expect(await writes()).toEqual([{ operation: "importOneRoster" }]);
    // The school keeps its name; its org is linked, so the next upload needs no schoolSourcedId and changes nothing.
    expect((await q(`SELECT name FROM school WHERE id = $1`, [schoolId]))[0].name).toBe("Uploading School");
    const again = await s.gql(IMPORT, { i: { package: upload() } }, admin);
    expect(again.data.importOneRoster).toMatchObject({
      cohorts: { created: 0, unchanged: 1 },
      learners: { unchanged: 1 },
      memberships: { unchanged: 1 },
    });
    // Nothing changed: no learner's data was written, and none is logged as written.
    await s.app.services.accessLog.flush();
    expect(await writes()).toHaveLength(1);
  });

  test("refuses, naming the field or every problem (no value echoed), and writes nothing", async () => {
    const { admin } = await s.newSchool("Refusing School");
    const counts = await rowCounts();
    const several = await s.gql(IMPORT, { i: { package: upload() } }, admin);
    expect(several.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "schoolSourcedId" });
    const taken = await s.gql(IMPORT, { i: { package: upload(), schoolSourcedId: "up-school-b" } }, admin);
    expect(taken.errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      problems: [{ file: "orgs.csv", line: 4, why: "org up-school-b is another school's" }],
    });
    const broken = new Map(folder("bulk"));
    broken.set("users.csv", Buffer.from("sourcedId,role,givenName,familyName,orgSourcedIds\nstu-9,pupil,Secret,Name,school-a\n"));
    const r = await s.gql(IMPORT, { i: { package: upload(broken), schoolSourcedId: "up-school-a" } }, admin);
    expect(r.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "package" });
    expect(r.errors![0]!.extensions!.problems).toContainEqual({
      file: "users.csv",
      line: 2,
      why: expect.stringMatching(/^role must be one of/),
    });
    expect(JSON.stringify(r.errors)).not.toMatch(/Secret/);
    expect((await s.gql(IMPORT, { i: { package: "not base64!" } }, admin)).errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");
    expect(await rowCounts()).toEqual(counts);
  });
});
