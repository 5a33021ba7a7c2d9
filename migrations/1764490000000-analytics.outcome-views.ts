/**
 * The analytics views of outcomes: goals and paths by cohort, and the personalisation effect by cohort ×
 * personalised. Each row carries several learner populations (all its learners; those with a path;
 * those who reached mastery), each a cell of its own for suppression: a figure over a sub-population is
 * withheld when that population has fewer than k learners, even when the row's other figures are released.
 */
import { MASTERY_STREAK } from "./1764490000000-analytics.base.js";
import { type AnalyticsView, RULE, SUPPRESSED_COMMENT, unless } from "./1764490000000-analytics.catalogue.js";
import { SUPPRESSION_CTES } from "./1764490000000-analytics.suppression.js";

const MASTERY_RULE = `attempts until the first ${MASTERY_STREAK} consecutive correct answers on a skill's tasks (model-free, so that learners without a personal model compare)`;

/** m over `keyed(row_key, school_id, cohort_id, learner_id, <populations' membership columns>)`, one family per population and `split`. */
const membership = (split: string, populations: readonly (readonly [name: string, member: string])[]) => `m AS (
    SELECT DISTINCT row_key || '|' || v.pop AS cell, concat_ws('|', school_id, ${split}, v.pop) AS family,
           concat_ws('|', school_id, ${split}, v.pop) AS sibling, cohort_id IS NULL AS is_total, learner_id, ''::text AS unit
    FROM keyed CROSS JOIN LATERAL (VALUES ${populations.map(([name, member]) => `('${name}', ${member})`).join(", ")}) v(pop, member)
    WHERE v.member),
  ${SUPPRESSION_CTES}`;

