/**
 * The analytics over GraphQL (analysts and admins; the same rows and suppression as the views), the
 * catalogue (every view and column commented in the database and listed in docs/analytics.md), and k as
 * configured (ZPD_ANALYTICS_K) applied by the views.
 */
import fs from "node:fs";
import path from "node:path";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { analyticsWorld, AnalyticsWorld, LearnerSpec, viewRows } from "../support/analytics-world.js";
import { createServerDatabase } from "../support/scratch-database.js";
import { docOperations } from "../support/doc-operations.js";
import { EVERY_ANALYTICS_VIEW } from "../../migrations/1764710000000-analytics-recommendations.js";

/**
 * A view's value as the API's answer must equal it. Two evaluations of a float aggregate (the API's and
 * the test's read of the view) may differ in the last digit: the server may sum the rows in another
 * order (0.87 once came back as 0.8700000000000001).
 */
const same = (x: unknown) => (typeof x === "number" && !Number.isInteger(x) ? expect.closeTo(x, 12) : x);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/**
 * Cohorts of 3, 10 and 12 learners (learner 24, in Large, not personalised). At k = 10 Small is withheld,
 * and Mid with it (school − Large − Mid would be Small); at k = 3 every cohort is released.
 */
const LEARNERS: LearnerSpec[] = range(25).map((i) => ({
  cohorts: [i < 3 ? "Small" : i < 13 ? "Mid" : "Large"],
  personalised: i !== 24,
  mastery: { S1: 0.5 + i * 0.02 },
  attempts: [
    { task: "T", day: "2026-03-02", correct: true },
    { task: "T", day: "2026-03-02", correct: i % 3 !== 0 },
  ],
}));
const SPEC = { cohorts: ["Small", "Mid", "Large"], skills: ["S1"], tasks: { T: ["S1"] }, learners: LEARNERS };

const MASTERY = `query($cohortId: UUID, $skillId: UUID) { analytics { k masteryByCohortSkill(cohortId: $cohortId, skillId: $skillId) {
  cohortId cohortName skillCode learners meanMastery q1Mastery medianMastery q3Mastery shareMastered suppressed } } }`;
const EFFECT = `query($cohortId: UUID) { analytics { personalisationEffect(cohortId: $cohortId) {
  cohortId cohortName personalised learners meanSuccessRate medianAttempts medianTimeOnTaskSeconds meanShareOnPathSteps suppressed
  learnersWithPath meanSharePathStepsDone pathSuppressed learnersReachingMastery medianAttemptsToMastery masterySuppressed } } }`;

const camel = (r: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), v]));

