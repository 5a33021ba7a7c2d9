/**
 * `analytics.recommendations_by_strategy` on a log produced through the API (k = 10): a simulated school
 * with a trained model, served with ZPD exploration on (ε = 0.5, so first-ranked propensities are below 1);
 * recommendations asked over HTTP, then attempts recorded over HTTP after them. The view's figures equal a
 * plain computation over the raw log and attempts (the definition, in TypeScript), and the designed cells
 * are what they must be: counts, follow-through within 24 h (an attempt before the answer does not
 * follow it; an attempt at a lower-ranked task does not either), the success rate of the followed
 * attempts, a strategy served to fewer than k learners withheld, a learner without ANALYTICS consent
 * not counted, the days in the school's time zone with complementary suppression of a day, and erasure.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { FOLLOW_WINDOW_HOURS } from "../../migrations/1764710000000-analytics-recommendations.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { viewRows } from "../support/analytics-world.js";
import { analyticsRelations } from "../../src/persistence/audit/privacy-inputs.js";
import { checkView } from "../../src/services/audit/privacy-suppression.js";

const K = 10;
const HOOK_TIMEOUT = 180_000;
const HOUR = 3_600_000;
const VIEW = "recommendations_by_strategy";
/** The demo's history ends two days ago: none of its attempts can follow an answer served now. */
const SEEDED = new Date(Date.now() - 2 * 24 * HOUR);
/**
 * A fixed-offset zone whose date now differs from the UTC date, at least an hour from its midnight (the
 * run takes minutes): UTC−12 before 11:00 UTC (its time 12:00–22:59 the day before), else UTC+14 (01:00–13:59
 * the day after). Etc/GMT-h is UTC+h.
 */
const OFFSET = new Date().getUTCHours() <= 10 ? -12 : 14;
const TIME_ZONE = `Etc/GMT${OFFSET > 0 ? "-" : "+"}${Math.abs(OFFSET)}`;
const dayIn = (t: Date) => new Date(t.getTime() + OFFSET * HOUR).toISOString().slice(0, 10);

let s: TestServer;
let demo: DemoSchool;
let admin: string;
/** The 14 counted learners (ANALYTICS consent) served ZPD; `noAnalytics`: a learner served ZPD without ANALYTICS consent. */
let zpd: string[];
let noAnalytics: string;
/** Attempts that follow a ZPD answer, by learner (moved with their answers in the day test). */
const followIds = new Map<string, string[]>();

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const ok = async (query: string, variables: Record<string, unknown>) => {
  const r = await s.gql(query, variables, admin);
  expect(r.errors).toBeUndefined();
  return r.data;
};
const RECS = `query($l: UUID!, $n: Int!, $st: RecommendationStrategy!) {
  recommendations(learnerId: $l, count: $n, strategy: $st) { strategy items { task { id } } }
}`;
const recommend = async (learner: string, n: number, strategy: string): Promise<{ strategy: string; tasks: string[] }> => {
  const d = await ok(RECS, { l: learner, n, st: strategy });
  return { strategy: d.recommendations.strategy, tasks: d.recommendations.items.map((i: { task: { id: string } }) => i.task.id) };
};
let key = 0;
const attempt = async (learner: string, task: string, correct: boolean, occurredAt?: Date): Promise<string> => {
  const d = await ok(`mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { attempt { id } } }`, {
    i: { learnerId: learner, taskId: task, correct, idempotencyKey: `reco-analytics-${key++}`, ...(occurredAt ? { occurredAt } : {}) },
  });
  return d.recordAttempt.attempt.id;
};
const correctOf = (j: number) => j % 3 !== 0;

interface Expected {
  learners: number;
  answers: number;
  items: number;
  firsts: number;
  propensity: number;
  followedShare: number | null;
  following: number;
  followedSuccess: number | null;
}

