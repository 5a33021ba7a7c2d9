import { MigrationInterface, QueryRunner } from "typeorm";
import { PRIVATE_VIEWS, SETTINGS_TABLE } from "./1764490000000-analytics.base.js";
import { type AnalyticsView, viewQuery } from "./1764490000000-analytics.catalogue.js";
import { ATTEMPTS_BY_COHORT_SKILL_DAY, ATTEMPTS_BY_TASK, MASTERY_BY_COHORT_SKILL } from "./1764490000000-analytics.learning-views.js";
import { AUDIT_OUTCOMES_BY_VERSION, MODEL_QUALITY_BY_VERSION, SCHOOLS, SETTINGS } from "./1764490000000-analytics.model-views.js";
import { GOALS_BY_COHORT, PERSONALISATION_EFFECT_BY_COHORT } from "./1764490000000-analytics.outcome-views.js";

/** Every public view, in the catalogue's order (docs/analytics.md). */
export const ANALYTICS_VIEWS: readonly AnalyticsView[] = [
  MASTERY_BY_COHORT_SKILL,
  ATTEMPTS_BY_COHORT_SKILL_DAY,
  ATTEMPTS_BY_TASK,
  GOALS_BY_COHORT,
  PERSONALISATION_EFFECT_BY_COHORT,
  MODEL_QUALITY_BY_VERSION,
  AUDIT_OUTCOMES_BY_VERSION,
  SETTINGS,
  SCHOOLS,
];

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The `analytics` schema for school BI tools (docs/analytics.md): aggregated views only — no learner id,
 * name or e-mail — each with its small cells suppressed (k in `analytics_private.settings`, written by
 * the server at start from ZPD_ANALYTICS_K), documented with COMMENTs on every view and column.
 * `analytics_private` holds the settings and the learner-level views the public ones aggregate; BI
 * roles (npm run bi:role) are granted `analytics` only. Every public view is a security barrier, so
 * that a reader's own predicates cannot be evaluated on the rows before the aggregation.
 */
export class Analytics1764490000000 implements MigrationInterface {
  name = "Analytics1764490000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA analytics_private`);
    await q.query(`CREATE SCHEMA analytics`);
    await q.query(
      `COMMENT ON SCHEMA analytics IS ${literal("Aggregated, small-cell-suppressed views for school BI tools (docs/analytics.md). No learner-level data.")}`,
    );
    for (const sql of SETTINGS_TABLE) await q.query(sql);
    for (const [name, sql] of PRIVATE_VIEWS) await q.query(`CREATE VIEW analytics_private.${name} AS ${sql}`);
    for (const v of ANALYTICS_VIEWS) {
      const columns = v.columns.map(([c]) => `"${c}"`).join(", ");
      await q.query(`CREATE VIEW analytics."${v.name}" (${columns}) WITH (security_barrier = true) AS ${viewQuery(v)}`);
      await q.query(`COMMENT ON VIEW analytics."${v.name}" IS ${literal(v.comment)}`);
      for (const [c, comment] of v.columns) await q.query(`COMMENT ON COLUMN analytics."${v.name}"."${c}" IS ${literal(comment)}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA analytics CASCADE`);
    await q.query(`DROP SCHEMA analytics_private CASCADE`);
  }
}
