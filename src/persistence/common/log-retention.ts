/**
 * Retention of the batched logs (access_log, recommendation_log): deletes a chunk of a school's oldest rows
 * at a time, so that each statement is short and locks little. Marked BACKGROUND_SQL: it belongs to no
 * request (query-counter.ts).
 */
import type { EntityManager } from "typeorm";
import { BACKGROUND_SQL } from "../query-counter.js";

/** A log table and the column its rows' age is read from (fixed names, never input). */
export interface LogTable {
  readonly table: "access_log" | "recommendation_log";
  readonly timeColumn: "at" | "served_at";
}

/** Deletes up to `limit` rows of `log` older than `cutoff` (of these schools, when given); returns how many. */
export async function deleteLogRowsBefore(
  m: EntityManager,
  log: LogTable,
  cutoff: Date,
  limit: number,
  schoolIds?: readonly string[],
): Promise<number> {
  const deleted: { n: number }[] = await m.query(
    `${BACKGROUND_SQL} WITH d AS (
       DELETE FROM ${log.table} WHERE id IN (
         SELECT id FROM ${log.table} WHERE ${log.timeColumn} < $1 AND ($3::uuid[] IS NULL OR school_id = ANY($3::uuid[])) LIMIT $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [cutoff.toISOString(), limit, schoolIds ? [...schoolIds] : null],
  );
  return Number(deleted[0]?.n ?? 0);
}