/** The view's figures computed in TypeScript from the raw log and attempts, per strategy and day ("all": every day). */
async function reference(): Promise<Map<string, Expected>> {
  await s.app.services.recommendationLog.flush();
  const counted = new Set(
    (
      (await q(`SELECT learner_id FROM consent WHERE purpose = 'ANALYTICS' AND granted AND school_id = $1`, [demo.schoolId])) as {
        learner_id: string;
      }[]
    ).map((r) => r.learner_id),
  );
  const log = ((await q(`SELECT * FROM recommendation_log WHERE school_id = $1`, [demo.schoolId])) as Record<string, any>[]).filter((r) =>
    counted.has(r.learner_id),
  );
  const attempts = (await q(`SELECT id, learner_id, task_id, occurred_at, correct FROM attempt WHERE school_id = $1`, [demo.schoolId])) as {
    id: string;
    learner_id: string;
    task_id: string;
    occurred_at: Date;
    correct: boolean;
  }[];
  const groups = new Map<string, Record<string, any>[]>();
  for (const r of log) {
    for (const day of [dayIn(new Date(r.served_at)), "all"]) {
      const g = `${r.strategy}|${day}`;
      groups.set(g, [...(groups.get(g) ?? []), r]);
    }
  }
  const out = new Map<string, Expected>();
  for (const [g, rows] of groups) {
    const firsts = rows.filter((r) => r.rank === 1);
    const follows = firsts.flatMap((r) => {
      const served = new Date(r.served_at).getTime();
      const inWindow = attempts
        .filter((a) => a.learner_id === r.learner_id && a.task_id === r.task_id)
        .filter((a) => a.occurred_at.getTime() >= served && a.occurred_at.getTime() < served + FOLLOW_WINDOW_HOURS * HOUR)
        .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || a.id.localeCompare(b.id));
      return inWindow.length ? [{ learner: r.learner_id as string, correct: inWindow[0]!.correct }] : [];
    });
    out.set(g, {
      learners: new Set(rows.map((r) => r.learner_id)).size,
      answers: new Set(rows.map((r) => r.answer_id)).size,
      items: rows.length,
      firsts: firsts.length,
      propensity: firsts.reduce((a, r) => a + Number(r.propensity), 0) / firsts.length,
      followedShare: firsts.length ? follows.length / firsts.length : null,
      following: new Set(follows.map((f) => f.learner)).size,
      followedSuccess: follows.length ? follows.filter((f) => f.correct).length / follows.length : null,
    });
  }
  return out;
}

