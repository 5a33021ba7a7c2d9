/**
 * The access log's SQL: a batch written in one statement, the retention's delete, a page of the log.
 * Writes are marked BACKGROUND_SQL: they belong to no request (query-counter.ts leaves them out of a
 * request's statement count).
 */
import type { DataSource, EntityManager } from "typeorm";
import { AccessLog, type AccessKind } from "./access-log.entity.js";
import { BACKGROUND_SQL } from "../query-counter.js";
import { deleteLogRowsBefore } from "../common/log-retention.js";

export interface AccessRow {
  readonly id: string;
  readonly schoolId: string;
  readonly learnerId: string;
  readonly actorRole: string;
  readonly actorId: string;
  readonly operation: string;
  readonly access: AccessKind;
  /** The first access the row stands for. */
  readonly at: Date;
  /** The last. */
  readonly lastAt: Date;
  /** How many requests. */
  readonly count: number;
}

/**
 * Inserts the rows whose learner still exists in that school (a learner erased since, or an id that
 * named nobody, is left out); returns how many were written. One statement, one round trip.
 */
export async function insertAccessRows(m: EntityManager, rows: readonly AccessRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <K extends keyof AccessRow>(k: K) => rows.map((r) => r[k]);
  const written: { n: number }[] = await m.query(
    `${BACKGROUND_SQL} WITH ins AS (
       INSERT INTO access_log (id, school_id, learner_id, actor_role, actor_id, operation, access, at, last_at, count)
       SELECT u.id, u.school_id, u.learner_id, u.actor_role, u.actor_id, u.operation, u.access, u.at, u.last_at, u.count
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::int[])
         AS u(id, school_id, learner_id, actor_role, actor_id, operation, access, at, last_at, count)
       WHERE EXISTS (SELECT 1 FROM learner l WHERE l.id = u.learner_id AND l.school_id = u.school_id)
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [
      col("id"),
      col("schoolId"),
      col("learnerId"),
      col("actorRole"),
      col("actorId"),
      col("operation"),
      col("access"),
      rows.map((r) => r.at.toISOString()),
      rows.map((r) => r.lastAt.toISOString()),
      col("count"),
    ],
  );
  return Number(written[0]?.n ?? 0);
}

/** Deletes up to `limit` rows older than `cutoff` (of these schools, when given); returns how many. */
export const deleteAccessRowsBefore = (m: EntityManager, cutoff: Date, limit: number, schoolIds?: readonly string[]): Promise<number> =>
  deleteLogRowsBefore(m, { table: "access_log", timeColumn: "at" }, cutoff, limit, schoolIds);

export interface AccessFilter {
  readonly schoolId: string;
  readonly learnerId?: string;
  readonly actorId?: string;
  readonly since?: Date;
  readonly until?: Date;
}

/** The query of a page of the log (the caller pages it: services/common/pagination.ts). */
export function accessLogQuery(ds: DataSource, f: AccessFilter) {
  const qb = ds.getRepository(AccessLog).createQueryBuilder("al").where("al.school_id = :school", { school: f.schoolId });
  if (f.learnerId) qb.andWhere("al.learner_id = :learner", { learner: f.learnerId });
  if (f.actorId) qb.andWhere("al.actor_id = :actor", { actor: f.actorId });
  // A row stands for its accesses from `at` to `last_at`: it is in a window it overlaps.
  if (f.since) qb.andWhere("COALESCE(al.last_at, al.at) >= :since", { since: f.since });
  if (f.until) qb.andWhere("al.at < :until", { until: f.until });
  return qb;
}
