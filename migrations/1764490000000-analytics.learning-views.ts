/** The analytics views of mastery and attempts: by cohort × skill, by cohort × skill × day, by task. */
import { type AnalyticsView, RULE, SUPPRESSED_COMMENT, unless } from "./1764490000000-analytics.catalogue.js";
import { SUPPRESSION_CTES } from "./1764490000000-analytics.suppression.js";

const hide = (expr: string) => unless("s.suppressed", expr);

export const MASTERY_BY_COHORT_SKILL: AnalyticsView = {
  name: "mastery_by_cohort_skill",
  perSchool: true,
  comment: `Mastery per cohort and skill: one row per (school, cohort, skill), plus one per (school, skill) for all its learners (cohort_id NULL). The mastery of each learner is the stored estimate under the school's active model (learner_state.mastery); learners with no state under it (no PERSONALISATION consent, not rebuilt yet) are not counted. ${RULE}`,
  columns: [
    ["school_id", "The school."],
    ["cohort_id", "The cohort; NULL on the row of all the school's learners (enrolled in a cohort or not)."],
    ["cohort_name", "The cohort's name; NULL on the school row."],
    ["skill_id", "The skill."],
    ["skill_code", "The skill's code."],
    ["skill_name", "The skill's name."],
    ["learners", "Learners with a mastery estimate of the skill."],
    ["mean_mastery", "Mean mastery (P(correct) on a typical task of the skill, 0..1)."],
    ["q1_mastery", "First quartile of mastery (continuous percentile)."],
    ["median_mastery", "Median mastery."],
    ["q3_mastery", "Third quartile of mastery."],
    ["share_mastered", "Share of the learners whose mastery is at least analytics.settings.mastery_threshold (0.8)."],
    ["suppressed", SUPPRESSED_COMMENT],
  ],
  sql: `WITH keyed AS (
    SELECT g.school_id, g.cohort_id, am.skill_id, am.learner_id, am.mastery,
           concat_ws('|', g.school_id, am.skill_id, coalesce(g.cohort_id::text, 'school')) AS cell
    FROM analytics_private.active_mastery am JOIN analytics_private.learner_group g ON g.learner_id = am.learner_id
    WHERE am.school_id = sc.id AND g.school_id = sc.id),
  m AS (
    SELECT DISTINCT cell, concat_ws('|', school_id, skill_id) AS family, concat_ws('|', school_id, skill_id) AS sibling,
           cohort_id IS NULL AS is_total, learner_id, ''::text AS unit
    FROM keyed),
  ${SUPPRESSION_CTES},
  agg AS (
    SELECT cell, school_id, cohort_id, skill_id, avg(mastery) AS mean,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY mastery) AS q1,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY mastery) AS q2,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY mastery) AS q3,
           avg(CASE WHEN mastery >= (SELECT mastery_threshold FROM analytics_private.settings) THEN 1.0 ELSE 0.0 END)::float8 AS share
    FROM keyed GROUP BY cell, school_id, cohort_id, skill_id)
  SELECT a.school_id, a.cohort_id, c.name, a.skill_id, k.code, k.name, ${hide("s.n")}, ${hide("a.mean")}, ${hide("a.q1")}, ${hide("a.q2")},
         ${hide("a.q3")}, ${hide("a.share")}, s.suppressed
  FROM agg a JOIN sup s ON s.cell = a.cell JOIN skill k ON k.id = a.skill_id LEFT JOIN cohort c ON c.id = a.cohort_id`,
};