/** The view's rows by "strategy|day" (day "all" on the all-days rows). */
async function rowsByKey(): Promise<Map<string, Record<string, any>>> {
  const rows = await viewRows(s, VIEW, demo.schoolId);
  // A `date`: node-postgres reads one as local midnight, PGlite may give the text.
  const dayText = (d: unknown) =>
    d === null
      ? "all"
      : d instanceof Date
        ? `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
        : String(d).slice(0, 10);
  return new Map(rows.map((r) => [`${r.strategy}|${dayText(r.day)}`, r]));
}

/** A row as another read of it must equal it: a float mean may differ in its last digit (the rows summed in another order). */
const same = (row: Record<string, any>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" && !Number.isInteger(v) ? expect.closeTo(v, 12) : v]));

/** A released row carries the reference's figures; a row over fewer than k learners is withheld. */
function expectMatches(row: Record<string, any>, e: Expected) {
  if (e.learners < K) expect(row.suppressed).toBe(true);
  if (!row.suppressed) {
    expect(row).toMatchObject({ learners: e.learners, answers: e.answers, items: e.items, first_ranked_items: e.firsts });
    expect(row.mean_first_propensity).toBeCloseTo(e.propensity, 12);
    expect(row.share_first_followed).toBeCloseTo(e.followedShare!, 12);
  }
  if (e.following > 0 && e.following < K) expect(row.following_suppressed).toBe(true);
  if (!row.following_suppressed) {
    expect(row.learners_following).toBe(e.following);
    if (e.followedSuccess === null) expect(row.followed_success_rate).toBeNull();
    else expect(row.followed_success_rate).toBeCloseTo(e.followedSuccess, 12);
  }
}

beforeAll(async () => {
  s = await startTestServer({ ZPD_EXPLORATION_EPSILON: "0.5" });
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, SEEDED, { learners: 17, seed: 5, idLabel: "reco-analytics" });
  await q(`UPDATE school SET time_zone = $1 WHERE id = $2`, [TIME_ZONE, demo.schoolId]);
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: SEEDED, kind: "pfa" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin, subject: "admin-reco-analytics" });
  const personalised = demo.learnerIds.filter((id) => id !== demo.noConsentLearnerId);
  zpd = personalised.slice(0, 14);
  noAnalytics = personalised[14]!;
  await ok(`mutation($l: UUID!) { setConsent(learnerId: $l, purpose: ANALYTICS, granted: false, grantedBy: GUARDIAN) { granted } }`, {
    l: noAnalytics,
  });

  // ZPD, 3 items: learners 0–3 ask twice before attempting anything; the learner without ANALYTICS consent too.
  const answers = new Map<string, string[][]>();
  for (const [j, l] of zpd.entries()) {
    const times = j < 4 ? 2 : 1;
    for (let t = 0; t < times; t++) {
      const a = await recommend(l, 3, "ZPD");
      expect(a.strategy).toBe("ZPD");
      expect(a.tasks).toHaveLength(3);
      answers.set(l, [...(answers.get(l) ?? []), a.tasks]);
    }
  }
  const notCounted = await recommend(noAnalytics, 3, "ZPD");
  // LOWEST_MASTERY for three learners only: fewer than k.
  for (const l of zpd.slice(10, 13)) await recommend(l, 2, "LOWEST_MASTERY");

  // After them: learners 0–9 attempt the first-ranked task of each of their answers (once per distinct task),
  // 10 and 11 the second-ranked task, 12 the first-ranked task but dated 3 hours before it was served; 13 nothing.
  for (const [j, l] of zpd.entries()) {
    const mine = answers.get(l)!;
    if (j < 10) {
      const ids: string[] = [];
      for (const task of new Set(mine.map((a) => a[0]!))) ids.push(await attempt(l, task, correctOf(j)));
      followIds.set(l, ids);
    } else if (j < 12) await attempt(l, mine[0]![1]!, true);
    else if (j === 12) await attempt(l, mine[0]![0]!, true, new Date(Date.now() - 3 * HOUR));
  }
  await attempt(noAnalytics, notCounted.tasks[0]!, true);

  // Then CURRICULUM, one item, for the 14 and (as a learner without PERSONALISATION consent is served) the
  // no-consent learner; two of them follow it: too few for the followers' figures.
  const curriculum = new Map<string, string>();
  for (const l of zpd) {
    const a = await recommend(l, 1, "CURRICULUM");
    expect(a.strategy).toBe("CURRICULUM");
    curriculum.set(l, a.tasks[0]!);
  }
  expect((await recommend(demo.noConsentLearnerId, 2, "ZPD")).strategy).toBe("CURRICULUM");
  for (const l of zpd.slice(0, 2)) await attempt(l, curriculum.get(l)!, true);
  await s.app.services.recommendationLog.flush();
}, HOOK_TIMEOUT);
afterAll(async () => {
  await s?.stop();
});

describe("recommendations_by_strategy on a log served over the API", () => {
  test("ZPD: learners, answers, items, propensity, follow-through within 24 h and the followed attempts' success", async () => {
    const today = dayIn(new Date());
    expect(today).not.toBe(new Date().toISOString().slice(0, 10)); // the school's day, not UTC's
    const rows = await rowsByKey();
    const ref = await reference();
    for (const d of [today, "all"]) {
      const row = rows.get(`ZPD|${d}`)!;
      expect(row).toBeDefined();
      // Hand-counted: 14 counted learners (not the one without ANALYTICS consent), 4 of them served twice.
      expect(row).toMatchObject({ learners: 14, answers: 18, items: 54, first_ranked_items: 18, suppressed: false });
      // Followed: the 10 learners' answers (4 × 2 + 6); not the second-ranked task, not an attempt dated before.
      expect(row.share_first_followed).toBeCloseTo(14 / 18, 12);
      // ε = 0.5 over n > 1 candidates: every first-ranked propensity is (1 − ε) + ε/n or ε/n, below 1.
      expect(row.mean_first_propensity).toBeGreaterThan(0);
      expect(row.mean_first_propensity).toBeLessThan(1);
      // Correct when j % 3 ≠ 0: learners 1 and 2 (two answers each), 4, 5, 7, 8 (one each): 8 of 14.
      expect(row).toMatchObject({ learners_following: 10, following_suppressed: false });
      expect(row.followed_success_rate).toBeCloseTo(8 / 14, 12);
      expectMatches(row, ref.get(`ZPD|${d}`)!);
    }
    expect([...rows.keys()].filter((k) => k.startsWith("ZPD|"))).toEqual(expect.arrayContaining([`ZPD|${today}`, "ZPD|all"]));
  });

  test("a strategy served to fewer than k learners is withheld; the followers' figures over fewer than k are withheld alone", async () => {
    const today = dayIn(new Date());
    const rows = await rowsByKey();
    const ref = await reference();
    for (const d of [today, "all"]) {
      expect(ref.get(`LOWEST_MASTERY|${d}`)!.learners).toBe(3);
      expect(rows.get(`LOWEST_MASTERY|${d}`)).toMatchObject({
        learners: null,
        answers: null,
        items: null,
        first_ranked_items: null,
        mean_first_propensity: null,
        share_first_followed: null,
        suppressed: true,
      });
      // CURRICULUM: the 14 and the learner without PERSONALISATION consent; two followed it.
      const cur = rows.get(`CURRICULUM|${d}`)!;
      expect(cur).toMatchObject({
        learners: 15,
        answers: 15,
        items: 16,
        first_ranked_items: 15,
        mean_first_propensity: 1,
        suppressed: false,
      });
      expect(cur.share_first_followed).toBeCloseTo(2 / 15, 12);
      expect(cur).toMatchObject({ learners_following: null, followed_success_rate: null, following_suppressed: true });
      expectMatches(cur, ref.get(`CURRICULUM|${d}`)!);
    }
    // Every row, whatever its strategy (the re-plans the attempts triggered are PATH answers), agrees with the definition.
    expect(new Set(rows.keys())).toEqual(new Set(ref.keys()));
    for (const [k, row] of rows) expectMatches(row, ref.get(k)!);
    // The privacy audit's SUPPRESSION check reads both learner counts, each under its own flag, and finds nothing released below k.
    const columns = (await analyticsRelations(s.app.db.dataSource.manager)).get(VIEW)!;
    const audit = checkView(VIEW, columns, await viewRows(s, VIEW, demo.schoolId), K, false);
    expect(audit.counts).toEqual([
      { column: "learners", flag: "suppressed" },
      { column: "learners_following", flag: "following_suppressed" },
    ]);
    expect(audit).toMatchObject({ violations: [], releasedCells: expect.any(Number), suppressedCells: expect.any(Number) });
    expect(audit.suppressedCells).toBeGreaterThanOrEqual(4); // LOWEST_MASTERY's two rows; CURRICULUM's followers, twice
  });

  test("days are the school's: a day of 3 learners is withheld, and the other day with it (all-days − day would give the 3 away)", async () => {
    const moved = zpd.slice(0, 3);
    const shift = async (sign: 1 | -1) => {
      await q(
        `UPDATE recommendation_log SET served_at = served_at + $1 * interval '2 days' WHERE strategy = 'ZPD' AND learner_id = ANY($2::uuid[])`,
        [sign, moved],
      );
      await q(`UPDATE attempt SET occurred_at = occurred_at + $1 * interval '2 days' WHERE id = ANY($2::uuid[])`, [
        sign,
        moved.flatMap((l) => followIds.get(l)!),
      ]);
    };
    const before = (await rowsByKey()).get("ZPD|all")!;
    await shift(-1);
    try {
      const today = dayIn(new Date());
      const earlier = dayIn(new Date(Date.now() - 48 * HOUR));
      const rows = await rowsByKey();
      const ref = await reference();
      expect(ref.get(`ZPD|${earlier}`)).toMatchObject({ learners: 3, following: 3 });
      expect(ref.get(`ZPD|${today}`)).toMatchObject({ learners: 11, following: 7 });
      // Primary rule alone would release today (11): all-days (14) − today = the 3 learners of the earlier day.
      expect(rows.get(`ZPD|${earlier}`)).toMatchObject({ suppressed: true, learners: null, following_suppressed: true });
      expect(rows.get(`ZPD|${today}`)).toMatchObject({ suppressed: true, learners: null, answers: null, following_suppressed: true });
      // The all-days row is released, unchanged: the same answers and follows, on other days.
      expect(rows.get("ZPD|all")).toEqual(same(before));
      for (const [k, row] of rows) expectMatches(row, ref.get(k)!);
    } finally {
      await shift(1);
    }
    expect((await rowsByKey()).get("ZPD|all")).toEqual(same(before));
  });

  test("an erased learner leaves the view", async () => {
    const erased = zpd[13]!; // served ZPD, CURRICULUM; followed nothing
    await ok(`mutation($l: UUID!) { eraseLearner(learnerId: $l) { rows { table rows } } }`, { l: erased });
    const rows = await rowsByKey();
    expect(rows.get("ZPD|all")).toMatchObject({ learners: 13, answers: 17, items: 51, learners_following: 10 });
    expect(rows.get("ZPD|all")!.share_first_followed).toBeCloseTo(14 / 17, 12);
    expect(rows.get("CURRICULUM|all")).toMatchObject({ learners: 14, answers: 14 });
    for (const [k, row] of rows) expectMatches(row, (await reference()).get(k)!);
  });
});
