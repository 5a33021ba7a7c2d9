/**
 * Input bounds over real HTTP (issue #13, "Input bounds"): an attempt dated outside [2000-01-01, the
 * server's time + the clock skew], a number past its documented maximum or an over-long string is
 * BAD_USER_INPUT naming the field and the rule — a short answer that never echoes the value — and
 * nothing is written; in a batch, one bad attempt refuses them all (a value too large for the request
 * body is refused before it is read: QUERY_TOO_LARGE). The bounds: input-bounds.ts.
 */
import { Skill } from "../../src/persistence/curriculum/skill.entity.js";
import { Task, TaskKind } from "../../src/persistence/curriculum/task.entity.js";
import { codeOf, startTestServer, type GraphQLResponse, type TestServer } from "../support/test-server.js";

let s: TestServer;
let w: { schoolId: string; admin: string; taskId: string; skillId: string; ann: string };
beforeAll(async () => {
  s = await startTestServer();
  const { schoolId, admin } = await s.newSchool("Input bounds school");
  const ds = s.app.db.dataSource;
  const skill = await ds
    .getRepository(Skill)
    .save(ds.getRepository(Skill).create({ schoolId, code: "S1", name: "Skill 1", description: "" }));
  const task = await ds
    .getRepository(Task)
    .save(
      ds
        .getRepository(Task)
        .create({ schoolId, code: "T1", title: "Task 1", kind: TaskKind.Exercise, topics: [], expectedDurationSeconds: 60 }),
    );
  const ann = (await s.gql(`mutation { createLearner(input: { externalRef: "ann" }) { id } }`, {}, admin)).data!.createLearner.id;
  w = { schoolId, admin, taskId: task.id, skillId: skill.id, ann };
});
afterAll(async () => {
  await s?.stop();
});

const RECORD = `mutation($input: RecordAttemptInput!) { recordAttempt(input: $input) { attempt { id occurredAt hintsUsed durationSeconds } } }`;
const RECORD_MANY = `mutation($inputs: [RecordAttemptInput!]!) { recordAttempts(inputs: $inputs) { attempt { id } } }`;