export const GOALS_BY_COHORT: AnalyticsView = {
  name: "goals_by_cohort",
  perSchool: true,
  comment: `Goals and learning paths per cohort: one row per (school, cohort) with learners who have goals, plus one for all the school's learners (cohort_id NULL). "On pace" stands in for the engine's on-track verdict, which needs a plan computed per request: an active goal with a deadline still ahead whose share of target skills mastered (stored mastery under the active model at or above the goal's threshold) is at least the share of the time from the goal's creation to its deadline already elapsed. Attempts to mastery: ${MASTERY_RULE}, on the goals' target skills. ${RULE}`,
  columns: [
    ["school_id", "The school."],
    ["cohort_id", "The cohort; NULL on the row of all the school's learners."],
    ["cohort_name", "The cohort's name; NULL on the school row."],
    ["learners", "Learners with at least one goal."],
    ["goals", "Goals of these learners."],
    ["goals_active", "Goals with status ACTIVE."],
    ["goals_achieved", "Goals with status ACHIEVED."],
    ["goals_with_deadline", "Active goals with a deadline."],
    ["goals_on_pace", "Active goals on pace for their deadline (see the view's comment)."],
    ["goals_mastered", "Goals whose every target skill is mastered (stored mastery at or above the goal's threshold)."],
    ["path_steps_planned", "Steps of these learners' learning paths, skipped steps left out."],
    ["path_steps_done", "Path steps done (answered correctly)."],
    ["suppressed", SUPPRESSED_COMMENT],
    ["learners_reaching_mastery", "Learners who reached mastery of at least one target skill of their goals."],
    ["median_attempts_to_mastery", "Median over those learners of their mean attempts to mastery of a target skill."],
    ["mastery_suppressed", "True when learners_reaching_mastery and median_attempts_to_mastery are withheld (NULL)."],
  ],
  sql: `WITH goal_state AS (
    SELECT g.id, g.school_id, g.learner_id, g.status, g.deadline, g.created_at,
           count(gs.skill_id)::int AS skills,
           count(am.skill_id) FILTER (WHERE am.mastery >= g.mastery_threshold)::int AS mastered
    FROM goal g JOIN analytics_private.counted_learner cl ON cl.learner_id = g.learner_id
    LEFT JOIN goal_skill gs ON gs.goal_id = g.id
    LEFT JOIN analytics_private.active_mastery am ON am.learner_id = g.learner_id AND am.skill_id = gs.skill_id
    WHERE g.school_id = sc.id
    GROUP BY g.id, g.school_id, g.learner_id, g.status, g.deadline, g.created_at),
  per_goal AS (
    SELECT *, status = 'ACTIVE' AND deadline IS NOT NULL AND deadline > now() AND skills > 0
              AND mastered::float8 / skills >= CASE WHEN deadline > created_at
                THEN extract(epoch FROM now() - created_at) / extract(epoch FROM deadline - created_at) ELSE 1 END AS on_pace
    FROM goal_state),
  per_learner AS (
    SELECT learner_id, count(*)::int AS goals, count(*) FILTER (WHERE status = 'ACTIVE')::int AS active,
           count(*) FILTER (WHERE status = 'ACHIEVED')::int AS achieved,
           count(*) FILTER (WHERE status = 'ACTIVE' AND deadline IS NOT NULL)::int AS with_deadline,
           count(*) FILTER (WHERE on_pace)::int AS on_pace, count(*) FILTER (WHERE skills > 0 AND mastered = skills)::int AS mastered
    FROM per_goal GROUP BY learner_id),
  steps AS MATERIALIZED (
    SELECT learner_id, count(*) FILTER (WHERE status <> 'SKIPPED')::int AS planned, count(*) FILTER (WHERE status = 'DONE')::int AS done
    FROM analytics_private.learner_path_step WHERE school_id = sc.id GROUP BY learner_id),
  reached AS MATERIALIZED (
    SELECT mr.learner_id, avg(mr.attempts_to_mastery)::float8 AS attempts
    FROM analytics_private.mastery_reached mr
    WHERE mr.school_id = sc.id AND EXISTS (SELECT 1 FROM goal g JOIN goal_skill gs ON gs.goal_id = g.id WHERE g.learner_id = mr.learner_id AND gs.skill_id = mr.skill_id)
    GROUP BY mr.learner_id),
  keyed AS (
    SELECT grp.school_id, grp.cohort_id, pl.*, coalesce(st.planned, 0) AS planned, coalesce(st.done, 0) AS done, r.attempts AS to_mastery,
           concat_ws('|', grp.school_id, coalesce(grp.cohort_id::text, 'school')) AS row_key
    FROM per_learner pl JOIN analytics_private.learner_group grp ON grp.learner_id = pl.learner_id AND grp.school_id = sc.id
    LEFT JOIN steps st ON st.learner_id = pl.learner_id LEFT JOIN reached r ON r.learner_id = pl.learner_id),
  ${membership("'goals'", [
    ["learners", "true"],
    ["mastery", "to_mastery IS NOT NULL"],
  ])},
  agg AS (
    SELECT row_key, school_id, cohort_id, sum(goals)::int AS goals, sum(active)::int AS active, sum(achieved)::int AS achieved,
           sum(with_deadline)::int AS with_deadline, sum(on_pace)::int AS on_pace, sum(mastered)::int AS mastered,
           sum(planned)::int AS planned, sum(done)::int AS done,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY to_mastery) AS to_mastery
    FROM keyed GROUP BY row_key, school_id, cohort_id)
  SELECT a.school_id, a.cohort_id, c.name, ${unless("s.suppressed", "s.n")}, ${["goals", "active", "achieved", "with_deadline", "on_pace", "mastered", "planned", "done"].map((f) => unless("s.suppressed", `a.${f}`)).join(", ")},
         s.suppressed, ${unless("sm.suppressed", "coalesce(sm.n, 0)")}, ${unless("sm.suppressed", "a.to_mastery")}, coalesce(sm.suppressed, false)
  FROM agg a JOIN sup s ON s.cell = a.row_key || '|learners' LEFT JOIN sup sm ON sm.cell = a.row_key || '|mastery'
  LEFT JOIN cohort c ON c.id = a.cohort_id`,
};

