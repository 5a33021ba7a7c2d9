/**
 * The reads of the deferred path's marks (`attempt_pending`, migration 1764605000000): which learners have
 * attempts waiting to be applied. The claim itself is attempt-writer.ts `applyPendingAttempts`.
 */
import type { Queryable } from "../learner/learner-state.store.js";

/** A learner with pending attempts, and its school. */
export interface PendingLearner {
  readonly schoolId: string;
  readonly learnerId: string;
}

/**
 * Up to `limit` learners with pending attempts, in learner id order after `after` (null: from the
 * first): the applier walks them round, so that under a steady inflow no learner waits behind lower ids.
 */
export async function pendingLearners(q: Queryable, after: string | null, limit: number): Promise<PendingLearner[]> {
  const rows: { school_id: string; learner_id: string }[] = await q.query(
    `SELECT DISTINCT ON (learner_id) learner_id, school_id FROM attempt_pending
       ${after === null ? "" : "WHERE learner_id > $2::uuid"} ORDER BY learner_id LIMIT $1`,
    after === null ? [limit] : [limit, after],
  );
  return rows.map((r) => ({ schoolId: r.school_id, learnerId: r.learner_id }));
}

/** Of these learners, those with pending attempts (one index probe each). */
export async function learnersWithPending(q: Queryable, learnerIds: readonly string[]): Promise<string[]> {
  if (learnerIds.length === 0) return [];
  const rows: { learner_id: string }[] = await q.query(
    `SELECT l.id AS learner_id FROM unnest($1::uuid[]) AS l(id) WHERE EXISTS (SELECT 1 FROM attempt_pending p WHERE p.learner_id = l.id)`,
    [[...new Set(learnerIds)]],
  );
  return rows.map((r) => r.learner_id);
}

/** How many attempts are pending, in every school (the benchmark's and the operator's backlog). */
export async function pendingCount(q: Queryable): Promise<number> {
  const [row] = (await q.query(`SELECT count(*)::int AS n FROM attempt_pending`)) as { n: number }[];
  return row!.n;
}