describe("analytics over GraphQL (k = 10)", () => {
  let s: TestServer;
  let w: AnalyticsWorld;
  beforeAll(async () => {
    s = await startTestServer();
    w = await analyticsWorld(s, SPEC, "GraphQL analytics");
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  test("an analyst reads mastery by cohort × skill: the view's rows, school first, the small cohort withheld", async () => {
    const r = await s.gql(MASTERY, {}, w.analyst);
    expect(r.errors).toBeUndefined();
    const got = r.data.analytics;
    expect(got.k).toBe(10);
    expect(got.masteryByCohortSkill.map((x: { cohortName: string | null }) => x.cohortName)).toEqual([null, "Large", "Mid", "Small"]);
    const view = await viewRows(s, "mastery_by_cohort_skill", w.schoolId);
    for (const row of got.masteryByCohortSkill) {
      const v = camel(view.find((x) => x.cohort_name === row.cohortName)!);
      expect(row).toEqual(Object.fromEntries(Object.keys(row).map((k) => [k, same(v[k])])));
    }
    expect(got.masteryByCohortSkill[3]).toMatchObject({ cohortName: "Small", learners: null, meanMastery: null, suppressed: true });
    expect(got.masteryByCohortSkill[2]).toMatchObject({ cohortName: "Mid", learners: null, meanMastery: null, suppressed: true });
    expect(got.masteryByCohortSkill[1]).toMatchObject({ cohortName: "Large", learners: 12, suppressed: false });
    expect(got.masteryByCohortSkill[1].meanMastery).toBeCloseTo(range(12).reduce((a, i) => a + 0.5 + (13 + i) * 0.02, 0) / 12, 12);
    const one = await s.gql(MASTERY, { cohortId: w.cohortIds.Large, skillId: w.skillIds.S1 }, w.analyst);
    expect(one.data.analytics.masteryByCohortSkill).toEqual([got.masteryByCohortSkill[1]]);
  });

  test("the personalisation effect, personalised and not: the one non-personalised learner withheld", async () => {
    const r = await s.gql(EFFECT, {}, w.admin);
    expect(r.errors).toBeUndefined();
    const rows = r.data.analytics.personalisationEffect;
    expect(rows.map((x: { cohortName: string | null; personalised: boolean }) => [x.cohortName, x.personalised])).toEqual([
      [null, true],
      [null, false],
      ["Large", true],
      ["Large", false],
      ["Mid", true],
      ["Small", true],
    ]);
    expect(rows[2]).toMatchObject({ learners: 11, suppressed: false, medianAttempts: 2 });
    expect(rows[3]).toMatchObject({ learners: null, meanSuccessRate: null, suppressed: true });
    const view = await viewRows(s, "personalisation_effect_by_cohort", w.schoolId);
    for (const row of rows) {
      const v = camel(view.find((x) => x.cohort_name === row.cohortName && x.personalised === row.personalised)!);
      expect(row).toEqual(Object.fromEntries(Object.keys(row).map((k) => [k, same(v[k])])));
    }
  });

  test("the operation docs/analytics.md shows runs for an analyst as written", async () => {
    const [op] = docOperations("docs/analytics.md");
    const r = await s.gql(op!, {}, w.analyst);
    expect(r.errors).toBeUndefined();
    expect(r.data.analytics.masteryByCohortSkill).toHaveLength(4);
    expect(r.data.analytics.personalisationEffect).toHaveLength(6);
  });

  test("teachers, learners and services are refused; a malformed id is a validation error", async () => {
    expect(codeOf(await s.gql(MASTERY, {}, w.teacher))).toBe("FORBIDDEN");
    const service = await s.token({ schoolId: w.schoolId, role: "SERVICE" as never });
    expect(codeOf(await s.gql(EFFECT, {}, service))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(MASTERY, {}))).toBe("UNAUTHENTICATED");
    expect((await s.gql(MASTERY, { cohortId: "nope" }, w.analyst)).errors?.[0]?.message).toMatch(/UUID/);
  });

  test("another school's analyst sees none of this school's rows", async () => {
    const other = await s.newSchool("Other");
    const analyst = await s.token({ schoolId: other.schoolId, role: "ANALYST" as never });
    const r = await s.gql(MASTERY, { cohortId: w.cohortIds.Large }, analyst);
    expect(r.data.analytics.masteryByCohortSkill).toEqual([]);
  });

  test("every view and column carries a COMMENT, and docs/analytics.md lists every view and column", async () => {
    const columns: { view: string; column: string; comment: string | null; view_comment: string | null }[] =
      await s.app.db.dataSource.query(
        `SELECT c.relname AS view, a.attname AS column, col_description(c.oid, a.attnum) AS comment, obj_description(c.oid, 'pg_class') AS view_comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
       WHERE n.nspname = 'analytics' ORDER BY c.relname, a.attnum`,
      );
    const kinds: { relkind: string }[] = await s.app.db.dataSource.query(
      `SELECT DISTINCT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics'`,
    );
    expect(kinds).toEqual([{ relkind: "v" }]);
    expect(columns.filter((c) => !c.comment || !c.view_comment)).toEqual([]);
    const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/analytics.md"), "utf8");
    const views = [...new Set(columns.map((c) => c.view))];
    expect(views.sort()).toEqual(EVERY_ANALYTICS_VIEW.map((v) => v.name).sort());
    for (const v of views) {
      const section = doc.split(/^### /m).find((x) => x.startsWith(`\`analytics.${v}\``));
      expect(section).toBeDefined();
      const listed = [...section!.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
      expect({ v, listed }).toEqual({ v, listed: columns.filter((c) => c.view === v).map((c) => c.column) });
    }
    const barriers: { relname: string }[] = await s.app.db.dataSource.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'analytics' AND NOT coalesce('security_barrier=true' = ANY(c.reloptions), false)`,
    );
    expect(barriers).toEqual([]);
  });
});

describe("k as configured (ZPD_ANALYTICS_K = 3)", () => {
  let s: TestServer;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    // A database of its own on a server: k is one value per database, and other test files read theirs at 10.
    const scratch = process.env.DATABASE_URL ? await createServerDatabase(process.env.DATABASE_URL, "analytics_k") : undefined;
    drop = scratch?.drop;
    s = await startTestServer({ ZPD_ANALYTICS_K: "3", ...(scratch ? { DATABASE_URL: scratch.url } : {}) });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await drop?.();
  });

  test("the server writes k at start and the views release a cohort of 3", async () => {
    const w = await analyticsWorld(s, SPEC, "k = 3");
    expect(await s.app.db.dataSource.query(`SELECT k FROM analytics.settings`)).toEqual([{ k: 3 }]);
    const small = (await viewRows(s, "mastery_by_cohort_skill", w.schoolId)).find((r) => r.cohort_name === "Small")!;
    expect(small).toMatchObject({ learners: 3, suppressed: false });
    expect(small.mean_mastery).toBeCloseTo((0.5 + 0.52 + 0.54) / 3, 12);
  });
});
