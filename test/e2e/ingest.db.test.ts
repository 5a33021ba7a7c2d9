/**
 * The deferred ingestion path (`ingestAttempts`) over real HTTP: acknowledged with the attempts durably
 * written and marked pending, applied to the learners' states afterwards exactly once (a failed apply
 * leaves the marks, two appliers of one learner apply it once), the state the same as a replay of the
 * history, idempotency and all-or-nothing as recordAttempts, and every read of a learner after an
 * acknowledged write sees its attempts (read-your-writes). On PostgreSQL too (.ci/run): appliers on a pool.
 */
import { seedDemo, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { applyPendingAttempts } from "../../src/persistence/attempt/attempt-writer.js";
import { codeOf, startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let tasks: string[];
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 24, seed: 5, idLabel: "ingest" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  tasks = (await s.gql(`{ tasks(first: 6) { nodes { id } } }`, {}, admin)).data.tasks.nodes.map((t: { id: string }) => t.id);
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const INGEST = `mutation($inputs: [RecordAttemptInput!]!) { ingestAttempts(inputs: $inputs) { attemptId learnerId idempotencyKey duplicate } }`;
const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const consenting = () => demo.learnerIds.filter((id) => id !== demo.noConsentLearnerId);
const applier = () => s.app.services.pendingApplier;
const pendingOf = async (learnerId: string) =>
  Number((await q(`SELECT count(*)::int AS n FROM attempt_pending WHERE learner_id = $1`, [learnerId]))[0].n);
const stateOf = async (learnerId: string) =>
  (await q(`SELECT state::jsonb AS state, attempt_count, version FROM learner_state WHERE learner_id = $1`, [learnerId]))[0] as {
    state: unknown;
    attempt_count: number;
    version: number;
  };
const historyCount = async (learnerId: string) =>
  Number((await q(`SELECT count(*)::int AS n FROM attempt WHERE learner_id = $1`, [learnerId]))[0].n);

/** n attempts of the learner, a minute apart after `from` minutes past NOW, keys `${prefix}-i`. */
const inputs = (learnerId: string, prefix: string, n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    learnerId,
    taskId: tasks[i % tasks.length]!,
    correct: i % 3 !== 0,
    occurredAt: new Date(NOW.getTime() + (from + i + 1) * 60_000).toISOString(),
    idempotencyKey: `${prefix}-${i}`,
  }));

/** Stops the background drain for the test's duration (reads and explicit applies still apply), and restarts a fresh one after. */
async function withoutBackgroundApply(fn: () => Promise<void>): Promise<void> {
  await applier().stop();
  try {
    await fn();
  } finally {
    applier().resume();
  }
}

test("ingested attempts are acknowledged written and pending; applied once, the state is the replay of the history", async () => {
  await withoutBackgroundApply(async () => {
    const learner = consenting()[1]!;
    const before = await stateOf(learner);
    const r = await s.gql(INGEST, { inputs: inputs(learner, "ing-a", 5) }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.ingestAttempts).toHaveLength(5);
    expect(r.data.ingestAttempts.every((a: { duplicate: boolean }) => !a.duplicate)).toBe(true);
    // Written and marked, the state not touched yet.
    const ids = r.data.ingestAttempts.map((a: { attemptId: string }) => a.attemptId);
    expect(Number((await q(`SELECT count(*)::int AS n FROM attempt WHERE id = ANY($1::uuid[])`, [ids]))[0].n)).toBe(5);
    expect(await pendingOf(learner)).toBe(5);
    expect((await stateOf(learner)).version).toBe(before.version);
    // Applied once: the five counted, the marks gone; a second drain finds nothing.
    expect(await applier().drain()).toBeGreaterThanOrEqual(5);
    expect(await pendingOf(learner)).toBe(0);
    const applied = await stateOf(learner);
    expect(applied.attempt_count).toBe(before.attempt_count + 5);
    expect(applied.attempt_count).toBe(await historyCount(learner));
    expect(await applier().applyLearners(demo.schoolId, [learner])).toBe(0);
    // The same state as a replay of the whole history.
    await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [learner]));
    expect((await stateOf(learner)).state).toEqual(applied.state);
  });
});

