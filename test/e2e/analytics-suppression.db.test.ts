/**
 * Complementary suppression against subtraction attacks (k = 10). Each school is built so that, with
 * only the primary rule (withhold cells of fewer than k learners), subtracting released cells would give a
 * withheld cell's value away exactly; each test shows that attack on the true figures (computed from the
 * school's description), then checks that the views withhold a further cell so that the attack on what is
 * released recovers nothing about fewer than k learners (analytics-reference.ts `leaks`).
 */
import { startTestServer, TestServer } from "../support/test-server.js";
import { analyticsWorld, LearnerSpec, viewRows } from "../support/analytics-world.js";
import { Cell, leaks, mean } from "../support/analytics-reference.js";

const K = 10;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

/** A learner with a stored mastery of S1 (distinct per index). */
const masteryLearner = (i: number, cohorts: string[]): LearnerSpec => ({ cohorts, mastery: { S1: 0.2 + i * 0.013 } });
const masteryOf = (i: number) => 0.2 + i * 0.013;

/** The mastery view's rows of a school by cohort name ("school" for the school row), and its cells for `leaks`. */
async function masteryCells(schoolId: string, members: Record<string, number[]>) {
  const rows = new Map((await viewRows(s, "mastery_by_cohort_skill", schoolId)).map((r) => [r.cohort_name ?? "school", r]));
  const cells: Cell[] = [...rows].map(([name, r]) => ({
    key: name,
    units: new Set(members[name]!.map((i) => `${i}|`)),
    suppressed: r.suppressed,
  }));
  return { rows, cells, family: { total: cells.find((c) => c.key === "school")!, parts: cells.filter((c) => c.key !== "school") } };
}

