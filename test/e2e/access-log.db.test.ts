/**
 * The access log over real HTTP (issue 13, item 5): who read or changed which learner's data, when,
 * through which root field — a teacher reading a learner's mastery, an admin updating a profile, a
 * service recording an attempt, a path step marked done — ids only; what a caller was refused is not
 * logged; admins query it (paged, filtered), a learner reads its own, every other role is FORBIDDEN;
 * the retention job prunes it and an erasure removes the learner's rows, and a row buffered for a
 * learner erased meanwhile is never written.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { AccessKind } from "../../src/services/access-log/access-log.service.js";
import { retention } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";
import { schedules, RETENTION_CRON } from "../../jobs/schedules.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let teacher: string;
let taught: string[];
let notTaught: string;

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const flush = () => s.app.services.accessLog.flush();
const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
  const r = await s.gql(query, variables, token);
  expect(r.errors).toBeUndefined();
  return r.data;
};
const LOG = `query($l: UUID, $actor: String, $since: DateTimeISO, $until: DateTimeISO, $first: Int, $after: String) {
  accessLog(learnerId: $l, actorId: $actor, since: $since, until: $until, first: $first, after: $after) {
    nodes { id at lastAt count learnerId actorRole actorId operation access }
    pageInfo { hasNextPage endCursor }
  }
}`;
/** The log's entries through the API, as an admin reads them. */
const entries = async (variables: Record<string, unknown> = {}, token = admin) =>
  (await ok(LOG, { first: 100, ...variables }, token)).accessLog.nodes as {
    id: string;
    at: string;
    lastAt: string;
    count: number;
    learnerId: string;
    actorRole: string;
    actorId: string;
    operation: string;
    access: string;
  }[];

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 12, seed: 11, idLabel: "access-log" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin, subject: "admin-7" });
  teacher = await s.token({ schoolId: demo.schoolId, role: Role.Teacher, teacherId: demo.teacherId });
  taught = (await ok(`{ learners(first: 100) { nodes { id } } }`, {}, teacher)).learners.nodes.map((n: { id: string }) => n.id);
  notTaught = demo.learnerIds.find((id) => !taught.includes(id))!;
  expect(taught.length).toBeGreaterThanOrEqual(3);
  expect(notTaught).toBeDefined();
  // The seeding and the set-up above are not what the tests look at.
  await flush();
  await q(`DELETE FROM access_log WHERE school_id = $1`, [demo.schoolId]);
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

