/** Recording attempts over real HTTP: idempotency, batches, bad input, scoping and paging. */
import { Role } from "../../src/services/auth/actor.js";
import { Skill } from "../../src/persistence/curriculum/skill.entity.js";
import { Task, TaskKind } from "../../src/persistence/curriculum/task.entity.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { bodyLimit } from "../../src/api/common/body-limit.js";
import { QUERY_LIMIT_DEFAULTS } from "../../src/config/config.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const RECORD = `mutation($input: RecordAttemptInput!) { recordAttempt(input: $input) { duplicate attempt { id learnerId taskId correct score hintsUsed occurredAt } } }`;
const RECORD_MANY = `mutation($inputs: [RecordAttemptInput!]!) { recordAttempts(inputs: $inputs) { duplicate attempt { id idempotencyKey } } }`;
const ATTEMPTS = `query($l: UUID!, $first: Int, $after: String) { attempts(learnerId: $l, first: $first, after: $after) { edges { node { idempotencyKey occurredAt } } pageInfo { hasNextPage endCursor } } }`;

async function world() {
  const { schoolId, admin } = await s.newSchool();
  const ds = s.app.db.dataSource;
  // create() makes entity instances, so that @BeforeInsert assigns the time-ordered id.
  await ds.getRepository(Skill).save(ds.getRepository(Skill).create({ schoolId, code: "S1", name: "Skill 1", description: "" }));
  const task = await ds.getRepository(Task).save(
    ds.getRepository(Task).create({
      schoolId,
      code: "T1",
      title: "Task 1",
      kind: TaskKind.Exercise,
      topics: [],
      expectedDurationSeconds: 60,
      difficulty: null,
    }),
  );
  const mk = async (ref: string) =>
    (await s.gql(`mutation($r: String) { createLearner(input: { externalRef: $r }) { id } }`, { r: ref }, admin)).data!.createLearner
      .id as string;
  return { schoolId, admin, taskId: task.id, ann: await mk("ann"), bob: await mk("bob") };
}

const attemptRows = async (learnerId: string) =>
  Number((await s.app.db.dataSource.query(`SELECT count(*) AS n FROM attempt WHERE learner_id = $1`, [learnerId]))[0].n);
const stateCount = async (learnerId: string) =>
  Number((await s.app.db.dataSource.query(`SELECT attempt_count AS n FROM learner_state WHERE learner_id = $1`, [learnerId]))[0]?.n ?? 0);

test("an attempt is recorded; the same key again returns the first result; different content is a CONFLICT", async () => {
  const w = await world();
  const input = {
    learnerId: w.ann,
    taskId: w.taskId,
    correct: true,
    hintsUsed: 1,
    occurredAt: "2026-01-05T10:00:00.000Z",
    idempotencyKey: "k-1",
  };
  const first = await s.gql(RECORD, { input }, w.admin);
  expect(first.errors).toBeUndefined();
  expect(first.data!.recordAttempt).toMatchObject({
    duplicate: false,
    attempt: { learnerId: w.ann, correct: true, score: 1, hintsUsed: 1, occurredAt: "2026-01-05T10:00:00.000Z" },
  });
  const again = await s.gql(RECORD, { input }, w.admin);
  expect(again.data!.recordAttempt.duplicate).toBe(true);
  expect(again.data!.recordAttempt.attempt.id).toBe(first.data!.recordAttempt.attempt.id);
  const conflict = await s.gql(RECORD, { input: { ...input, correct: false } }, w.admin);
  expect(codeOf(conflict)).toBe("CONFLICT");
  expect(await attemptRows(w.ann)).toBe(1);
  expect(await stateCount(w.ann)).toBe(1);
});

test("a retry without occurredAt is recognised as the same attempt", async () => {
  const w = await world();
  const input = { learnerId: w.ann, taskId: w.taskId, correct: false, idempotencyKey: "no-time" };
  expect((await s.gql(RECORD, { input }, w.admin)).data!.recordAttempt.duplicate).toBe(false);
  expect((await s.gql(RECORD, { input }, w.admin)).data!.recordAttempt.duplicate).toBe(true);
});

test("concurrent requests with one key write one row and count once", async () => {
  const w = await world();
  const input = { learnerId: w.ann, taskId: w.taskId, correct: true, occurredAt: "2026-01-05T10:00:00.000Z", idempotencyKey: "race" };
  const results = await Promise.all(Array.from({ length: 6 }, () => s.gql(RECORD, { input }, w.admin)));
  expect(results.every((r) => r.errors === undefined)).toBe(true);
  expect(results.filter((r) => r.data!.recordAttempt.duplicate === false)).toHaveLength(1);
  expect(await attemptRows(w.ann)).toBe(1);
  expect(await stateCount(w.ann)).toBe(1);
});

test("a batch is recorded in order, and one bad attempt in it writes nothing", async () => {
  const w = await world();
  const batch = [0, 1, 2].map((i) => ({
    learnerId: i === 1 ? w.bob : w.ann,
    taskId: w.taskId,
    correct: i % 2 === 0,
    occurredAt: `2026-01-0${i + 1}T10:00:00.000Z`,
    idempotencyKey: `b-${i}`,
  }));
  const ok = await s.gql(RECORD_MANY, { inputs: batch }, w.admin);
  expect(ok.data!.recordAttempts.map((r: any) => r.attempt.idempotencyKey)).toEqual(["b-0", "b-1", "b-2"]);
  const bad = [
    ...batch.map((b) => ({ ...b, idempotencyKey: `${b.idempotencyKey}x` })),
    { ...batch[0], idempotencyKey: "b-bad", score: 1.5 },
  ];
  expect(codeOf(await s.gql(RECORD_MANY, { inputs: bad }, w.admin))).toBe("BAD_USER_INPUT");
  const unknownTask = [
    { ...batch[0], idempotencyKey: "b-new" },
    { ...batch[0], idempotencyKey: "b-new2", taskId: "00000000-0000-7000-8000-000000000000" },
  ];
  expect(codeOf(await s.gql(RECORD_MANY, { inputs: unknownTask }, w.admin))).toBe("NOT_FOUND");
  const conflicting = [
    { ...batch[0], idempotencyKey: "b-new3" },
    { ...batch[1], correct: !batch[1]!.correct },
  ];
  expect(codeOf(await s.gql(RECORD_MANY, { inputs: conflicting }, w.admin))).toBe("CONFLICT");
  expect(await attemptRows(w.ann)).toBe(2);
  expect(await attemptRows(w.bob)).toBe(1);
});