describe("complementary suppression: subtraction attacks fail", () => {
  test("cohort cells against the school total: total − released cohorts would give a 1-learner cohort away", async () => {
    // C1: learner 0; C10: 1..10; C11: 11..21. Primary rule alone: C1 withheld, C10 and C11 released.
    const members = { C1: [0], C10: range(10, 1), C11: range(11, 11), school: range(22) };
    const learners = [0, ...members.C10, ...members.C11].map((i) => masteryLearner(i, [i === 0 ? "C1" : i <= 10 ? "C10" : "C11"]));
    const w = await analyticsWorld(s, { cohorts: ["C1", "C10", "C11"], skills: ["S1"], tasks: {}, learners }, "Attack: cohorts");
    const sum = (ids: number[]) => ids.reduce((a, i) => a + masteryOf(i), 0);
    // The attack on the true figures: 22·mean(school) − 10·mean(C10) − 11·mean(C11) = learner 0's mastery.
    expect(sum(members.school) - sum(members.C10) - sum(members.C11)).toBeCloseTo(masteryOf(0), 12);

    const { rows, cells, family } = await masteryCells(w.schoolId, members);
    expect(Object.fromEntries([...rows].map(([n, r]) => [n, r.suppressed]))).toEqual({ school: false, C1: true, C10: true, C11: false });
    // What is released: the school and C11; their difference covers the 11 learners of C1 and C10 together.
    const school = rows.get("school")!;
    const c11 = rows.get("C11")!;
    const derived = school.mean_mastery * school.learners - c11.mean_mastery * c11.learners;
    expect(school.learners - c11.learners).toBe(11);
    expect(derived).toBeCloseTo(sum([0, ...members.C10]), 10);
    expect(Math.abs(derived - masteryOf(0))).toBeGreaterThan(1);
    expect(leaks(K, cells, [family])).toEqual([]);
  });

  test("learners in no cohort: a cohort of all but 3 of the school's learners is withheld", async () => {
    const members = { C10: range(10), school: range(13) };
    const learners = range(13).map((i) => masteryLearner(i, i < 10 ? ["C10"] : []));
    const w = await analyticsWorld(s, { cohorts: ["C10"], skills: ["S1"], tasks: {}, learners }, "Attack: no cohort");
    const { rows, cells, family } = await masteryCells(w.schoolId, members);
    // Released as is, school − C10 would be the mean of the 3 learners in no cohort.
    expect(Object.fromEntries([...rows].map(([n, r]) => [n, r.suppressed]))).toEqual({ school: false, C10: true });
    expect(rows.get("C10")).toMatchObject({ learners: null, mean_mastery: null });
    expect(rows.get("school")!.mean_mastery).toBeCloseTo(mean(members.school.map(masteryOf)), 12);
    expect(leaks(K, cells, [family])).toEqual([]);
  });

  test("two overlapping released cohorts: Club = C11 + one learner; Club − C11 would be that learner", async () => {
    // Learners 0..10 in C11 and in Club; learner 11 in Club only. Both cohorts have ≥ k learners.
    const members = { C11: range(11), Club: range(12), school: range(12) };
    const learners = range(12).map((i) => masteryLearner(i, i < 11 ? ["C11", "Club"] : ["Club"]));
    const w = await analyticsWorld(s, { cohorts: ["C11", "Club"], skills: ["S1"], tasks: {}, learners }, "Attack: overlap");
    const sum = (ids: number[]) => ids.reduce((a, i) => a + masteryOf(i), 0);
    expect(sum(members.Club) - sum(members.C11)).toBeCloseTo(masteryOf(11), 12);

    const { rows, cells, family } = await masteryCells(w.schoolId, members);
    expect(Object.fromEntries([...rows].map(([n, r]) => [n, r.suppressed]))).toEqual({ school: false, Club: false, C11: true });
    expect(rows.get("Club")!.mean_mastery).toBeCloseTo(mean(members.Club.map(masteryOf)), 12);
    expect(leaks(K, cells, [family])).toEqual([]);
  });

  test("day cells against the cohort × skill total: total − released days would give a 2-learner day away", async () => {
    // 13 learners: day 1 learners 0..11, day 2 learners 0..10, day 3 learners 11 and 12 (withheld by the primary rule).
    const days: Record<string, number[]> = { "2026-03-02": range(12), "2026-03-03": range(11), "2026-03-04": [11, 12] };
    const answers = (i: number, day: string) => [(i + day.length + Number(day.slice(-1))) % 3 !== 0, i % 2 === 0];
    const learners: LearnerSpec[] = range(13).map((i) => ({
      cohorts: ["D13"],
      attempts: Object.entries(days).flatMap(([day, ids]) =>
        ids.includes(i) ? answers(i, day).map((correct) => ({ task: "T", day, correct })) : [],
      ),
    }));
    const w = await analyticsWorld(s, { cohorts: ["D13"], skills: ["S1"], tasks: { T: ["S1"] }, learners }, "Attack: days");
    const successes = (day: string) => days[day]!.reduce((a, i) => a + answers(i, day).filter(Boolean).length, 0);
    const total = Object.keys(days).reduce((a, d) => a + successes(d), 0);
    // The attack on the true figures: total − day 1 − day 2 = day 3's successes.
    expect(total - successes("2026-03-02") - successes("2026-03-03")).toBe(successes("2026-03-04"));

    const rows = await s.app.db.dataSource.query(
      `SELECT day::text AS day, learners, successes, suppressed FROM analytics.attempts_by_cohort_skill_day WHERE school_id = $1 ORDER BY day NULLS FIRST`,
      [w.schoolId],
    );
    // Day 3 withheld (2 learners); then total − day 1 − day 2 would be it: day 2, the smallest released day, is withheld too.
    expect(rows).toEqual([
      { day: null, learners: 13, successes: total, suppressed: false },
      { day: "2026-03-02", learners: 12, successes: successes("2026-03-02"), suppressed: false },
      { day: "2026-03-03", learners: null, successes: null, suppressed: true },
      { day: "2026-03-04", learners: null, successes: null, suppressed: true },
    ]);
    // What is released gives days 2 and 3 together: 13 learners.
    const unitsOf = (day: string | null) => new Set((day ? [day] : Object.keys(days)).flatMap((d) => days[d]!.map((i) => `${i}|${d}`)));
    const cells: Cell[] = rows.map((r: { day: string | null; suppressed: boolean }) => ({
      key: r.day ?? "all",
      units: unitsOf(r.day),
      suppressed: r.suppressed,
    }));
    expect(leaks(K, cells.slice(1), [{ total: cells[0]!, parts: cells.slice(1) }])).toEqual([]);
  });

  test("a figure over a sub-population is withheld on its own; the non-personalised few are withheld", async () => {
    // 12 learners attempt; learners 0..9 personalised, 10 and 11 not; only learners 0..2 have a learning path.
    const learners: LearnerSpec[] = range(12).map((i) => ({
      cohorts: ["E12"],
      personalised: i < 10,
      attempts: [{ task: "T", day: "2026-03-02", correct: i % 2 === 0 }],
      goals: i < 3 ? [{ skills: ["S1"], steps: [{ task: "T", status: "DONE" }] }] : [],
    }));
    const w = await analyticsWorld(s, { cohorts: ["E12"], skills: ["S1"], tasks: { T: ["S1"] }, learners }, "Sub-populations");
    const rows = await viewRows(s, "personalisation_effect_by_cohort", w.schoolId);
    const row = (cohort: string | null, personalised: boolean) =>
      rows.find((r) => r.cohort_name === cohort && r.personalised === personalised)!;
    expect(row("E12", true)).toMatchObject({
      learners: 10,
      mean_success_rate: 0.5,
      suppressed: false,
      learners_with_path: null,
      mean_share_path_steps_done: null,
      path_suppressed: true,
    });
    expect(row("E12", false)).toMatchObject({ learners: null, mean_success_rate: null, suppressed: true });
    expect(row(null, false)).toMatchObject({ learners: null, suppressed: true });
    expect(row(null, true)).toMatchObject({ learners: 10, suppressed: false, path_suppressed: true });
  });
});
