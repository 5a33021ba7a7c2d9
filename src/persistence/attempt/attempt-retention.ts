/**
 * The retention job's statements (services/privacy/retention.service.ts): which schools and UTC days
 * hold attempts older than the cutoff, and the one statement that deletes a day's attempts of a school
 * and folds them into `attempt_daily_rollup` together. A whole day at a time, so that a day's distinct
 * learners per task are counted once; the fold reads the rows the DELETE returned, so a day deleted
 * twice (two runs at once) is folded once.
 */
import type { EntityManager } from "typeorm";
import { ConsentPurpose } from "../learner/consent.entity.js";
import type { Queryable } from "../learner/learner-state.store.js";

/** The schools with attempts before `cutoff`, in id order. */
export async function schoolsWithAttemptsBefore(q: Queryable, cutoff: Date, only?: readonly string[]): Promise<string[]> {
  const rows: { school_id: string }[] = await q.query(
    `SELECT DISTINCT school_id FROM attempt WHERE occurred_at < $1 AND ($2::uuid[] IS NULL OR school_id = ANY($2::uuid[])) ORDER BY school_id`,
    [cutoff, only ? [...only] : null],
  );
  return rows.map((r) => r.school_id);
}

/** The UTC days (YYYY-MM-DD) on which the school has attempts before `cutoff`, oldest first. */
export async function daysWithAttemptsBefore(q: Queryable, schoolId: string, cutoff: Date): Promise<string[]> {
  const rows: { day: string }[] = await q.query(
    `SELECT to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day FROM attempt
     WHERE school_id = $1 AND occurred_at < $2 GROUP BY 1 ORDER BY 1`,
    [schoolId, cutoff],
  );
  return rows.map((r) => r.day);
}

/** What deleting a day's attempts did. */
export interface FoldedDay {
  /** Attempts deleted. */
  readonly deleted: number;
  /** Of them, folded into the rollup (those of learners with ANALYTICS consent). */
  readonly folded: number;
  /** The learners whose attempts were deleted, in id order. */
  readonly learnerIds: string[];
}

/** The distinct learners with attempts of the school on UTC day `day` before `cutoff`, in id order. */
export async function learnersOfDay(m: EntityManager, schoolId: string, day: string, cutoff: Date): Promise<string[]> {
  const rows: { learner_id: string }[] = await m.query(
    `SELECT DISTINCT learner_id FROM attempt WHERE school_id = $1 AND occurred_at >= ($2::date)::timestamp AT TIME ZONE 'UTC'
       AND occurred_at < LEAST(($2::date + 1)::timestamp AT TIME ZONE 'UTC', $3) ORDER BY learner_id`,
    [schoolId, day, cutoff],
  );
  return rows.map((r) => r.learner_id);
}

/**
 * Deletes the school's attempts of UTC day `day` that are before `cutoff`, and adds their counts per
 * task — attempts, correct ones, distinct learners, over the learners whose ANALYTICS consent is
 * granted — to `attempt_daily_rollup`, in one statement (in the caller's transaction).
 */
export async function foldAndDeleteDay(m: EntityManager, schoolId: string, day: string, cutoff: Date): Promise<FoldedDay> {
  const rows: { learner_id: string | null; n: number; folded: number }[] = await m.query(
    `WITH gone AS (
       DELETE FROM attempt WHERE school_id = $1 AND occurred_at >= ($2::date)::timestamp AT TIME ZONE 'UTC'
         AND occurred_at < LEAST(($2::date + 1)::timestamp AT TIME ZONE 'UTC', $3)
       RETURNING learner_id, task_id, correct),
     counted AS (
       SELECT g.task_id, count(*)::int AS attempts, (count(*) FILTER (WHERE g.correct))::int AS correct, count(DISTINCT g.learner_id)::int AS learners
       FROM gone g JOIN consent c ON c.learner_id = g.learner_id AND c.purpose = $4 AND c.granted
       GROUP BY g.task_id),
     folded AS (
       INSERT INTO attempt_daily_rollup AS r (school_id, task_id, day, attempts, correct, learners)
       SELECT $1, task_id, $2::date, attempts, correct, learners FROM counted
       ON CONFLICT (school_id, task_id, day) DO UPDATE SET attempts = r.attempts + EXCLUDED.attempts,
         correct = r.correct + EXCLUDED.correct, learners = r.learners + EXCLUDED.learners
       RETURNING 1)
     SELECT g.learner_id, count(*)::int AS n, (SELECT COALESCE(sum(attempts), 0)::int FROM counted) AS folded
     FROM gone g GROUP BY g.learner_id ORDER BY g.learner_id`,
    [schoolId, day, cutoff, ConsentPurpose.Analytics],
  );
  return {
    deleted: rows.reduce((a, r) => a + Number(r.n), 0),
    folded: Number(rows[0]?.folded ?? 0),
    learnerIds: rows.map((r) => r.learner_id!),
  };
}