test("a read after an acknowledged ingestion sees its attempts: mastery, recommendations and a path apply them first", async () => {
  await withoutBackgroundApply(async () => {
    const [a, b, c] = consenting().slice(2, 5) as [string, string, string];
    for (const learner of [a, b, c]) {
      const r = await s.gql(INGEST, { inputs: inputs(learner, `ryw-${learner}`, 3) }, admin);
      expect(r.errors).toBeUndefined();
      expect(await pendingOf(learner)).toBe(3);
    }
    const count = async (learner: string) => (await stateOf(learner)).attempt_count;
    const before = await Promise.all([a, b, c].map(count));
    // mastery (the learner's field), recommendations, a goal's path: each applies its learner's attempts.
    const mastery = await s.gql(`query($l: UUID!) { learner(id: $l) { mastery { skill { id } } } }`, { l: a }, admin);
    expect(mastery.errors).toBeUndefined();
    const recs = await s.gql(
      `query($l: UUID!) { recommendations(learnerId: $l, count: 3) { personalisation items { task { id } } } }`,
      { l: b },
      admin,
    );
    expect(recs.errors).toBeUndefined();
    expect(recs.data.recommendations.personalisation).toBe("PERSONALISED");
    const goal = await s.gql(
      `mutation($l: UUID!, $s: [UUID!]!) { createGoal(input: { learnerId: $l, title: "g", skillIds: $s }) { id } }`,
      { l: c, s: [(await q(`SELECT skill_id FROM task_skill WHERE task_id = $1 LIMIT 1`, [tasks[0]]))[0].skill_id] },
      admin,
    );
    expect(goal.errors).toBeUndefined();
    const path = await s.gql(`mutation($g: UUID!) { planPath(goalId: $g) { personalisation } }`, { g: goal.data.createGoal.id }, admin);
    expect(path.errors).toBeUndefined();
    for (const [i, learner] of [a, b, c].entries()) {
      expect(await pendingOf(learner)).toBe(0);
      expect(await count(learner)).toBe(before[i]! + 3);
    }
  });
});

test("the applier marks a path's step done when its task is answered correctly, as recordAttempt does", async () => {
  await withoutBackgroundApply(async () => {
    const learner = consenting()[10]!;
    const skillId = (await q(`SELECT skill_id FROM task_skill WHERE task_id = $1 LIMIT 1`, [tasks[0]]))[0].skill_id;
    const goal = await s.gql(
      `mutation($l: UUID!, $s: [UUID!]!) { createGoal(input: { learnerId: $l, title: "path", skillIds: $s, masteryThreshold: 0.99 }) { id } }`,
      { l: learner, s: [skillId] },
      admin,
    );
    const plan = await s.gql(
      `mutation($g: UUID!) { planPath(goalId: $g) { path { steps { id status task { id } } } } }`,
      { g: goal.data.createGoal.id },
      admin,
    );
    expect(plan.errors).toBeUndefined();
    const step = plan.data.planPath.path.steps[0] as { id: string; status: string; task: { id: string } };
    expect(step.status).toBe("PENDING");
    const attempt = { ...inputs(learner, "step", 1, 400)[0]!, taskId: step.task.id, correct: true };
    expect((await s.gql(INGEST, { inputs: [attempt] }, admin)).errors).toBeUndefined();
    const status = async () => (await q(`SELECT status FROM path_step WHERE id = $1`, [step.id]))[0].status;
    expect(await status()).toBe("PENDING");
    expect(await applier().applyLearners(demo.schoolId, [learner])).toBe(1);
    expect(await status()).toBe("DONE");
  });
});

test("an apply that fails leaves the attempts pending; the next applies each once; two appliers of a learner apply it once", async () => {
  await withoutBackgroundApply(async () => {
    const learner = consenting()[5]!;
    const before = await stateOf(learner);
    expect((await s.gql(INGEST, { inputs: inputs(learner, "crash", 4) }, admin)).errors).toBeUndefined();
    // A crash between the claim and the commit: the transaction rolls back, the marks come back.
    await expect(
      s.app.db.dataSource.transaction(async (m) => {
        const claimed = await applyPendingAttempts(m, demo.schoolId, [learner]);
        expect(claimed.attempts).toHaveLength(4);
        throw new Error("killed before the commit");
      }),
    ).rejects.toThrow("killed before the commit");
    expect(await pendingOf(learner)).toBe(4);
    expect((await stateOf(learner)).version).toBe(before.version);
    // Two appliers at once (on PostgreSQL, two connections: one waits for the other's lock, then finds nothing).
    const applied = await Promise.all([
      applier().applyLearners(demo.schoolId, [learner]),
      applier().applyLearners(demo.schoolId, [learner]),
    ]);
    expect(applied.reduce((x, y) => x + y, 0)).toBe(4);
    expect(await pendingOf(learner)).toBe(0);
    expect((await stateOf(learner)).attempt_count).toBe(before.attempt_count + 4);
  });
});