export const PERSONALISATION_EFFECT_BY_COHORT: AnalyticsView = {
  name: "personalisation_effect_by_cohort",
  perSchool: true,
  comment: `The personalisation effect: one row per (school, cohort, personalised) with learners who attempted something, plus one per (school, personalised) for all the school's learners (cohort_id NULL). Personalised = PERSONALISATION consent granted (the engine then serves the learner's own model; otherwise the curriculum order). Attempts do not record which recommendation or strategy they answered, so there is no split by strategy: "on path steps" counts attempts at tasks that are steps of the learner's learning paths. Attempts to mastery: ${MASTERY_RULE}. Per-learner figures are summarised by means and medians only, never by attempt totals (those are released once, in attempts_by_cohort_skill_day). ${RULE}`,
  columns: [
    ["school_id", "The school."],
    ["cohort_id", "The cohort; NULL on the rows of all the school's learners."],
    ["cohort_name", "The cohort's name; NULL on the school rows."],
    ["personalised", "Whether these learners consented to personalisation (PERSONALISATION granted)."],
    ["learners", "Learners with at least one attempt."],
    ["mean_success_rate", "Mean over the learners of their share of correct attempts."],
    ["median_attempts", "Median attempts per learner."],
    ["median_time_on_task_seconds", "Median per learner of the sum of reported attempt durations, in seconds."],
    [
      "mean_share_on_path_steps",
      "Mean over the learners of the share of their attempts at tasks that are steps of their learning paths (0 without a path).",
    ],
    ["suppressed", SUPPRESSED_COMMENT],
    ["learners_with_path", "Learners with at least one planned (not skipped) path step."],
    ["mean_share_path_steps_done", "Mean over those learners of the share of their planned path steps done."],
    ["path_suppressed", "True when learners_with_path and mean_share_path_steps_done are withheld (NULL)."],
    ["learners_reaching_mastery", "Learners who reached mastery of at least one skill."],
    ["median_attempts_to_mastery", "Median over those learners of their mean attempts to mastery of a skill."],
    ["mastery_suppressed", "True when learners_reaching_mastery and median_attempts_to_mastery are withheld (NULL)."],
  ],
  sql: `WITH per_learner AS MATERIALIZED (
    SELECT a.learner_id, count(*)::int AS attempts, avg(CASE WHEN a.correct THEN 1.0 ELSE 0.0 END)::float8 AS success_rate,
           coalesce(sum(a.duration_seconds), 0)::float8 AS time_on_task,
           -- Probed through the indexes of learning_path (learner) and path_step (path) per attempt.
           avg(CASE WHEN EXISTS (SELECT 1 FROM learning_path lp JOIN path_step ps ON ps.path_id = lp.id
                                 WHERE lp.learner_id = a.learner_id AND ps.task_id = a.task_id) THEN 1.0 ELSE 0.0 END)::float8 AS on_path
    FROM attempt a JOIN analytics_private.counted_learner cl ON cl.learner_id = a.learner_id
    WHERE a.school_id = sc.id
    GROUP BY a.learner_id),
  steps AS MATERIALIZED (
    SELECT learner_id, count(*) FILTER (WHERE status = 'DONE')::float8 / count(*) AS share_done
    FROM analytics_private.learner_path_step WHERE school_id = sc.id AND status <> 'SKIPPED' GROUP BY learner_id),
  reached AS MATERIALIZED (
    SELECT learner_id, avg(attempts_to_mastery)::float8 AS attempts FROM analytics_private.mastery_reached WHERE school_id = sc.id GROUP BY learner_id),
  keyed AS (
    SELECT grp.school_id, grp.cohort_id, grp.personalised, pl.*, st.share_done, r.attempts AS to_mastery,
           concat_ws('|', grp.school_id, coalesce(grp.cohort_id::text, 'school'), grp.personalised) AS row_key
    FROM per_learner pl JOIN analytics_private.learner_group grp ON grp.learner_id = pl.learner_id AND grp.school_id = sc.id
    LEFT JOIN steps st ON st.learner_id = pl.learner_id LEFT JOIN reached r ON r.learner_id = pl.learner_id),
  ${membership("personalised", [
    ["learners", "true"],
    ["paths", "share_done IS NOT NULL"],
    ["mastery", "to_mastery IS NOT NULL"],
  ])},
  agg AS (
    SELECT row_key, school_id, cohort_id, personalised, avg(success_rate)::float8 AS success_rate,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY attempts) AS attempts,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY time_on_task) AS time_on_task,
           avg(on_path)::float8 AS on_path, avg(share_done)::float8 AS share_done,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY to_mastery) AS to_mastery
    FROM keyed GROUP BY row_key, school_id, cohort_id, personalised)
  SELECT a.school_id, a.cohort_id, c.name, a.personalised, ${unless("s.suppressed", "s.n")}, ${unless("s.suppressed", "a.success_rate")},
         ${unless("s.suppressed", "a.attempts")}, ${unless("s.suppressed", "a.time_on_task")}, ${unless("s.suppressed", "a.on_path")}, s.suppressed,
         ${unless("sp.suppressed", "coalesce(sp.n, 0)")}, ${unless("sp.suppressed", "a.share_done")}, coalesce(sp.suppressed, false),
         ${unless("sm.suppressed", "coalesce(sm.n, 0)")}, ${unless("sm.suppressed", "a.to_mastery")}, coalesce(sm.suppressed, false)
  FROM agg a JOIN sup s ON s.cell = a.row_key || '|learners'
  LEFT JOIN sup sp ON sp.cell = a.row_key || '|paths' LEFT JOIN sup sm ON sm.cell = a.row_key || '|mastery'
  LEFT JOIN cohort c ON c.id = a.cohort_id`,
};
