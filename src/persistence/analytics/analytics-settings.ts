/**
 * The analytics views' settings row (analytics_private.settings, migration Analytics1764490000000): k,
 * the small-cell threshold every view reads. The server writes its configured k (ZPD_ANALYTICS_K) at
 * each start, so the views, the CSV export, BI tools and the GraphQL analytics all apply the same one.
 */
import type { DataSource, EntityManager } from "typeorm";

/** Writes k if it differs from the stored one; returns whether it changed. */
export async function writeAnalyticsK(db: DataSource | EntityManager, k: number): Promise<boolean> {
  if (!Number.isInteger(k) || k < 2) throw new Error(`analytics k must be an integer ≥ 2 (got ${k})`);
  const rows: unknown[] = await db.query(
    `UPDATE analytics_private.settings SET k = $1, updated_at = now() WHERE k IS DISTINCT FROM $1 RETURNING k`,
    [k],
  );
  return rows.length > 0;
}

/** The k the views apply now. */
export async function readAnalyticsK(db: DataSource | EntityManager): Promise<number> {
  const [row] = (await db.query(`SELECT k FROM analytics.settings`)) as { k: number }[];
  if (!row) throw new Error("analytics.settings has no row: the Analytics migration has not run");
  return Number(row.k);
}
