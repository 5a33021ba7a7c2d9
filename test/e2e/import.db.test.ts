/** The trace import (`npm run import`): catalogue, attempts in order, idempotence, bad input, batches, isolation. */
import path from "node:path";
import { startTestServer, TestServer } from "../support/test-server.js";
import {
  DEFAULT_BASE_TIME,
  ImportFailedError,
  ImportInputError,
  TraceImportService,
  UNKNOWN_SKILL_CODE,
  createSchool,
} from "../../src/services/import/trace-import.service.js";
import { TraceFormatError } from "../../src/services/import/trace-csv.js";
import { ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";

const FIXTURES = path.resolve(__dirname, "../fixtures/import");
const fixture = (name: string) => path.join(FIXTURES, name);

let s: TestServer;
let importer: TraceImportService;
beforeAll(async () => {
  s = await startTestServer();
  importer = new TraceImportService(s.app.db.dataSource);
});
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const count = async (table: string, schoolId: string) =>
  Number((await q(`SELECT count(*) AS n FROM "${table}" WHERE school_id = $1`, [schoolId]))[0].n);
const counts = async (schoolId: string) => ({
  skills: await count("skill", schoolId),
  tasks: await count("task", schoolId),
  taskSkills: await count("task_skill", schoolId),
  learners: await count("learner", schoolId),
  attempts: await count("attempt", schoolId),
  consents: await count("consent", schoolId),
});

test("an import creates the skills, the tasks with their Q-matrix from items.csv, the learners and the attempts in order", async () => {
  const { schoolId } = await s.newSchool();
  const r = await importer.run({ folder: fixture("basic"), schoolId });
  expect(r).toMatchObject({
    label: "basic",
    skills: { added: 3, present: 0 }, // s1, s2 and the unknown skill of i4 (attempts.csv's skill_id "99" is ignored: items.csv wins)
    tasks: { added: 4, present: 0 },
    taskSkills: { added: 5, present: 0 },
    learners: { added: 3, present: 0 },
    attempts: { added: 8, present: 0 },
    consents: { added: 0, present: 0 },
    statesMarked: 3,
    tasksWithUnknownSkill: 1,
    itemsWithoutQMatrixRow: 0,
  });
  expect(r.attemptsPerSecond).toBeGreaterThan(0);

  const qm: { task: string; skill: string; weight: number }[] = await q(
    `SELECT t.code AS task, k.code AS skill, ts.weight FROM task_skill ts JOIN task t ON t.id = ts.task_id JOIN skill k ON k.id = ts.skill_id
     WHERE ts.school_id = $1 ORDER BY t.code, k.code`,
    [schoolId],
  );
  expect(qm.map((c) => `${c.task}:${c.skill}:${c.weight}`)).toEqual([
    "i1:s1:1",
    "i2:s1:1",
    "i2:s2:1",
    "i3:s2:1",
    `i4:${UNKNOWN_SKILL_CODE}:1`,
  ]);
  const skillCodes = (await q(`SELECT code FROM skill WHERE school_id = $1 ORDER BY code`, [schoolId])).map(
    (x: { code: string }) => x.code,
  );
  expect(skillCodes).toEqual([UNKNOWN_SKILL_CODE, "s1", "s2"]);

  // Each learner's attempts in order_id order, keyed and timed from order_id.
  const rows: { ref: string; task: string; correct: boolean; score: number; source: string; key: string; at: Date }[] = await q(
    `SELECT l.external_ref AS ref, t.code AS task, a.correct, a.score, a.source, a.idempotency_key AS key, a.occurred_at AS at
     FROM attempt a JOIN learner l ON l.id = a.learner_id JOIN task t ON t.id = a.task_id
     WHERE a.school_id = $1 ORDER BY l.external_ref, a.occurred_at, a.id`,
    [schoolId],
  );
  const u1 = rows.filter((x) => x.ref === "u1");
  expect(u1.map((x) => x.task)).toEqual(["i1", "i2", "i3", "i1"]);
  expect(u1.map((x) => x.key)).toEqual(["import:basic:u1:0", "import:basic:u1:1", "import:basic:u1:3", "import:basic:u1:6"]);
  expect(u1.map((x) => x.correct)).toEqual([true, false, true, true]);
  expect(u1.map((x) => x.score)).toEqual([1, 0, 1, 1]);
  expect(new Date(u1[2]!.at).getTime()).toBe(DEFAULT_BASE_TIME.getTime() + 3000);
  expect(new Set(rows.map((x) => x.source))).toEqual(new Set(["import"]));

  // Learner states marked for rebuild: the right count, no model, an empty state.
  const states: { ref: string; attempt_count: number; model_version_id: string | null; state: object }[] = await q(
    `SELECT l.external_ref AS ref, st.attempt_count, st.model_version_id, st.state::jsonb AS state FROM learner_state st JOIN learner l ON l.id = st.learner_id
     WHERE st.school_id = $1 ORDER BY l.external_ref`,
    [schoolId],
  );
  expect(states.map((x) => [x.ref, x.attempt_count, x.model_version_id, x.state])).toEqual([
    ["u1", 4, null, {}],
    ["u2", 3, null, {}],
    ["u3", 1, null, {}],
  ]);

  // No consent unless asked.
  expect(await count("consent", schoolId)).toBe(0);
});

test("an import run twice adds nothing the second time and says so", async () => {
  const { schoolId } = await s.newSchool();
  await importer.run({ folder: fixture("basic"), schoolId });
  const before = await counts(schoolId);
  const stateVersions = await q(`SELECT learner_id, version FROM learner_state WHERE school_id = $1 ORDER BY learner_id`, [schoolId]);
  const again = await importer.run({ folder: fixture("basic"), schoolId });
  expect(again).toMatchObject({
    skills: { added: 0, present: 3 },
    tasks: { added: 0, present: 4 },
    taskSkills: { added: 0, present: 5 },
    learners: { added: 0, present: 3 },
    attempts: { added: 0, present: 8 },
    statesMarked: 0,
  });
  expect(await counts(schoolId)).toEqual(before);
  // Nothing new: learner states are left alone (not reset again).
  expect(await q(`SELECT learner_id, version FROM learner_state WHERE school_id = $1 ORDER BY learner_id`, [schoolId])).toEqual(
    stateVersions,
  );
});

test("without items.csv the Q-matrix comes from skill_id (NaN/empty ignored; an item with none gets the unknown skill)", async () => {
  const { schoolId } = await s.newSchool();
  const r = await importer.run({ folder: fixture("no-items"), schoolId, consent: [ConsentPurpose.Training] });
  expect(r).toMatchObject({
    skills: { added: 3 },
    tasks: { added: 4 },
    learners: { added: 2 },
    attempts: { added: 6 },
    tasksWithUnknownSkill: 1,
    consents: { added: 2, present: 0 },
  });
  const qm: { task: string; skill: string }[] = await q(
    `SELECT t.code AS task, k.code AS skill FROM task_skill ts JOIN task t ON t.id = ts.task_id JOIN skill k ON k.id = ts.skill_id
     WHERE ts.school_id = $1 ORDER BY t.code, k.code`,
    [schoolId],
  );
  // q2's first row has skill NaN, a later one k2: the task gets k2 only.
  expect(qm.map((c) => `${c.task}:${c.skill}`)).toEqual(["q1:k1", "q2:k2", `q3:${UNKNOWN_SKILL_CODE}`, "q4:k1"]);
  const consents: { purpose: string; granted: boolean; granted_by: string }[] = await q(
    `SELECT purpose, granted, granted_by FROM consent WHERE school_id = $1`,
    [schoolId],
  );
  expect(consents).toEqual([
    { purpose: "TRAINING", granted: true, granted_by: "SCHOOL" },
    { purpose: "TRAINING", granted: true, granted_by: "SCHOOL" },
  ]);
  // An existing decision is never changed: refuse for one learner, import again with the flag.
  await q(
    `UPDATE consent SET granted = false, granted_by = 'GUARDIAN' WHERE school_id = $1 AND learner_id = (SELECT id FROM learner WHERE school_id = $1 AND external_ref = 'a')`,
    [schoolId],
  );
  const again = await importer.run({
    folder: fixture("no-items"),
    schoolId,
    consent: [ConsentPurpose.Training, ConsentPurpose.Personalisation],
  });
  expect(again.consents).toEqual({ added: 2, present: 2 });
  const a = await q(
    `SELECT c.purpose, c.granted FROM consent c JOIN learner l ON l.id = c.learner_id WHERE l.school_id = $1 AND l.external_ref = 'a' ORDER BY c.purpose`,
    [schoolId],
  );
  expect(a).toEqual([
    { purpose: "PERSONALISATION", granted: true },
    { purpose: "TRAINING", granted: false },
  ]);
});

test("a malformed line is a clear error naming the line, and nothing is written", async () => {
  const { schoolId } = await s.newSchool();
  const err = await importer.run({ folder: fixture("malformed"), schoolId, batchSize: 2 }).catch((e) => e);
  expect(err).toBeInstanceOf(ImportFailedError);
  expect(err.message).toMatch(/attempts\.csv line 5: expected 5 fields, got 3; nothing was written/);
  expect(err.cause).toBeInstanceOf(TraceFormatError);
  expect(err.cause.line).toBe(5);
  expect(await counts(schoolId)).toEqual({ skills: 0, tasks: 0, taskSkills: 0, learners: 0, attempts: 0, consents: 0 });

  const bad = await importer.run({ folder: fixture("bad-correct"), schoolId }).catch((e) => e);
  expect(bad).toBeInstanceOf(ImportFailedError);
  expect(bad.message).toMatch(/attempts\.csv line 3: correct must be 0 or 1, got "2"/);
  expect(await count("attempt", schoolId)).toBe(0);
});

test("bad options and a missing file or school are refused with a clear message", async () => {
  const { schoolId } = await s.newSchool();
  await expect(importer.run({ folder: fixture("does-not-exist"), schoolId })).rejects.toThrow(/is not a folder/);
  await expect(importer.run({ folder: FIXTURES, schoolId })).rejects.toThrow(/attempts\.csv does not exist/);
  await expect(importer.run({ folder: fixture("basic"), schoolId: "01a2250c-5e9b-73c6-a241-e15b2ce22543" })).rejects.toThrow(
    /there is no school 01a2250c-5e9b-73c6-a241-e15b2ce22543/,
  );
  await expect(importer.run({ folder: fixture("basic"), schoolId: "nope" })).rejects.toThrow(ImportInputError);
  await expect(importer.run({ folder: fixture("basic"), schoolId, batchSize: 0 })).rejects.toThrow(/batch size/);
  await expect(importer.run({ folder: fixture("basic"), schoolId, label: "has space" })).rejects.toThrow(/--label/);
});

test("every occurred_at lies in the API's window: a base time before 2000 or an attempt dated past now + the clock skew is refused, nothing written", async () => {
  const { schoolId } = await s.newSchool();
  for (const baseTime of [new Date("1970-01-01T00:00:00Z"), new Date("1999-12-31T23:59:59Z")])
    await expect(importer.run({ folder: fixture("basic"), schoolId, baseTime })).rejects.toThrow(
      /the base time \(order_id 0's occurred_at\) must not be before 2000-01-01T00:00:00.000Z/,
    );
  // basic's last line (9) has order_id 7: with the server's clock at base + 6 s it lies 1 s ahead.
  const now = new Date(DEFAULT_BASE_TIME.getTime() + 6_000);
  const ahead = await importer.run({ folder: fixture("basic"), schoolId, now, maxClockSkewSeconds: 0 }).catch((e) => e);
  expect(ahead).toBeInstanceOf(ImportFailedError);
  expect(ahead.message).toMatch(
    /attempts\.csv line 9: order_id 7 would date the attempt after the server's time plus the clock skew.*nothing was written/,
  );
  expect(await counts(schoolId)).toEqual({ skills: 0, tasks: 0, taskSkills: 0, learners: 0, attempts: 0, consents: 0 });
  // One second of allowed skew takes it in.
  const summary = await importer.run({ folder: fixture("basic"), schoolId, now, maxClockSkewSeconds: 1 });
  expect(summary.attempts.added).toBe(8);
  const [latest] = await q(`SELECT max(occurred_at) AS at FROM attempt WHERE school_id = $1`, [schoolId]);
  expect(new Date(latest.at).getTime()).toBe(DEFAULT_BASE_TIME.getTime() + 7_000);
});

test("a batch that fails is not written, earlier batches stay and the message says how far it got; a re-run continues", async () => {
  const { schoolId } = await s.newSchool();
  const err = await importer
    .run({
      folder: fixture("basic"),
      schoolId,
      batchSize: 3,
      beforeCommit: (n) => {
        if (n === 2) throw new Error("simulated crash");
      },
    })
    .catch((e) => e);
  expect(err).toBeInstanceOf(ImportFailedError);
  expect(err.message).toMatch(
    /simulated crash; batch 2 \(attempts\.csv lines 5–7\) was not written; batch 1 \(attempts\.csv lines 2–4\) is committed/,
  );
  expect(err.summary.attempts).toEqual({ added: 3, present: 0 });
  expect(await count("attempt", schoolId)).toBe(3);
  const u1 = await q(
    `SELECT st.attempt_count FROM learner_state st JOIN learner l ON l.id = st.learner_id WHERE l.school_id = $1 AND l.external_ref = 'u1'`,
    [schoolId],
  );
  expect(u1[0].attempt_count).toBe(2);

  const again = await importer.run({ folder: fixture("basic"), schoolId, batchSize: 3 });
  expect(again.attempts).toEqual({ added: 5, present: 3 });
  expect(await count("attempt", schoolId)).toBe(8);
  const states = await q(
    `SELECT l.external_ref AS ref, st.attempt_count FROM learner_state st JOIN learner l ON l.id = st.learner_id WHERE l.school_id = $1 ORDER BY 1`,
    [schoolId],
  );
  expect(states).toEqual([
    { ref: "u1", attempt_count: 4 },
    { ref: "u2", attempt_count: 3 },
    { ref: "u3", attempt_count: 1 },
  ]);
});

test("an import touches no other school; the same folder imports into a second school independently", async () => {
  const other = await s.newSchool("Other");
  await importer.run({ folder: fixture("basic"), schoolId: other.schoolId });
  const otherBefore = await counts(other.schoolId);
  const schoolId = await createSchool(s.app.db.dataSource, "Created by the import");
  const r = await importer.run({ folder: fixture("basic"), schoolId });
  expect(r.attempts).toEqual({ added: 8, present: 0 }); // keys are unique per school
  expect(await counts(other.schoolId)).toEqual(otherBefore);
  const crossed = await q(
    `SELECT count(*) AS n FROM attempt a JOIN learner l ON l.id = a.learner_id JOIN task t ON t.id = a.task_id
     WHERE a.school_id = $1 AND (l.school_id <> a.school_id OR t.school_id <> a.school_id)`,
    [schoolId],
  );
  expect(Number(crossed[0].n)).toBe(0);
});

test("several batches in flight (as the CLI does on PostgreSQL) give the same rows and learner states", async () => {
  const { schoolId } = await s.newSchool();
  const r = await importer.run({ folder: fixture("basic"), schoolId, batchSize: 1, concurrency: 2 });
  expect(r).toMatchObject({ batches: 8, attempts: { added: 8, present: 0 }, statesMarked: 3 });
  const states = await q(
    `SELECT l.external_ref AS ref, st.attempt_count FROM learner_state st JOIN learner l ON l.id = st.learner_id WHERE l.school_id = $1 ORDER BY 1`,
    [schoolId],
  );
  expect(states).toEqual([
    { ref: "u1", attempt_count: 4 },
    { ref: "u2", attempt_count: 3 },
    { ref: "u3", attempt_count: 1 },
  ]);
});
