/**
 * The `analytics` views on a school whose cohorts have 1, k−1, k and k+1 learners (k = 10, the default),
 * in every view: the cells of k−1 or fewer learners are withheld (NULL, suppressed), the others carry
 * the figures a plain computation over the school's description gives (analytics-reference.ts), and
 * only learners with ANALYTICS consent are counted.
 */
import { startTestServer, TestServer } from "../support/test-server.js";
import { analyticsWorld, AnalyticsWorld, LearnerSpec, viewRows } from "../support/analytics-world.js";
import { mean, percentileCont } from "../support/analytics-reference.js";

const K = 10;
const SIZES: Record<string, number> = { C1: 1, C9: K - 1, C10: K, C11: K + 1 };
const COHORTS = Object.keys(SIZES);
const DAY = "2026-03-02";
const TASK = (c: string) => `T${c}`;

/** Learner j of cohort c: its stored mastery, its answers (reaching 3 in a row at attempt 3 or 4), durations. */
const masteryOf = (c: string, j: number) => 0.3 + ((j * 7 + SIZES[c]!) % 10) * 0.07;
const answersOf = (j: number) => (j % 2 === 0 ? [true, true, true] : [false, true, true, true]);
const secondsOf = (j: number, i: number) => 20 + j + 5 * i;

function learner(c: string, j: number, extra: Partial<LearnerSpec> = {}): LearnerSpec {
  return {
    cohorts: [c],
    mastery: { S1: masteryOf(c, j) },
    attempts: answersOf(j).map((correct, i) => ({ task: TASK(c), day: DAY, correct, seconds: secondsOf(j, i) })),
    goals: [
      {
        skills: ["S1"],
        createdAt: new Date(Date.now() - 86_400_000).toISOString(),
        deadline: new Date(Date.now() + 100 * 86_400_000).toISOString(),
        steps: [
          { task: TASK(c), status: "DONE" },
          { task: TASK(c), status: "PENDING" },
        ],
      },
    ],
    ...extra,
  };
}

const counted = (c: string) => Array.from({ length: SIZES[c]! }, (_, j) => j);