test.each([
  ["score above 1", { score: 1.01 }],
  ["negative score", { score: -0.1 }],
  ["negative duration", { durationSeconds: -5 }],
  ["negative hints", { hintsUsed: -1 }],
  ["a time in the future", { occurredAt: "2999-01-01T00:00:00.000Z" }],
  ["an empty key", { idempotencyKey: "" }],
  ["a malformed learner id", { learnerId: "123" }],
])("%s is BAD_USER_INPUT and writes nothing", async (_name, patch) => {
  const w = await world();
  const input = { learnerId: w.ann, taskId: w.taskId, correct: true, idempotencyKey: "bad-1", ...patch };
  expect(codeOf(await s.gql(RECORD, { input }, w.admin))).toBe("BAD_USER_INPUT");
  expect(await attemptRows(w.ann)).toBe(0);
});

test("the largest batch the schema accepts — 500 attempts, every field at its longest — fits the request body limit and is recorded", async () => {
  const w = await world();
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  // Keys of 200 characters, most of them `"`, which JSON escapes: the largest body these inputs make.
  const inputs = Array.from({ length: 500 }, (_, i) => ({
    learnerId: w.ann,
    taskId: w.taskId,
    correct: i % 3 !== 0,
    score: 0.12345678901234568,
    durationSeconds: 86_400,
    hintsUsed: 100,
    idempotencyKey: `k${i}-`.padEnd(200, '"'),
    occurredAt: new Date(start + i * 1000).toISOString(),
    source: `app/${i}:`.padEnd(100, "x"),
  }));
  const bytes = Buffer.byteLength(JSON.stringify({ query: RECORD_MANY, variables: { inputs } }));
  expect(bytes).toBeGreaterThan(370_000);
  expect(bytes).toBeLessThanOrEqual(bodyLimit(QUERY_LIMIT_DEFAULTS.bytes));
  const r = await s.gql(RECORD_MANY, { inputs }, w.admin);
  expect(r.status).toBe(200);
  expect(r.errors).toBeUndefined();
  expect(r.data!.recordAttempts.map((a: any) => a.attempt.idempotencyKey)).toEqual(inputs.map((i) => i.idempotencyKey));
  expect(await attemptRows(w.ann)).toBe(500);
});

test("who may record: a learner for itself only, a service, not an analyst, never across schools", async () => {
  const w = await world();
  const base = { taskId: w.taskId, correct: true };
  const ann = await s.token({ schoolId: w.schoolId, role: Role.Learner, learnerId: w.ann });
  expect((await s.gql(RECORD, { input: { ...base, learnerId: w.ann, idempotencyKey: "self" } }, ann)).data!.recordAttempt.duplicate).toBe(
    false,
  );
  expect(codeOf(await s.gql(RECORD, { input: { ...base, learnerId: w.bob, idempotencyKey: "other" } }, ann))).toBe("NOT_FOUND");
  const service = await s.token({ schoolId: w.schoolId, role: Role.Service });
  expect(
    (await s.gql(RECORD, { input: { ...base, learnerId: w.bob, idempotencyKey: "svc" } }, service)).data!.recordAttempt.duplicate,
  ).toBe(false);
  const analyst = await s.token({ schoolId: w.schoolId, role: Role.Analyst });
  expect(codeOf(await s.gql(RECORD, { input: { ...base, learnerId: w.bob, idempotencyKey: "an" } }, analyst))).toBe("FORBIDDEN");
  const other = await s.newSchool("Elsewhere");
  expect(codeOf(await s.gql(RECORD, { input: { ...base, learnerId: w.bob, idempotencyKey: "x-school" } }, other.admin))).toBe("NOT_FOUND");
  expect(await attemptRows(w.bob)).toBe(1);
});

test("a learner's attempts page in time order", async () => {
  const w = await world();
  const times = ["2026-01-03", "2026-01-01", "2026-01-04", "2026-01-02", "2026-01-05"];
  await s.gql(
    RECORD_MANY,
    {
      inputs: times.map((t, i) => ({
        learnerId: w.ann,
        taskId: w.taskId,
        correct: true,
        occurredAt: `${t}T08:00:00.000Z`,
        idempotencyKey: `t-${i}`,
      })),
    },
    w.admin,
  );
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await s.gql(ATTEMPTS, { l: w.ann, first: 2, after }, w.admin);
    seen.push(...r.data.attempts.edges.map((e: any) => e.node.occurredAt.slice(0, 10)));
    if (!r.data.attempts.pageInfo.hasNextPage) break;
    after = r.data.attempts.pageInfo.endCursor;
  }
  expect(seen).toEqual([...times].sort());
  const bob = await s.token({ schoolId: w.schoolId, role: Role.Learner, learnerId: w.bob });
  expect(codeOf(await s.gql(ATTEMPTS, { l: w.ann }, bob))).toBe("NOT_FOUND");
});
