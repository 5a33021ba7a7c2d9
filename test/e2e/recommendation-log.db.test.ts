/**
 * The recommendation log over real HTTP (issue 19 item 5): every served recommendation is logged — each
 * item of a `recommendations` answer with its strategy, rank, propensity (1 for the deterministic rules),
 * model version and candidate count; a learner without consent as CURRICULUM; a planned path's steps as
 * PATH — ids only; with ZPD_EXPLORATION_EPSILON the ZPD rule's first item carries a propensity below 1;
 * erasure removes a learner's rows (and a row still buffered for it is never written); the retention
 * job deletes the rows older than ZPD_RETENTION_DAYS, and the privacy audit's retention check counts them.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { retention } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";
import { retentionCheck } from "../../src/services/audit/privacy-checks.js";
import { startTestServer, TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const HOOK_TIMEOUT = 120_000;
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let versionId: string;

interface LogRow {
  learner_id: string;
  answer_id: string;
  strategy: string;
  mode: string;
  task_id: string;
  rank: number;
  propensity: number;
  model_version_id: string | null;
  policy_version_id: string | null;
  candidate_count: number | null;
  served_at: Date;
}
const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const rowsOf = async (learnerId: string): Promise<LogRow[]> => {
  await s.app.services.recommendationLog.flush();
  return q(`SELECT * FROM recommendation_log WHERE learner_id = $1 ORDER BY id`, [learnerId]);
};
const ok = async (query: string, variables: Record<string, unknown>, token = admin) => {
  const r = await s.gql(query, variables, token);
  expect(r.errors).toBeUndefined();
  return r.data;
};
const RECS = `query($l: UUID!, $n: Int!, $st: RecommendationStrategy!) {
  recommendations(learnerId: $l, count: $n, strategy: $st) { personalisation strategy items { task { id } } }
}`;
const taskIdsOf = (data: { recommendations: { items: { task: { id: string } }[] } }) => data.recommendations.items.map((i) => i.task.id);
const personalised = () => demo.learnerIds.filter((id) => id !== demo.noConsentLearnerId);

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 12, seed: 3, idLabel: "recommendation-log" });
  versionId = (await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" })).id;
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin, subject: "admin-reclog" });
}, HOOK_TIMEOUT);
afterAll(async () => {
  await s?.stop();
});

describe("what is logged", () => {
  test("a recommendations answer: one row per item, in rank order, ZPD with propensity 1, the model version and the candidates", async () => {
    const learner = personalised()[0]!;
    const data = await ok(RECS, { l: learner, n: 3, st: "ZPD" });
    expect(data.recommendations).toMatchObject({ personalisation: "PERSONALISED", strategy: "ZPD" });
    // Nothing written on the request's path: the rows wait for their batch.
    expect(s.app.services.recommendationLog.pending).toBe(3);
    expect(await q(`SELECT 1 FROM recommendation_log WHERE learner_id = $1`, [learner])).toEqual([]);
    const rows = await rowsOf(learner);
    expect(rows.map((r) => r.task_id)).toEqual(taskIdsOf(data));
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(new Set(rows.map((r) => r.answer_id)).size).toBe(1);
    for (const r of rows) {
      expect(r).toMatchObject({ strategy: "ZPD", mode: "PERSONALISED", model_version_id: versionId, policy_version_id: null });
      expect(Number(r.propensity)).toBe(1);
      expect(r.candidate_count).toBeGreaterThanOrEqual(3);
    }
    // Ids only: every column is an id, a code, a number or the time.
    expect(Object.keys(rows[0]!).sort()).toEqual(
      [
        "id",
        "school_id",
        "learner_id",
        "answer_id",
        "served_at",
        "strategy",
        "mode",
        "task_id",
        "rank",
        "propensity",
        "model_version_id",
        "policy_version_id",
        "candidate_count",
      ].sort(),
    );
  });

  test("each answer is its own rows; LOWEST_MASTERY is named as such; a learner without consent is served (and logged) CURRICULUM", async () => {
    const learner = personalised()[1]!;
    await ok(RECS, { l: learner, n: 2, st: "ZPD" });
    const lowest = await ok(RECS, { l: learner, n: 2, st: "LOWEST_MASTERY" });
    const rows = await rowsOf(learner);
    expect(rows.map((r) => [r.strategy, r.rank])).toEqual([
      ["ZPD", 1],
      ["ZPD", 2],
      ["LOWEST_MASTERY", 1],
      ["LOWEST_MASTERY", 2],
    ]);
    expect(new Set(rows.map((r) => r.answer_id)).size).toBe(2);
    expect(rows.slice(2).map((r) => r.task_id)).toEqual(taskIdsOf(lowest));

    const none = await ok(RECS, { l: demo.noConsentLearnerId, n: 2, st: "ZPD" });
    expect(none.recommendations).toMatchObject({ personalisation: "NO_CONSENT", strategy: "CURRICULUM" });
    const plain = await rowsOf(demo.noConsentLearnerId);
    expect(plain.map((r) => [r.strategy, r.mode, r.rank, Number(r.propensity)])).toEqual([
      ["CURRICULUM", "NO_CONSENT", 1, 1],
      ["CURRICULUM", "NO_CONSENT", 2, 1],
    ]);
  });

  test("a planned path's steps are logged as PATH, in the plan's order", async () => {
    const learner = personalised()[2]!;
    const [goal]: { id: string }[] = await q(`SELECT id FROM goal WHERE learner_id = $1 AND status = 'ACTIVE' LIMIT 1`, [learner]);
    expect(goal).toBeDefined();
    const planned = await ok(`mutation($g: UUID!) { planPath(goalId: $g) { path { steps { status task { id } } } } }`, { g: goal!.id });
    // The path keeps its done steps as history; the plan is its pending ones.
    const steps = planned.planPath.path.steps
      .filter((st: { status: string }) => st.status === "PENDING")
      .map((st: { task: { id: string } }) => st.task.id);
    expect(steps.length).toBeGreaterThan(0);
    const rows = (await rowsOf(learner)).filter((r) => r.strategy === "PATH");
    expect(rows.map((r) => r.task_id)).toEqual(steps);
    expect(rows.map((r) => r.rank)).toEqual(steps.map((_: string, i: number) => i + 1));
    expect(rows.every((r) => Number(r.propensity) === 1 && r.candidate_count === null && r.model_version_id === versionId)).toBe(true);
  });
});

describe("retention and erasure", () => {
  test("the retention job deletes the rows older than ZPD_RETENTION_DAYS; the privacy audit's retention check counts such rows", async () => {
    const learner = personalised()[3]!;
    const at = new Date();
    const day = 86_400_000;
    const served = {
      learnerId: learner,
      strategy: "ZPD",
      mode: "PERSONALISED",
      items: [{ taskId: uuidv7() }],
      modelVersionId: null,
      candidateCount: 1,
    };
    const actor = { schoolId: demo.schoolId, role: Role.Service, subject: "retention-test" };
    s.app.services.recommendationLog.record(actor, served, new Date(at.getTime() - 4000 * day));
    s.app.services.recommendationLog.record(actor, served, new Date(at.getTime() - 2 * day));
    expect((await rowsOf(learner)).length).toBe(2);
    const out = await executeJob(
      retention,
      { at: at.toISOString() },
      {
        id: uuidv7(),
        attempt: 1,
        retryLimit: 0,
        services: s.app.services,
        logger: createLogger("silent"),
        settings: { retrainCron: null, schoolIds: [demo.schoolId], retentionDays: 3650 },
      },
    );
    expect(out.status).toBe("completed");
    expect(out.message).toContain("1 recommendation-log row deleted");
    expect(out.result).toMatchObject({ recommendationLog: { deleted: 1 } });
    const left = await rowsOf(learner);
    expect(left.map((r) => new Date(r.served_at).toISOString())).toEqual([new Date(at.getTime() - 2 * day).toISOString()]);

    const cutoff = new Date(at.getTime() - 30 * day);
    expect(retentionCheck(30, cutoff, { count: 0, oldest: null }, undefined, 2)).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("2 recommendation-log rows"),
      figures: { recommendationLogRowsOlder: 2 },
    });
    expect(retentionCheck(30, cutoff, { count: 0, oldest: null }, undefined, 0).status).toBe("PASS");
  });

  test("an erasure removes the learner's rows (counted on the receipt); a row buffered for it afterwards is never written", async () => {
    const victim = personalised()[4]!;
    const other = personalised()[0]!;
    await ok(RECS, { l: victim, n: 2, st: "ZPD" });
    const logged = (await rowsOf(victim)).length;
    expect(logged).toBe(2);
    const othersBefore = (await rowsOf(other)).length;
    await ok(RECS, { l: victim, n: 1, st: "ZPD" }); // still waiting in the buffer at the erasure
    expect(s.app.services.recommendationLog.pending).toBe(1);
    const erased = await ok(`mutation($l: UUID!) { eraseLearner(learnerId: $l) { rows { table rows } } }`, { l: victim });
    const counted = Object.fromEntries(erased.eraseLearner.rows.map((r: { table: string; rows: number }) => [r.table, r.rows]));
    expect(counted.recommendation_log).toBe(logged);
    expect(await rowsOf(victim)).toEqual([]);
    expect(s.app.services.recommendationLog.pending).toBe(0);
    expect((await rowsOf(other)).length).toBe(othersBefore);
  });
});

describe("exploration (ZPD_EXPLORATION_EPSILON)", () => {
  let explorer: TestServer;
  let school: DemoSchool;
  let token: string;
  beforeAll(async () => {
    explorer = await startTestServer({ ZPD_EXPLORATION_EPSILON: "0.5" });
    school = await seedDemo(explorer.app.db.dataSource, explorer.app.services.deps.cipher, NOW, {
      learners: 12,
      seed: 4,
      idLabel: "recommendation-log-explore",
    });
    await explorer.app.services.training.trainAndPublish(school.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
    token = await explorer.token({ schoolId: school.schoolId, role: Role.Admin, subject: "admin-explore" });
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await explorer?.stop();
  });

  test("ZPD's first item is drawn with ε: its propensity is (1 − ε) + ε/n for the rule's choice, ε/n otherwise; the other items are 1", async () => {
    const learner = school.learnerIds.find((id) => id !== school.noConsentLearnerId)!;
    for (let i = 0; i < 30; i++) {
      const r = await explorer.gql(RECS, { l: learner, n: 3, st: "ZPD" }, token);
      expect(r.errors).toBeUndefined();
    }
    await explorer.app.services.recommendationLog.flush();
    const rows: LogRow[] = await explorer.app.db.dataSource.query(
      `SELECT * FROM recommendation_log WHERE learner_id = $1 AND strategy = 'ZPD' ORDER BY id`,
      [learner],
    );
    expect(rows).toHaveLength(90);
    const firsts = rows.filter((r) => r.rank === 1);
    const n = firsts[0]!.candidate_count!;
    expect(n).toBeGreaterThan(1);
    const propensities = new Set(firsts.map((r) => Number(r.propensity).toFixed(12)));
    // The learner's state does not change between these reads: one rule's choice, the rest explored.
    const greedy = (0.5 + 0.5 / n).toFixed(12);
    const other = (0.5 / n).toFixed(12);
    expect([...propensities].every((p) => p === greedy || p === other)).toBe(true);
    expect(propensities.has(greedy)).toBe(true);
    const chosenGreedy = firsts.filter((r) => Number(r.propensity).toFixed(12) === greedy);
    expect(new Set(chosenGreedy.map((r) => r.task_id)).size).toBe(1);
    // 30 draws at P = 0.5 + 0.5/n of the rule's choice: at least one other with probability 1 − (0.5 + 0.5/n)^30 > 0.9999.
    expect(firsts.some((r) => Number(r.propensity).toFixed(12) === other)).toBe(true);
    expect(rows.filter((r) => r.rank > 1).every((r) => Number(r.propensity) === 1)).toBe(true);
  });
});