/** The answer with its size on the wire. */
async function post(query: string, variables: Record<string, unknown>, token = w.admin): Promise<GraphQLResponse<any> & { bytes: number }> {
  const res = await fetch(s.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { ...(JSON.parse(text) as GraphQLResponse<any>), status: res.status, bytes: Buffer.byteLength(text) };
}

const attempts = async () =>
  Number((await s.app.db.dataSource.query(`SELECT count(*) AS n FROM attempt WHERE school_id = $1`, [w.schoolId]))[0].n);
const rows = async (table: string) =>
  Number((await s.app.db.dataSource.query(`SELECT count(*) AS n FROM "${table}" WHERE school_id = $1`, [w.schoolId]))[0].n);

let keys = 0;
const attempt = (patch: Record<string, unknown> = {}) => ({
  learnerId: w.ann,
  taskId: w.taskId,
  correct: true,
  idempotencyKey: `bounds-${++keys}`,
  ...patch,
});
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/** A refusal: BAD_USER_INPUT, naming `field` and the rule, a short answer without `value`. */
function expectRefused(r: GraphQLResponse & { bytes: number }, field: string, rule: RegExp, value?: string): void {
  expect(codeOf(r)).toBe("BAD_USER_INPUT");
  const error = r.errors![0]!;
  expect(error.message).toContain(field);
  expect(error.message).toMatch(rule);
  if (value !== undefined) expect(JSON.stringify(r)).not.toContain(value);
  expect(r.bytes).toBeLessThan(1_000);
}

describe("occurredAt lies in [2000-01-01T00:00:00Z, the server's time + ZPD_MAX_CLOCK_SKEW_SECONDS (300 s)]", () => {
  test.each([
    ["1970 (a zero Unix time)", "1970-01-01T00:00:00.000Z", /must not be before 2000-01-01T00:00:00.000Z/],
    ["a second before 2000", "1999-12-31T23:59:59.000Z", /must not be before 2000-01-01T00:00:00.000Z/],
    ["year 1", "0001-01-01T00:00:00.000Z", /must not be before 2000-01-01T00:00:00.000Z/],
    ["the far future", "2999-01-01T00:00:00.000Z", /must not be later than the server's time plus 300 s of clock skew/],
    ["past the skew", inSeconds(400), /must not be later than the server's time plus 300 s of clock skew/],
  ])("%s is refused, naming the field and the rule, and nothing is written", async (_what, occurredAt, rule) => {
    const before = await attempts();
    const r = await post(RECORD, { input: attempt({ occurredAt }) });
    expectRefused(r, "occurredAt", rule, occurredAt.slice(0, 19));
    expect(r.errors![0]!.extensions!.field).toBe("occurredAt");
    expect(await attempts()).toBe(before);
  });

  test("year 0 is refused before any resolver runs, without echoing it", async () => {
    const before = await attempts();
    const r = await post(RECORD, { input: attempt({ occurredAt: "0000-01-01T00:00:00.000Z" }) });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(r.errors)).not.toContain("0000-01-01");
    expect(await attempts()).toBe(before);
  });

  test("the window's edges are accepted: 2000-01-01 exactly, and a client clock ahead within the skew", async () => {
    const before = await attempts();
    const first = await post(RECORD, { input: attempt({ occurredAt: "2000-01-01T00:00:00.000Z" }) });
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordAttempt.attempt.occurredAt).toBe("2000-01-01T00:00:00.000Z");
    const ahead = inSeconds(200);
    const skewed = await post(RECORD, { input: attempt({ occurredAt: ahead }) });
    expect(skewed.errors).toBeUndefined();
    expect(skewed.data!.recordAttempt.attempt.occurredAt).toBe(ahead);
    expect(await attempts()).toBe(before + 2);
  });
});

describe("numbers have documented maxima", () => {
  test.each([
    ["hintsUsed", 2 ** 31 - 1, /must be an integer from 0 to 100/],
    ["hintsUsed", 101, /must be an integer from 0 to 100/],
    ["durationSeconds", 2 ** 31 - 1, /must be an integer from 0 to 86,400/],
    ["durationSeconds", 86_401, /must be an integer from 0 to 86,400/],
  ])("%s = %d is refused and nothing is written", async (field, value, rule) => {
    const before = await attempts();
    expectRefused(await post(RECORD, { input: attempt({ [field]: value }) }), field, rule, String(value));
    expect(await attempts()).toBe(before);
  });

  test("the maxima themselves are accepted", async () => {
    const r = await post(RECORD, { input: attempt({ hintsUsed: 100, durationSeconds: 86_400 }) });
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordAttempt.attempt).toMatchObject({ hintsUsed: 100, durationSeconds: 86_400 });
  });

  test("a value past GraphQL's Int, or a string for an Int, is refused without echoing it", async () => {
    const r = await post(RECORD, { input: attempt({ hintsUsed: 2 ** 31 }) });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(
      'Variable "$input" got an invalid value at "input.hintsUsed": Int cannot represent non 32-bit signed integer value.',
    );
    expect(r.errors![0]!.extensions!.argument).toBe("$input.hintsUsed");
    const big = "9".repeat(300_000);
    const str = await post(`query($n: Int) { skills(first: $n) { nodes { id } } }`, { n: big });
    expect(codeOf(str)).toBe("BAD_USER_INPUT");
    expect(str.bytes).toBeLessThan(1_000);
  });

  test("a task's expected duration is bounded as an attempt's", async () => {
    const r = await post(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
      i: { code: "T-long", title: "Long", kind: "EXERCISE", expectedDurationSeconds: 2 ** 31 - 1, skills: [{ skillId: w.skillId }] },
    });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(r.errors)).toContain("expectedDurationSeconds");
    expect(await rows("task")).toBe(1);
  });
});