describe("recording", () => {
  test("a teacher reading a learner's mastery: a READ by the teacher, named by the root field", async () => {
    const learner = taught[0]!;
    await ok(`query($l: UUID!) { mastery(learnerId: $l) { skills { mastery } } }`, { l: learner }, teacher);
    await flush();
    expect(await entries({ l: learner })).toEqual([
      expect.objectContaining({ learnerId: learner, actorRole: "TEACHER", actorId: demo.teacherId, operation: "mastery", access: "READ" }),
    ]);
  });

  test("an admin updating a profile: a WRITE by the admin's subject", async () => {
    const learner = taught[1]!;
    const before = Date.now();
    await ok(
      `mutation($l: UUID!) { updateLearner(id: $l, input: { profile: { displayName: "Zed Quux" } }) { id profile { displayName } } }`,
      { l: learner },
      admin,
    );
    await flush();
    const [e, ...more] = await entries({ l: learner });
    expect(more).toEqual([]);
    expect(e).toEqual(
      expect.objectContaining({ learnerId: learner, actorRole: "ADMIN", actorId: "admin-7", operation: "updateLearner", access: "WRITE" }),
    );
    expect(new Date(e!.at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // Ids only: the name written is nowhere in the log.
    const rows = await q(`SELECT * FROM access_log WHERE school_id = $1`, [demo.schoolId]);
    expect(JSON.stringify(rows)).not.toContain("Zed Quux");
    expect(Object.keys(rows[0]).sort()).toEqual([
      "access",
      "actor_id",
      "actor_role",
      "at",
      "count",
      "id",
      "last_at",
      "learner_id",
      "operation",
      "school_id",
    ]);
  });

  test("a list reads each learner it answers with; an alias is logged as its root field", async () => {
    const [a, b, c] = taught;
    await ok(`{ page: learners(first: 3) { nodes { id profile { displayName } } } }`, {}, teacher);
    await flush();
    const log = await entries({ actor: demo.teacherId });
    const listed = log.filter((e) => e.operation === "learners").map((e) => e.learnerId);
    expect(listed.sort()).toEqual([a, b, c].sort());
    expect(log.filter((e) => e.operation === "page")).toEqual([]);
  });

  test("a service recording an attempt writes the learner; a learner's own read is logged with its id", async () => {
    const learner = taught[2]!;
    const service = await s.token({ schoolId: demo.schoolId, role: Role.Service, subject: "tutor-app" });
    const [{ id: taskId }] = await q(`SELECT id FROM task WHERE school_id = $1 ORDER BY id LIMIT 1`, [demo.schoolId]);
    await ok(
      `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`,
      { i: { learnerId: learner, taskId, correct: true, idempotencyKey: `log-${uuidv7()}` } },
      service,
    );
    const self = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: learner });
    await ok(`query($l: UUID!) { learner(id: $l) { attempts(first: 5) { nodes { id } } } }`, { l: learner }, self);
    await flush();
    // (The teacher's list in the test above read it too.)
    const log = (await entries({ l: learner })).filter((e) => e.actorRole !== "TEACHER");
    expect(log).toEqual([
      expect.objectContaining({ actorRole: "SERVICE", actorId: "tutor-app", operation: "recordAttempt", access: "WRITE" }),
      expect.objectContaining({ actorRole: "LEARNER", actorId: learner, operation: "learner", access: "READ" }),
    ]);
  });

  test("a path step marked done is a WRITE of its learner (found from the step's path)", async () => {
    const learner = taught[0]!;
    const [{ id: skillId }] = await q(`SELECT id FROM skill WHERE school_id = $1 ORDER BY code LIMIT 1`, [demo.schoolId]);
    const [{ task_id: taskId }] = await q(`SELECT task_id FROM task_skill WHERE skill_id = $1 LIMIT 1`, [skillId]);
    const goal = (
      await ok(
        `mutation($l: UUID!, $k: UUID!) { createGoal(input: { learnerId: $l, skillIds: [$k], title: "Fractions" }) { id } }`,
        { l: learner, k: skillId },
        teacher,
      )
    ).createGoal.id;
    const path = await ok(
      `mutation($g: UUID!, $t: UUID!) { setPathSteps(goalId: $g, steps: [{ taskId: $t }]) { steps { id } } }`,
      { g: goal, t: taskId },
      teacher,
    );
    await flush();
    await q(`DELETE FROM access_log WHERE school_id = $1`, [demo.schoolId]);
    await ok(
      `mutation($id: UUID!) { updatePathStep(id: $id, input: { status: DONE }) { status } }`,
      { id: path.setPathSteps.steps[0].id },
      teacher,
    );
    await flush();
    expect(await entries({ l: learner })).toEqual([
      expect.objectContaining({ operation: "updatePathStep", access: "WRITE", actorRole: "TEACHER" }),
    ]);
  });

  test("what the caller was refused is not logged: a learner outside the teacher's cohorts", async () => {
    const r = await s.gql(`query($l: UUID!) { mastery(learnerId: $l) { learnerId } }`, { l: notTaught }, teacher);
    expect(codeOf(r)).toBe("NOT_FOUND");
    const other = await s.gql(`query($l: UUID!) { learner(id: $l) { id } }`, { l: notTaught }, teacher);
    expect(codeOf(other)).toBe("NOT_FOUND");
    await flush();
    expect(await entries({ l: notTaught })).toEqual([]);
  });

  test("one caller's accesses to one learner within the window are one row: first and last time, count; no SQL on the request's path", async () => {
    const learner = taught[1]!;
    await flush();
    await q(`DELETE FROM access_log WHERE school_id = $1`, [demo.schoolId]);
    const before = s.app.db.queries.count;
    const t0 = Date.now() - 10_000;
    const admin7 = { schoolId: demo.schoolId, role: Role.Admin, subject: "coalesce-a" };
    const other = { schoolId: demo.schoolId, role: Role.Admin, subject: "coalesce-b" };
    const read = [{ learnerId: learner, operation: "mastery", access: AccessKind.Read }];
    for (const dt of [0, 1_500, 4_000]) s.app.services.accessLog.record(admin7, read, new Date(t0 + dt));
    s.app.services.accessLog.record(other, read, new Date(t0 + 2_000));
    s.app.services.accessLog.record(admin7, [{ learnerId: learner, operation: "mastery", access: AccessKind.Write }], new Date(t0 + 3_000));
    s.app.services.accessLog.record(admin7, [{ learnerId: learner, operation: "learner", access: AccessKind.Read }], new Date(t0 + 3_500));
    // Who, whose, how and which root field stay apart: four rows waiting for six requests.
    expect(s.app.services.accessLog.pending).toBe(4);
    expect(s.app.db.queries.count).toBe(before);
    await flush();
    expect(s.app.services.accessLog.pending).toBe(0);
    const row = (e: { at: string; lastAt: string; count: number; actorId: string; operation: string; access: string }) => [
      e.actorId,
      e.operation,
      e.access,
      Date.parse(e.at) - t0,
      Date.parse(e.lastAt) - t0,
      e.count,
    ];
    expect((await entries({ l: learner })).map(row)).toEqual([
      ["coalesce-a", "mastery", "READ", 0, 4_000, 3],
      ["coalesce-b", "mastery", "READ", 2_000, 2_000, 1],
      ["coalesce-a", "mastery", "WRITE", 3_000, 3_000, 1],
      ["coalesce-a", "learner", "READ", 3_500, 3_500, 1],
    ]);
    // After a flush, the same access is a new row: the counts over the rows are every request.
    s.app.services.accessLog.record(admin7, read, new Date(t0 + 6_000));
    s.app.services.accessLog.record(admin7, read, new Date(t0 + 7_000));
    await flush();
    const reads = (await entries({ l: learner, actor: "coalesce-a" })).filter((e) => e.operation === "mastery" && e.access === "READ");
    expect(reads.map(row)).toEqual([
      ["coalesce-a", "mastery", "READ", 0, 4_000, 3],
      ["coalesce-a", "mastery", "READ", 6_000, 7_000, 2],
    ]);
    // A time filter finds a row by any instant it spans, not only its first.
    const inside = new Date(t0 + 2_500).toISOString();
    expect((await entries({ l: learner, actor: "coalesce-a", since: inside, until: new Date(t0 + 2_600).toISOString() })).map(row)).toEqual(
      [["coalesce-a", "mastery", "READ", 0, 4_000, 3]],
    );
  });

  test("requests over HTTP are coalesced too: a service's calls naming one learner are one row counting them", async () => {
    const learner = taught[2]!;
    await flush();
    await q(`DELETE FROM access_log WHERE school_id = $1`, [demo.schoolId]);
    const service = await s.token({ schoolId: demo.schoolId, role: Role.Service, subject: "coalesce-app" });
    const [{ id: taskId }] = await q(`SELECT id FROM task WHERE school_id = $1 ORDER BY id LIMIT 1`, [demo.schoolId]);
    const ingest = `mutation($i: [RecordAttemptInput!]!) { ingestAttempts(inputs: $i) { duplicate } }`;
    const before = Date.now();
    for (let call = 0; call < 3; call++)
      await ok(
        ingest,
        { i: [0, 1].map((k) => ({ learnerId: learner, taskId, correct: true, idempotencyKey: `coalesce-${call}-${k}-${uuidv7()}` })) },
        service,
      );
    await flush();
    const log = await entries({ l: learner, actor: "coalesce-app" });
    expect(log).toEqual([expect.objectContaining({ operation: "ingestAttempts", access: "WRITE", count: 3 })]);
    expect(Date.parse(log[0]!.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(log[0]!.lastAt)).toBeGreaterThanOrEqual(Date.parse(log[0]!.at));
  });
});

describe("reading the log", () => {
  test("admins page the school's log and filter it by learner, caller and time", async () => {
    for (const l of taught.slice(0, 3)) await ok(`query($l: UUID!) { learner(id: $l) { id } }`, { l }, teacher);
    await flush();
    const all = await entries();
    expect(all.length).toBeGreaterThanOrEqual(3);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort()); // oldest first
    const first = await ok(LOG, { first: 2 }, admin);
    expect(first.accessLog.nodes).toHaveLength(2);
    expect(first.accessLog.pageInfo.hasNextPage).toBe(true);
    const next = await ok(LOG, { first: 100, after: first.accessLog.pageInfo.endCursor }, admin);
    expect(next.accessLog.nodes.map((n: { id: string }) => n.id)).toEqual(ids.slice(2));
    expect((await entries({ actor: demo.teacherId })).every((e) => e.actorId === demo.teacherId)).toBe(true);
    expect(await entries({ since: "2099-12-31T00:00:00Z" })).toEqual([]);
    // Instants outside the API's window [2000-01-01, 2100-01-01) are refused, not read as filters.
    for (const outside of [{ since: "1999-12-31T23:59:59Z" }, { until: "2100-01-01T00:00:00Z" }])
      expect(codeOf(await s.gql(LOG, outside, admin))).toBe("BAD_USER_INPUT");
    expect(await entries({ until: "2000-01-01T00:00:00Z" })).toEqual([]);
    expect(codeOf(await s.gql(LOG, { since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z" }, admin))).toBe("BAD_USER_INPUT");
  });

  test("a learner reads its own log, not another's; other roles are FORBIDDEN; reading the log is not logged", async () => {
    const learner = taught[0]!;
    const self = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: learner });
    await ok(`query($l: UUID!) { learner(id: $l) { id } }`, { l: learner }, teacher);
    await flush();
    const own = await entries({}, self);
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(own.every((e) => e.learnerId === learner)).toBe(true);
    expect(await entries({ l: learner }, self)).toEqual(own);
    expect(codeOf(await s.gql(LOG, { l: taught[1] }, self))).toBe("NOT_FOUND");
    for (const role of [Role.Teacher, Role.Service, Role.Analyst]) {
      const token = await s.token({ schoolId: demo.schoolId, role, ...(role === Role.Teacher ? { teacherId: demo.teacherId } : {}) });
      expect([role, codeOf(await s.gql(LOG, { l: learner }, token))]).toEqual([role, "FORBIDDEN"]);
    }
    await flush();
    expect((await entries({ l: learner })).filter((e) => e.operation === "accessLog")).toEqual([]);
  });
});

describe("retention and erasure", () => {
  test("the retention job deletes the rows older than ZPD_ACCESS_LOG_RETENTION_DAYS, and keeps the rest", async () => {
    expect(schedules({ retrainCron: null, accessLogRetentionDays: 365 })).toEqual([
      expect.objectContaining({
        name: "retention",
        cron: RETENTION_CRON,
        tz: "UTC",
        description: "delete access-log rows older than 365 days",
      }),
    ]);
    const learner = taught[1]!;
    const at = new Date();
    const day = 86_400_000;
    const actor = { schoolId: demo.schoolId, role: Role.Admin, subject: "retention-test" };
    const read = [{ learnerId: learner, operation: "learner", access: AccessKind.Read }];
    s.app.services.accessLog.record(actor, read, new Date(at.getTime() - 60 * day));
    await flush(); // (two rows: recorded together, the same access would be coalesced into one)
    s.app.services.accessLog.record(actor, read, new Date(at.getTime() - 2 * day));
    await flush();
    const others = (await entries({ l: learner })).filter((e) => e.actorId !== "retention-test");
    const out = await executeJob(
      retention,
      { at: at.toISOString() },
      {
        id: uuidv7(),
        attempt: 1,
        retryLimit: 0,
        services: s.app.services,
        logger: createLogger("silent"),
        settings: { retrainCron: null, schoolIds: [demo.schoolId], accessLogRetentionDays: 30 },
      },
    );
    expect(out.status).toBe("completed");
    // The cutoff: the start of the run's UTC day, 30 days back (as the attempts' retention cuts).
    const cutoff = new Date(Math.floor(at.getTime() / day) * day - 30 * day).toISOString();
    expect(out.message).toBe(
      `retention is off (ZPD_RETENTION_DAYS unset): every attempt is kept; 1 access-log row before ${cutoff} deleted`,
    );
    expect(out.result).toEqual({ accessLog: { deleted: 1, cutoff, retentionDays: 30 } });
    const after = await entries({ l: learner });
    expect(after.filter((e) => e.actorId === "retention-test").map((e) => e.at)).toEqual([new Date(at.getTime() - 2 * day).toISOString()]);
    expect(after.filter((e) => e.actorId !== "retention-test")).toEqual(others);
  });

  test("an erasure removes the learner's rows (counted on the receipt); a row buffered for it afterwards is never written", async () => {
    const victim = taught[2]!;
    await ok(`query($l: UUID!) { mastery(learnerId: $l) { learnerId } }`, { l: victim }, teacher);
    await flush();
    const logged = Number((await q(`SELECT count(*)::int AS n FROM access_log WHERE learner_id = $1`, [victim]))[0].n);
    expect(logged).toBeGreaterThanOrEqual(1);
    // Read by a teacher just before the erasure (twice, with another learner: coalesced), still waiting in the buffer.
    const teacherActor = { schoolId: demo.schoolId, role: Role.Teacher, subject: "t", teacherId: demo.teacherId };
    const bystander = taught[0]!;
    const bystanderBefore = (await entries({ l: bystander })).length;
    for (let i = 0; i < 2; i++)
      s.app.services.accessLog.record(teacherActor, [
        { learnerId: victim, operation: "mastery", access: AccessKind.Read },
        { learnerId: bystander, operation: "coalesce-erasure", access: AccessKind.Read },
      ]);
    const erased = await ok(`mutation($l: UUID!) { eraseLearner(learnerId: $l) { rows { table rows } } }`, { l: victim }, admin);
    const counted = Object.fromEntries(erased.eraseLearner.rows.map((r: { table: string; rows: number }) => [r.table, r.rows]));
    expect(counted.access_log).toBe(logged);
    await flush();
    expect(
      Number((await q(`SELECT count(*)::int AS n FROM access_log WHERE learner_id = $1::uuid OR actor_id = $1::text`, [victim]))[0].n),
    ).toBe(0);
    // Another learner's rows are untouched, and its coalesced row of the same batch written whole.
    const kept = await entries({ l: bystander });
    expect(kept).toHaveLength(bystanderBefore + 1);
    expect(kept.filter((e) => e.operation === "coalesce-erasure")).toEqual([
      expect.objectContaining({ actorId: demo.teacherId, count: 2 }),
    ]);
  });
});
