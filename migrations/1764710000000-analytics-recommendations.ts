import { MigrationInterface, QueryRunner } from "typeorm";
import { ANALYTICS_VIEWS } from "./1764490000000-analytics.js";
import { type AnalyticsView, RULE, SUPPRESSED_COMMENT, unless, viewQuery } from "./1764490000000-analytics.catalogue.js";
import { SUPPRESSION_CTES } from "./1764490000000-analytics.suppression.js";

/** How long after an answer was served an attempt at its first-ranked task counts as following it. */
export const FOLLOW_WINDOW_HOURS = 24;

/**
 * Learner-level, private: every served item (recommendation_log) of a learner with ANALYTICS consent, and
 * for a first-ranked item whether the learner followed it — attempted that task within FOLLOW_WINDOW_HOURS
 * after it was served — and whether the first such attempt was correct. The probe reads the attempt
 * index on (learner_id, occurred_at) over the window only.
 */
export const RECOMMENDATION_SERVED = `SELECT r.school_id, r.learner_id, r.answer_id, r.strategy, r.served_at, r.rank, r.propensity,
       f.correct IS NOT NULL AS followed, coalesce(f.correct, false) AS followed_correct
FROM recommendation_log r
JOIN analytics_private.counted_learner cl ON cl.learner_id = r.learner_id
LEFT JOIN LATERAL (
  SELECT a.correct FROM attempt a
  WHERE r.rank = 1 AND a.learner_id = r.learner_id AND a.task_id = r.task_id
    AND a.occurred_at >= r.served_at AND a.occurred_at < r.served_at + interval '${FOLLOW_WINDOW_HOURS} hours'
  ORDER BY a.occurred_at, a.id LIMIT 1) f ON true`;

const hide = (expr: string) => unless("s.suppressed", expr);
const hideFollowing = (expr: string) => unless("sf.suppressed", expr);