let s: TestServer;
let w: AnalyticsWorld;
beforeAll(async () => {
  s = await startTestServer();
  const learners: LearnerSpec[] = COHORTS.flatMap((c) => counted(c).map((j) => learner(c, j)));
  // In the k+1 cohort, a learner who refused ANALYTICS consent and one who never gave any: never counted.
  learners.push(learner("C11", 20, { analytics: false }), learner("C11", 21, { analytics: "none" }));
  w = await analyticsWorld(s, {
    cohorts: COHORTS,
    skills: ["S1"],
    tasks: Object.fromEntries(COHORTS.map((c) => [TASK(c), ["S1"]])),
    difficulty: Object.fromEntries(COHORTS.map((c, i) => [TASK(c), 0.25 * i - 0.5])),
    learners,
    versions: [
      {
        status: "ACTIVE",
        heldOutLearners: K + 1,
        auc: 0.71,
        audits: [{ kind: "FAIRNESS", passed: true, checks: ["PASS", "FAIL", "PASS"] }],
      },
      { status: "RETIRED", heldOutLearners: K, auc: 0.69 },
      { status: "REJECTED", heldOutLearners: K - 1, auc: 0.6 },
      { status: "CANDIDATE", heldOutLearners: 1, auc: 0.5 },
    ],
  });
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

/** A `date` as YYYY-MM-DD: node-postgres reads one as local midnight, PGlite may give the text. */
const dayText = (d: unknown): string | null =>
  d === null
    ? null
    : d instanceof Date
      ? `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
      : String(d).slice(0, 10);
const byCohort = (rows: Record<string, any>[]) => new Map(rows.map((r) => [r.cohort_name ?? "school", r]));
const released = (c: string) => SIZES[c]! >= K;

describe("analytics views: cohorts of 1, k−1, k and k+1 learners", () => {
  test("settings: k is the configured default, 10", async () => {
    expect(await s.app.db.dataSource.query(`SELECT k, mastery_threshold, mastery_streak FROM analytics.settings`)).toEqual([
      { k: K, mastery_threshold: 0.8, mastery_streak: 3 },
    ]);
  });

  test("mastery_by_cohort_skill: learners, mean, quartiles and share mastered, withheld below k", async () => {
    const rows = byCohort(await viewRows(s, "mastery_by_cohort_skill", w.schoolId));
    expect(rows.size).toBe(COHORTS.length + 1);
    const all: number[] = [];
    for (const c of COHORTS) {
      const values = counted(c).map((j) => masteryOf(c, j));
      all.push(...values);
      const r = rows.get(c)!;
      expect(r.suppressed).toBe(!released(c));
      if (!released(c)) {
        expect([r.learners, r.mean_mastery, r.q1_mastery, r.median_mastery, r.q3_mastery, r.share_mastered]).toEqual([
          null,
          null,
          null,
          null,
          null,
          null,
        ]);
        continue;
      }
      expect(r.learners).toBe(values.length);
      expect(r.mean_mastery).toBeCloseTo(mean(values), 12);
      expect(r.q1_mastery).toBeCloseTo(percentileCont(values, 0.25), 12);
      expect(r.median_mastery).toBeCloseTo(percentileCont(values, 0.5), 12);
      expect(r.q3_mastery).toBeCloseTo(percentileCont(values, 0.75), 12);
      expect(r.share_mastered).toBeCloseTo(values.filter((m) => m >= 0.8).length / values.length, 12);
    }
    const school = rows.get("school")!;
    expect(school).toMatchObject({ cohort_id: null, learners: 31, suppressed: false, skill_code: "S1" });
    expect(school.mean_mastery).toBeCloseTo(mean(all), 12);
  });

  test("attempts_by_cohort_skill_day: the day and the all-days rows", async () => {
    const rows = await viewRows(s, "attempts_by_cohort_skill_day", w.schoolId);
    expect(rows).toHaveLength(COHORTS.length * 2);
    for (const c of COHORTS) {
      const answers = counted(c).flatMap((j) => answersOf(j));
      const seconds = counted(c).flatMap((j) => answersOf(j).map((_, i) => secondsOf(j, i)));
      for (const day of [DAY, null]) {
        const r = rows.find((x) => x.cohort_name === c && dayText(x.day) === day)!;
        expect(r).toBeDefined();
        expect(r.suppressed).toBe(!released(c));
        if (!released(c)) {
          expect([r.learners, r.attempts, r.successes, r.success_rate, r.mean_duration_seconds]).toEqual([null, null, null, null, null]);
          continue;
        }
        expect(r).toMatchObject({ learners: SIZES[c], attempts: answers.length, successes: answers.filter(Boolean).length });
        expect(r.success_rate).toBeCloseTo(answers.filter(Boolean).length / answers.length, 12);
        expect(r.mean_duration_seconds).toBeCloseTo(mean(seconds), 12);
      }
    }
  });

  test("attempts_by_task: observed against calibrated difficulty; no attempt counts released", async () => {
    const rows = await viewRows(s, "attempts_by_task", w.schoolId);
    expect(Object.keys(rows[0]!)).not.toContain("attempts");
    for (const [i, c] of COHORTS.entries()) {
      const r = rows.find((x) => x.task_code === TASK(c))!;
      expect(r.calibrated_difficulty).toBeCloseTo(0.25 * i - 0.5, 12); // a model figure: shown even when suppressed
      expect(r.suppressed).toBe(!released(c));
      if (!released(c)) {
        expect([r.learners, r.success_rate, r.observed_difficulty, r.median_attempts_per_learner]).toEqual([null, null, null, null]);
        continue;
      }
      const answers = counted(c).flatMap((j) => answersOf(j));
      const ok = answers.filter(Boolean).length;
      expect(r.learners).toBe(SIZES[c]);
      expect(r.success_rate).toBeCloseTo(ok / answers.length, 12);
      expect(r.observed_difficulty).toBeCloseTo(Math.log((answers.length - ok + 0.5) / (ok + 0.5)), 12);
      expect(r.median_attempts_per_learner).toBeCloseTo(
        percentileCont(
          counted(c).map((j) => answersOf(j).length),
          0.5,
        ),
        12,
      );
    }
  });

  test("goals_by_cohort: goals, on pace, mastered, path steps and attempts to mastery", async () => {
    const rows = byCohort(await viewRows(s, "goals_by_cohort", w.schoolId));
    for (const c of COHORTS) {
      const r = rows.get(c)!;
      expect([r.suppressed, r.mastery_suppressed]).toEqual([!released(c), !released(c)]);
      if (!released(c)) {
        expect([r.learners, r.goals, r.goals_on_pace, r.path_steps_done, r.median_attempts_to_mastery]).toEqual([
          null,
          null,
          null,
          null,
          null,
        ]);
        continue;
      }
      const n = SIZES[c]!;
      // Each goal's one skill is mastered (≥ 0.8) or not; a day of 101 has elapsed, so on pace = mastered.
      const mastered = counted(c).filter((j) => masteryOf(c, j) >= 0.8).length;
      expect(r).toMatchObject({
        learners: n,
        goals: n,
        goals_active: n,
        goals_achieved: 0,
        goals_with_deadline: n,
        goals_on_pace: mastered,
        goals_mastered: mastered,
        path_steps_planned: 2 * n,
        path_steps_done: n,
        learners_reaching_mastery: n,
      });
      expect(r.median_attempts_to_mastery).toBeCloseTo(
        percentileCont(
          counted(c).map((j) => answersOf(j).length),
          0.5,
        ),
        12,
      );
    }
    expect(rows.get("school")).toMatchObject({ learners: 31, goals: 31, suppressed: false });
  });

  test("personalisation_effect_by_cohort: success, attempts, time on task, path steps, attempts to mastery", async () => {
    const rows = byCohort(await viewRows(s, "personalisation_effect_by_cohort", w.schoolId));
    for (const c of COHORTS) {
      const r = rows.get(c)!;
      expect(r.personalised).toBe(true);
      expect([r.suppressed, r.path_suppressed, r.mastery_suppressed]).toEqual([!released(c), !released(c), !released(c)]);
      if (!released(c)) {
        expect([r.learners, r.mean_success_rate, r.median_attempts, r.learners_with_path, r.median_attempts_to_mastery]).toEqual([
          null,
          null,
          null,
          null,
          null,
        ]);
        continue;
      }
      const js = counted(c);
      expect(r.learners).toBe(SIZES[c]);
      expect(r.mean_success_rate).toBeCloseTo(mean(js.map((j) => answersOf(j).filter(Boolean).length / answersOf(j).length)), 12);
      expect(r.median_attempts).toBeCloseTo(
        percentileCont(
          js.map((j) => answersOf(j).length),
          0.5,
        ),
        12,
      );
      expect(r.median_time_on_task_seconds).toBeCloseTo(
        percentileCont(
          js.map((j) => answersOf(j).reduce((a, _, i) => a + secondsOf(j, i), 0)),
          0.5,
        ),
        12,
      );
      expect(r.mean_share_on_path_steps).toBe(1); // every attempt is at a task of the learner's path
      expect(r.learners_with_path).toBe(SIZES[c]);
      expect(r.mean_share_path_steps_done).toBeCloseTo(0.5, 12);
      expect(r.learners_reaching_mastery).toBe(SIZES[c]);
    }
    expect(rows.get("school")).toMatchObject({ learners: 31, personalised: true, suppressed: false });
  });

  test("model_quality_by_version: scores over 1 or k−1 held-out learners withheld", async () => {
    const rows = new Map((await viewRows(s, "model_quality_by_version", w.schoolId)).map((r) => [r.version, r]));
    expect(rows.get(1)).toMatchObject({
      status: "ACTIVE",
      held_out_learners: K + 1,
      auc: 0.71,
      log_loss: 0.6,
      ece: 0.04,
      suppressed: false,
    });
    expect(rows.get(1)!.cold_start_auc).toBeCloseTo(0.66, 12);
    expect(rows.get(2)).toMatchObject({ held_out_learners: K, auc: 0.69, suppressed: false });
    for (const v of [3, 4])
      expect(rows.get(v)).toMatchObject({ held_out_learners: null, auc: null, ece: null, cold_start_auc: null, suppressed: true });
  });

  test("audit_outcomes_by_version: verdicts and counts of checks", async () => {
    expect(await viewRows(s, "audit_outcomes_by_version", w.schoolId)).toEqual([
      expect.objectContaining({
        model_version_id: w.versionIds[0],
        version: 1,
        kind: "FAIRNESS",
        status: "PASSED",
        passed: true,
        checks: 3,
        failed_checks: 1,
      }),
    ]);
  });

  test("consent: a learner without ANALYTICS consent is not counted; granting it counts it", async () => {
    const c11 = async () => byCohort(await viewRows(s, "mastery_by_cohort_skill", w.schoolId)).get("C11")!.learners;
    expect(await c11()).toBe(K + 1);
    const refused = w.learnerIds[31]!; // the learner who refused
    await s.app.db.dataSource.query(`UPDATE consent SET granted = true WHERE learner_id = $1 AND purpose = 'ANALYTICS'`, [refused]);
    try {
      expect(await c11()).toBe(K + 2);
    } finally {
      await s.app.db.dataSource.query(`UPDATE consent SET granted = false WHERE learner_id = $1 AND purpose = 'ANALYTICS'`, [refused]);
    }
    expect(await c11()).toBe(K + 1);
  });

  test("no view has a column that names a learner", async () => {
    const columns: { table_name: string; column_name: string }[] = await s.app.db.dataSource.query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'analytics'`,
    );
    expect(columns.length).toBeGreaterThan(50);
    expect(columns.filter((c) => /learner_id|external_ref|name_enc|email|display_name|^learner$/.test(c.column_name))).toEqual([]);
  });
});
