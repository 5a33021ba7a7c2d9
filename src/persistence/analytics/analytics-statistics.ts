/**
 * Planner statistics for the tables the analytics views read. The views join and aggregate whole
 * schools; without statistics the planner guesses a row or so per table and picks nested loops that
 * turn seconds into minutes. PostgreSQL's autovacuum keeps them current; embedded PGlite has no
 * autovacuum and never analyses by itself. The analytics readers (GraphQL analytics, the CSV export)
 * therefore analyse these tables first when they were never analysed or changed much since.
 */
import type { DataSource, EntityManager } from "typeorm";

export const ANALYTICS_TABLES = [
  "attempt",
  "consent",
  "enrollment",
  "learner_state",
  "task_skill",
  "task",
  "skill",
  "cohort",
  "goal",
  "goal_skill",
  "learning_path",
  "path_step",
  "model_version",
  "audit_report",
  "school",
  "recommendation_log",
] as const;

/** ANALYZEs those of ANALYTICS_TABLES never analysed, or with more changed rows than a fifth of their size (and 500); returns them. */
export async function ensureAnalyticsStatistics(db: DataSource | EntityManager): Promise<string[]> {
  const stale = (await db.query(
    `SELECT relname FROM pg_stat_user_tables
     WHERE schemaname = 'public' AND relname = ANY($1::text[])
       AND (coalesce(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > greatest(500, n_live_tup / 5))`,
    [[...ANALYTICS_TABLES]],
  )) as { relname: string }[];
  const tables = stale.map((r) => r.relname).filter((t) => (ANALYTICS_TABLES as readonly string[]).includes(t));
  if (tables.length) await db.query(`ANALYZE ${tables.map((t) => `"${t}"`).join(", ")}`);
  return tables;
}