export const RECOMMENDATIONS_BY_STRATEGY: AnalyticsView = {
  name: "recommendations_by_strategy",
  perSchool: true,
  comment: `Recommendations served per strategy and day (the recommendation log): one row per (school, strategy, day) with served answers, plus one per (school, strategy) over all days (day NULL). The day is the serving date in the school's time zone. An answer is one recommendations answer or one planned path (strategy PATH), of one or more items ranked 1..n. The strategy is the one that ranked the items: a POLICY request that fell back is logged as ZPD, and a learner served without personalisation (no consent, no model) as CURRICULUM, so POLICY rows are answers the learned policy chose, never fallbacks, and the strategy asked for is not recorded. A first-ranked item is followed when the learner attempted that task within ${FOLLOW_WINDOW_HOURS} hours after it was served (an attempt may follow several answers; it counts on the day the answer was served). There is no cohort split: with the all-days rows, cohorts would be a second partition of the same totals, which small-cell suppression does not protect (attempts_by_cohort_skill_day has no school row for the same reason). Two cells per row: the learners served, and those of them who followed a first-ranked item. ${RULE}`,
  columns: [
    ["school_id", "The school."],
    [
      "strategy",
      "The strategy that ranked the items: ZPD, LOWEST_MASTERY, CURRICULUM, POLICY (the learned policy; its fallbacks are logged as ZPD or CURRICULUM) or PATH (a planned learning path).",
    ],
    ["day", "The serving date (school time zone); NULL on the row of all days."],
    ["learners", "Learners served at least one answer of the strategy in the row."],
    ["answers", "Answers served (distinct answer ids): recommendations answers, or planned paths for PATH."],
    ["items", "Items served, every rank."],
    ["first_ranked_items", "Items served at rank 1: one per answer (fewer only if the log lost rows, docs/privacy.md)."],
    [
      "mean_first_propensity",
      "Mean propensity of the first-ranked items: the probability the strategy had of serving that task first (1 for a deterministic rule; below 1 under ZPD exploration or the learned policy).",
    ],
    [
      "share_first_followed",
      `Share of the first-ranked items followed: the learner attempted that task within ${FOLLOW_WINDOW_HOURS} hours after it was served.`,
    ],
    ["suppressed", SUPPRESSED_COMMENT],
    ["learners_following", "Learners who followed at least one first-ranked item in the row."],
    ["followed_success_rate", "Share of the followed first-ranked items whose first attempt in the window was correct."],
    ["following_suppressed", "True when learners_following and followed_success_rate are withheld (NULL)."],
  ],
  sql: `WITH base AS (
    SELECT rs.school_id, rs.strategy, (rs.served_at AT TIME ZONE sc.time_zone)::date AS day, rs.learner_id, rs.answer_id, rs.rank,
           rs.propensity, rs.followed, rs.followed_correct
    FROM analytics_private.recommendation_served rs
    WHERE rs.school_id = sc.id),
  -- Who was served (and who followed) what when, deduplicated before the text keys are built.
  served AS (
    SELECT school_id, strategy, day, learner_id, bool_or(followed) AS followed FROM base GROUP BY school_id, strategy, day, learner_id),
  m AS (
    SELECT concat_ws('|', school_id, strategy, coalesce(d, 'all'), pop) AS cell,
           concat_ws('|', school_id, strategy, pop) AS family, NULL::text AS sibling,
           d IS NULL AS is_total, learner_id, unit
    FROM (SELECT school_id, strategy, day::text AS d, learner_id, day::text AS unit, v.pop
          FROM served CROSS JOIN LATERAL (VALUES ('learners', true), ('following', followed)) v(pop, member) WHERE v.member
          UNION ALL
          SELECT school_id, strategy, NULL, learner_id, day::text, v.pop
          FROM served CROSS JOIN LATERAL (VALUES ('learners', true), ('following', followed)) v(pop, member) WHERE v.member) x),
  ${SUPPRESSION_CTES},
  agg AS (
    SELECT school_id, strategy, day, count(DISTINCT answer_id)::int AS answers, count(*)::int AS items,
           count(*) FILTER (WHERE rank = 1)::int AS firsts,
           (avg(propensity) FILTER (WHERE rank = 1))::float8 AS propensity,
           count(*) FILTER (WHERE followed)::int AS followed,
           count(*) FILTER (WHERE followed AND followed_correct)::int AS followed_correct
    FROM base GROUP BY school_id, strategy, ROLLUP (day)),
  keyed AS (SELECT a.*, concat_ws('|', a.school_id, a.strategy, coalesce(a.day::text, 'all')) AS row_key FROM agg a)
  SELECT a.school_id, a.strategy, a.day, ${hide("s.n")}, ${hide("a.answers")}, ${hide("a.items")}, ${hide("a.firsts")},
         ${hide("a.propensity")}, ${hide("a.followed::float8 / nullif(a.firsts, 0)")}, s.suppressed,
         ${hideFollowing("coalesce(sf.n, 0)")}, ${hideFollowing("a.followed_correct::float8 / nullif(a.followed, 0)")},
         coalesce(sf.suppressed, false)
  FROM keyed a JOIN sup s ON s.cell = a.row_key || '|learners' LEFT JOIN sup sf ON sf.cell = a.row_key || '|following'`,
};

/** Every public analytics view, in the catalogue's order (docs/analytics.md): the first migration's, then this one's. */
export const EVERY_ANALYTICS_VIEW: readonly AnalyticsView[] = [...ANALYTICS_VIEWS, RECOMMENDATIONS_BY_STRATEGY];

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * `analytics.recommendations_by_strategy` (docs/analytics.md): the recommendation log for school BI tools,
 * aggregated per school × strategy × day with the all-days rows, with the first analytics migration's
 * suppression (SUPPRESSION_CTES) and catalogue conventions. Its learner-level part,
 * `analytics_private.recommendation_served`, is never granted to a BI role; bi:role's default privileges
 * on schema analytics grant the new view to the BI roles made before it.
 */
export class AnalyticsRecommendations1764710000000 implements MigrationInterface {
  name = "AnalyticsRecommendations1764710000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE VIEW analytics_private.recommendation_served AS ${RECOMMENDATION_SERVED}`);
    const v = RECOMMENDATIONS_BY_STRATEGY;
    const columns = v.columns.map(([c]) => `"${c}"`).join(", ");
    await q.query(`CREATE VIEW analytics."${v.name}" (${columns}) WITH (security_barrier = true) AS ${viewQuery(v)}`);
    await q.query(`COMMENT ON VIEW analytics."${v.name}" IS ${literal(v.comment)}`);
    for (const [c, comment] of v.columns) await q.query(`COMMENT ON COLUMN analytics."${v.name}"."${c}" IS ${literal(comment)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW analytics."${RECOMMENDATIONS_BY_STRATEGY.name}"`);
    await q.query(`DROP VIEW analytics_private.recommendation_served`);
  }
}