test("idempotent on each key across both paths; a key reused for other content refuses the whole batch, nothing written", async () => {
  const learner = consenting()[6]!;
  const batch = inputs(learner, "idem", 3);
  const first = await s.gql(INGEST, { inputs: batch }, admin);
  expect(first.errors).toBeUndefined();
  const again = await s.gql(INGEST, { inputs: batch }, admin);
  expect(again.errors).toBeUndefined();
  expect(again.data.ingestAttempts).toEqual(first.data.ingestAttempts.map((a: object) => ({ ...a, duplicate: true })));
  // A key recorded by recordAttempt is a duplicate here too; new keys of the same batch are written.
  const recorded = await s.gql(
    `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { attempt { id } } }`,
    { i: inputs(learner, "sync", 1, 100)[0] },
    admin,
  );
  const mixed = await s.gql(INGEST, { inputs: [...inputs(learner, "sync", 1, 100), ...inputs(learner, "idem-new", 2, 200)] }, admin);
  expect(mixed.errors).toBeUndefined();
  expect(mixed.data.ingestAttempts.map((a: { duplicate: boolean }) => a.duplicate)).toEqual([true, false, false]);
  expect(mixed.data.ingestAttempts[0].attemptId).toBe(recorded.data.recordAttempt.attempt.id);
  const rows = await historyCount(learner);
  const conflict = await s.gql(
    INGEST,
    { inputs: [...inputs(learner, "idem-other", 2, 300), { ...batch[0]!, correct: !batch[0]!.correct }] },
    admin,
  );
  expect(codeOf(conflict)).toBe("CONFLICT");
  expect(await historyCount(learner)).toBe(rows);
  await applier().drain();
  expect((await stateOf(learner)).attempt_count).toBe(await historyCount(learner));
});

test("bad input is refused with its code and writes nothing: a bad field, an unknown task, another learner for a learner's token", async () => {
  const learner = consenting()[7]!;
  const rows = await historyCount(learner);
  const bad = await s.gql(INGEST, { inputs: [{ ...inputs(learner, "bad", 1)[0]!, hintsUsed: -1 }] }, admin);
  expect(codeOf(bad)).toBe("BAD_USER_INPUT");
  const unknown = await s.gql(
    INGEST,
    {
      inputs: [
        ...inputs(learner, "bad-task", 1),
        { ...inputs(learner, "bad-task2", 1)[0]!, taskId: "00000000-0000-7000-8000-000000000000" },
      ],
    },
    admin,
  );
  expect(codeOf(unknown)).toBe("NOT_FOUND");
  const own = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: learner });
  const other = await s.gql(INGEST, { inputs: inputs(consenting()[8]!, "other", 1) }, own);
  expect(codeOf(other)).toBe("NOT_FOUND");
  expect(await historyCount(learner)).toBe(rows);
  expect(Number((await q(`SELECT count(*)::int AS n FROM attempt WHERE idempotency_key LIKE 'other-%'`))[0].n)).toBe(0);
});

test("a learner without consent: its ingested attempts are recorded and counted, no personal state", async () => {
  const learner = demo.noConsentLearnerId;
  expect((await s.gql(INGEST, { inputs: inputs(learner, "nc", 2) }, admin)).errors).toBeUndefined();
  await applier().drain();
  expect(await pendingOf(learner)).toBe(0);
  const [row] = await q(`SELECT model_version_id, state, attempt_count FROM learner_state WHERE learner_id = $1`, [learner]);
  expect(row.model_version_id).toBeNull();
  expect(row.attempt_count).toBe(await historyCount(learner));
});

test("erasing a learner removes its pending attempts with the rest", async () => {
  await withoutBackgroundApply(async () => {
    const learner = consenting()[9]!;
    expect((await s.gql(INGEST, { inputs: inputs(learner, "erase", 2) }, admin)).errors).toBeUndefined();
    expect(await pendingOf(learner)).toBe(2);
    const r = await s.gql(`mutation($l: UUID!) { eraseLearner(learnerId: $l) { rows { table rows } } }`, { l: learner }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.eraseLearner.rows).toContainEqual({ table: "attempt_pending", rows: 2 });
    expect(await pendingOf(learner)).toBe(0);
  });
});