export const ATTEMPTS_BY_COHORT_SKILL_DAY: AnalyticsView = {
  name: "attempts_by_cohort_skill_day",
  perSchool: true,
  comment: `Attempts and success per cohort, skill and day: one row per (school, cohort, skill, day) with attempts, plus one per (school, cohort, skill) over all days (day NULL). An attempt counts for every skill of its task (the Q-matrix) and in every cohort of its learner; the day is the attempt's date in the school's time zone. Learners in no cohort are not in this view. ${RULE}`,
  columns: [
    ["school_id", "The school."],
    ["cohort_id", "The cohort."],
    ["cohort_name", "The cohort's name."],
    ["skill_id", "The skill."],
    ["skill_code", "The skill's code."],
    ["day", "The day (school time zone); NULL on the row of all days."],
    ["learners", "Learners with at least one attempt in the row."],
    ["attempts", "Attempts at tasks of the skill."],
    ["successes", "Correct attempts."],
    ["success_rate", "successes / attempts."],
    ["mean_duration_seconds", "Mean reported duration of an attempt, in seconds (attempts without a duration left out)."],
    ["suppressed", SUPPRESSED_COMMENT],
  ],
  sql: `WITH base AS (
    SELECT sa.school_id, e.cohort_id, sa.skill_id, (sa.occurred_at AT TIME ZONE sc.time_zone)::date AS day,
           sa.learner_id, sa.correct, sa.duration_seconds
    FROM analytics_private.skill_attempt sa
    JOIN enrollment e ON e.learner_id = sa.learner_id AND e.school_id = sa.school_id
    WHERE sa.school_id = sc.id),
  -- Who practised what when, deduplicated on the ids before the text keys are built (the costly part).
  practice AS (SELECT DISTINCT school_id, cohort_id, skill_id, day, learner_id FROM base),
  m AS (
    SELECT concat_ws('|', school_id, cohort_id, skill_id, coalesce(d, 'all')) AS cell,
           concat_ws('|', school_id, cohort_id, skill_id) AS family,
           concat_ws('|', school_id, skill_id, coalesce(d, 'all')) AS sibling,
           d IS NULL AS is_total, learner_id, unit
    FROM (SELECT school_id, cohort_id, skill_id, day::text AS d, learner_id, day::text AS unit FROM practice
          UNION ALL SELECT school_id, cohort_id, skill_id, NULL, learner_id, day::text FROM practice) x),
  ${SUPPRESSION_CTES},
  agg AS (
    SELECT school_id, cohort_id, skill_id, day, count(*)::int AS attempts, count(*) FILTER (WHERE correct)::int AS successes,
           avg(duration_seconds)::float8 AS duration
    FROM base GROUP BY school_id, cohort_id, skill_id, ROLLUP (day))
  SELECT a.school_id, a.cohort_id, c.name, a.skill_id, k.code, a.day, ${hide("s.n")}, ${hide("a.attempts")}, ${hide("a.successes")},
         ${hide("a.successes::float8 / a.attempts")}, ${hide("a.duration")}, s.suppressed
  FROM agg a
  JOIN sup s ON s.cell = concat_ws('|', a.school_id, a.cohort_id, a.skill_id, coalesce(a.day::text, 'all'))
  JOIN skill k ON k.id = a.skill_id JOIN cohort c ON c.id = a.cohort_id`,
};

export const ATTEMPTS_BY_TASK: AnalyticsView = {
  name: "attempts_by_task",
  perSchool: true,
  comment: `Attempts and success per task, school-wide: one row per (school, task) with attempts. Observed difficulty is on the scale of task.difficulty, the difficulty calibrated by the active model for a new learner. Attempt and success counts are deliberately not released here: they would be a second partition of the per-skill totals of attempts_by_cohort_skill_day, and two partitions of one total give their cross-cells away by subtraction. ${RULE}`,
  columns: [
    ["school_id", "The school."],
    ["task_id", "The task."],
    ["task_code", "The task's code."],
    ["task_title", "The task's title."],
    ["task_kind", "The task's kind."],
    ["learners", "Learners with at least one attempt at the task."],
    ["success_rate", "Correct attempts / attempts."],
    ["observed_difficulty", "−logit of the smoothed success rate, ln((attempts − successes + 0.5) / (successes + 0.5)): higher is harder."],
    [
      "calibrated_difficulty",
      "task.difficulty: −logit P(correct) for a new learner under the active model; NULL when not calibrated. A model figure, not a count: never suppressed.",
    ],
    ["median_attempts_per_learner", "Median attempts at the task per learner who attempted it."],
    ["mean_duration_seconds", "Mean reported duration of an attempt, in seconds."],
    ["suppressed", SUPPRESSED_COMMENT],
  ],
  sql: `WITH base AS (
    SELECT a.school_id, a.task_id, a.learner_id, a.correct, a.duration_seconds
    FROM attempt a JOIN analytics_private.counted_learner cl ON cl.learner_id = a.learner_id
    WHERE a.school_id = sc.id),
  per_learner AS (
    SELECT task_id, count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY attempts) AS median_attempts
    FROM (SELECT task_id, learner_id, count(*) AS attempts FROM base GROUP BY task_id, learner_id) tl GROUP BY task_id),
  agg AS (
    SELECT b.school_id, b.task_id, count(*)::int AS attempts, count(*) FILTER (WHERE b.correct)::int AS successes,
           avg(b.duration_seconds)::float8 AS duration
    FROM base b GROUP BY b.school_id, b.task_id),
  s AS (
    SELECT a.*, p.n, p.median_attempts, p.n < (SELECT k FROM analytics_private.settings) AS suppressed
    FROM agg a JOIN per_learner p ON p.task_id = a.task_id)
  SELECT s.school_id, s.task_id, t.code, t.title, t.kind, ${hide("s.n")}, ${hide("s.successes::float8 / s.attempts")},
         ${hide("ln((s.attempts - s.successes + 0.5)::float8 / (s.successes + 0.5))")}, t.difficulty, ${hide("s.median_attempts")},
         ${hide("s.duration")}, s.suppressed
  FROM s JOIN task t ON t.id = s.task_id`,
};