describe("strings and lists are bounded, with short errors", () => {
  // About the largest value a request can carry: a body over ZPD_MAX_QUERY_BYTES + 300 kB is refused
  // before it is read (body-limit.ts), below.
  const LARGE = "x".repeat(300_000);

  test("a 300 kB task title: BAD_USER_INPUT naming the field and the rule, under 1 kB, nothing written", async () => {
    const r = await post(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
      i: { code: "T-big", title: LARGE, kind: "EXERCISE", expectedDurationSeconds: 60, skills: [{ skillId: w.skillId }] },
    });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(r.errors)).toMatch(/title must be shorter than or equal to 300 characters/);
    expect(r.bytes).toBeLessThan(1_000);
    expect(await rows("task")).toBe(1);
  });

  test("a 1 MB task title: the body is refused by its size before it is read (QUERY_TOO_LARGE, 413), under 1 kB, nothing written", async () => {
    const r = await post(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
      i: { code: "T-huge", title: "x".repeat(1_000_000), kind: "EXERCISE", expectedDurationSeconds: 60, skills: [{ skillId: w.skillId }] },
    });
    expect(r.status).toBe(413);
    expect(codeOf(r)).toBe("QUERY_TOO_LARGE");
    expect(r.bytes).toBeLessThan(1_000);
    expect(await rows("task")).toBe(1);
  });

  test.each([
    ["a cohort's name", `mutation($v: String!) { createCohort(input: { name: $v }) { id } }`, 201, "cohort"],
    [
      "a skill's description",
      `mutation($v: String) { createSkill(input: { code: "S-d", name: "D", description: $v }) { id } }`,
      10_001,
      "skill",
    ],
    ["a teacher's name", `mutation($v: String!) { createTeacher(input: { displayName: $v }) { id } }`, 201, "teacher"],
    ["a learner's display name", `mutation($v: String) { createLearner(input: { profile: { displayName: $v } }) { id } }`, 201, "learner"],
  ])("%s one character past its bound is refused; nothing written", async (_what, query, length, table) => {
    const before = await rows(table);
    const r = await post(query, { v: "y".repeat(length) });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.bytes).toBeLessThan(1_000);
    expect(await rows(table)).toBe(before);
  });

  test.each([
    ["source", LARGE, /source must be 1 to 100 characters/],
    ["idempotencyKey", LARGE, /idempotencyKey must be 1 to 200 printable ASCII characters/],
  ])("an attempt's 300 kB %s is refused in a short error", async (field, value, rule) => {
    const before = await attempts();
    expectRefused(await post(RECORD, { input: attempt({ [field]: value }) }), field, rule, "xxxxxxxxxx");
    expect(await attempts()).toBe(before);
  });

  test("a 300 kB cursor is refused in a short error that does not quote it", async () => {
    const r = await post(`query($a: String) { skills(after: $a) { nodes { id } } }`, { a: LARGE });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.bytes).toBeLessThan(1_000);
    const forged = await post(`query($a: String) { skills(after: $a) { nodes { id } } }`, { a: "not-a-cursor" });
    expect(forged.errors![0]!.message).toBe("after is not a cursor this server returned");
  });

  test("id lists are bounded: 2,001 task ids for predictions, 101 skills for a goal", async () => {
    const ids = (n: number, id: string) => Array.from({ length: n }, () => id);
    const p = await post(`query($l: UUID!, $t: [UUID!]!) { predictions(learnerId: $l, taskIds: $t) { items { predictedSuccess } } }`, {
      l: w.ann,
      t: ids(2_001, w.taskId),
    });
    expect(codeOf(p)).toBe("BAD_USER_INPUT");
    const before = await rows("goal");
    const g = await post(`mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }`, {
      i: { learnerId: w.ann, title: "Too many", skillIds: ids(101, w.skillId) },
    });
    expect(codeOf(g)).toBe("BAD_USER_INPUT");
    expect(await rows("goal")).toBe(before);
  });

  test("a goal deadline in 1970 or after 2100 is refused", async () => {
    const before = await rows("goal");
    for (const deadline of ["1970-01-01T00:00:00.000Z", "2100-06-01T00:00:00.000Z"]) {
      const r = await post(`mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }`, {
        i: { learnerId: w.ann, title: "Dated", skillIds: [w.skillId], deadline },
      });
      expectRefused(r, "deadline", /deadline must (not )?be (before|after)/, deadline);
    }
    expect(await rows("goal")).toBe(before);
  });

  test("a misspelt field next to personal data: the error names the field, not the input object", async () => {
    const r = await post(`mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`, {
      i: { profile: { displayName: "Ada Lovelace", emial: "ada@example.org" } },
    });
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(
      'Variable "$i" got an invalid value at "i.profile": Field "emial" is not defined by type "LearnerProfileInput".',
    );
    expect(JSON.stringify(r)).not.toMatch(/Ada|Lovelace|example\.org/);
  });
});

describe("a batch with one bad attempt writes none", () => {
  test.each([
    ["dated 1970", { occurredAt: "1970-01-01T00:00:00.000Z" }, "occurredAt"],
    ["dated past the skew", { occurredAt: inSeconds(3_600) }, "occurredAt"],
    ["with 2³¹ − 1 hints", { hintsUsed: 2 ** 31 - 1 }, "hintsUsed"],
    ["with a 300 kB source", { source: "s".repeat(300_000) }, "source"],
  ])("the third attempt %s: BAD_USER_INPUT naming attempts[2], nothing written", async (_what, patch, field) => {
    const before = await attempts();
    const inputs = [attempt(), attempt(), attempt(patch), attempt()];
    const r = await post(RECORD_MANY, { inputs });
    expectRefused(r, `attempts[2].${field}`, /must/);
    expect(r.errors![0]!.extensions!.field).toBe(`attempts[2].${field}`);
    expect(await attempts()).toBe(before);
    // The same batch without the bad attempt goes through whole.
    const good = await post(RECORD_MANY, { inputs: inputs.filter((_, i) => i !== 2) });
    expect(good.errors).toBeUndefined();
    expect(await attempts()).toBe(before + 3);
  });

  test("a key repeated in a batch is named by position, not quoted", async () => {
    const before = await attempts();
    const a = attempt({ idempotencyKey: "repeated-key-of-a-batch" });
    const r = await post(RECORD_MANY, { inputs: [a, attempt(), { ...a }] });
    expectRefused(r, "attempts[2].idempotencyKey", /repeats the key of attempts\[0\]/, "repeated-key-of-a-batch");
    expect(await attempts()).toBe(before);
  });
});
