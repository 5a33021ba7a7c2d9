/**
 * The recommendation log's SQL: a batch written in one statement, the retention's delete, and how many
 * rows predate a cutoff (the privacy audit's retention check). Writes are marked BACKGROUND_SQL: they
 * belong to no request (query-counter.ts leaves them out of a request's statement count).
 */
import type { EntityManager } from "typeorm";
import { BACKGROUND_SQL } from "../query-counter.js";
import { deleteLogRowsBefore } from "../common/log-retention.js";

export interface RecommendationRow {
  readonly id: string;
  readonly schoolId: string;
  readonly learnerId: string;
  readonly answerId: string;
  readonly servedAt: Date;
  readonly strategy: string;
  readonly mode: string;
  readonly taskId: string;
  readonly rank: number;
  readonly propensity: number;
  readonly modelVersionId: string | null;
  readonly policyVersionId: string | null;
  readonly candidateCount: number | null;
}

/**
 * Inserts the rows whose learner still exists in that school (a learner erased since is left out);
 * returns how many were written. One statement, one round trip.
 */
export async function insertRecommendationRows(m: EntityManager, rows: readonly RecommendationRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <K extends keyof RecommendationRow>(k: K) => rows.map((r) => r[k]);
  const written: { n: number }[] = await m.query(
    `${BACKGROUND_SQL} WITH ins AS (
       INSERT INTO recommendation_log (id, school_id, learner_id, answer_id, served_at, strategy, mode, task_id, rank, propensity,
         model_version_id, policy_version_id, candidate_count)
       SELECT u.* FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[], $8::uuid[],
         $9::int[], $10::float8[], $11::uuid[], $12::uuid[], $13::int[])
         AS u(id, school_id, learner_id, answer_id, served_at, strategy, mode, task_id, rank, propensity, model_version_id,
              policy_version_id, candidate_count)
       WHERE EXISTS (SELECT 1 FROM learner l WHERE l.id = u.learner_id AND l.school_id = u.school_id)
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [
      col("id"),
      col("schoolId"),
      col("learnerId"),
      col("answerId"),
      rows.map((r) => r.servedAt.toISOString()),
      col("strategy"),
      col("mode"),
      col("taskId"),
      col("rank"),
      col("propensity"),
      col("modelVersionId"),
      col("policyVersionId"),
      col("candidateCount"),
    ],
  );
  return Number(written[0]?.n ?? 0);
}

/** Deletes up to `limit` rows served before `cutoff` (of these schools, when given); returns how many. */
export const deleteRecommendationRowsBefore = (
  m: EntityManager,
  cutoff: Date,
  limit: number,
  schoolIds?: readonly string[],
): Promise<number> => deleteLogRowsBefore(m, { table: "recommendation_log", timeColumn: "served_at" }, cutoff, limit, schoolIds);

/** The school's rows served before the cutoff: how many, and the oldest time. */
export async function recommendationRowsBefore(
  m: EntityManager,
  schoolId: string,
  cutoff: Date,
): Promise<{ count: number; oldest: Date | null }> {
  const [row]: { n: number; oldest: Date | null }[] = await m.query(
    `SELECT count(*)::int AS n, min(served_at) AS oldest FROM recommendation_log WHERE school_id = $1 AND served_at < $2`,
    [schoolId, cutoff.toISOString()],
  );
  return { count: Number(row?.n ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
}
