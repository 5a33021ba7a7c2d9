/**
 * The check that matters: the client's ledger against the database. Every attempt acknowledged must be
 * stored exactly once; one never acknowledged at most once; nothing stored that was never sent. Rows
 * are counted by idempotency key with a sequential scan (no index), so a damaged unique index could
 * not hide a duplicate.
 */
import { openDatabase, type DatabaseOptions } from "../../src/persistence/database.js";
import type { IngestResults } from "./load.js";

export interface LedgerCheck {
  readonly acknowledged: number;
  /** Acknowledged but not stored. Target 0. */
  readonly lost: number;
  /** Stored more than once (acknowledged or not). Target 0. */
  readonly duplicated: number;
  /** Sent, never acknowledged: how many of them were stored anyway (once). */
  readonly unacknowledged: number;
  readonly unacknowledgedStored: number;
  /** Stored under this run's prefix but never sent. Target 0. */
  readonly unknown: number;
  readonly rows: number;
  /**
   * Every attempt reflected in its learner's state exactly once: learners of the school whose state's
   * attempt count differs from their attempts applied (stored and not pending). Target 0.
   */
  readonly stateMismatches: number;
  /** Attempts still pending when checked (the deferred path's, not applied yet: applied at the next start). */
  readonly pending: number;
}

export async function checkLedger(open: DatabaseOptions, schoolId: string, keyPrefix: string, ledger: IngestResults): Promise<LedgerCheck> {
  const database = await openDatabase(open);
  let counts: Map<string, number>;
  let stateMismatches = 0;
  let pending = 0;
  try {
    counts = await database.dataSource.transaction(async (m) => {
      await m.query("SET LOCAL enable_indexscan = off");
      await m.query("SET LOCAL enable_bitmapscan = off");
      await m.query("SET LOCAL enable_indexonlyscan = off");
      const rows = (await m.query(
        `SELECT idempotency_key AS key, count(*)::int AS n FROM attempt WHERE school_id = $1 AND starts_with(idempotency_key, $2) GROUP BY 1`,
        [schoolId, `${keyPrefix}-`],
      )) as { key: string; n: number }[];
      return new Map(rows.map((r) => [r.key, r.n]));
    });
    const [mismatch] = (await database.dataSource.query(
      `SELECT count(*)::int AS n FROM learner_state s
         WHERE s.school_id = $1 AND s.attempt_count <> (SELECT count(*) FROM attempt a WHERE a.learner_id = s.learner_id
           AND NOT EXISTS (SELECT 1 FROM attempt_pending p WHERE p.learner_id = a.learner_id AND p.attempt_id = a.id))`,
      [schoolId],
    )) as { n: number }[];
    const [waiting] = (await database.dataSource.query(`SELECT count(*)::int AS n FROM attempt_pending WHERE school_id = $1`, [
      schoolId,
    ])) as { n: number }[];
    stateMismatches = mismatch!.n;
    pending = waiting!.n;
  } finally {
    await database.close();
  }
  const sent = new Set([...ledger.acked, ...ledger.unacked]);
  let lost = 0;
  let duplicated = 0;
  let unacknowledgedStored = 0;
  for (const k of ledger.acked) if (!counts.has(k)) lost++;
  for (const k of ledger.unacked) if (counts.has(k)) unacknowledgedStored++;
  let rows = 0;
  let unknown = 0;
  for (const [k, n] of counts) {
    rows += n;
    if (n > 1) duplicated++;
    if (!sent.has(k)) unknown++;
  }
  return {
    acknowledged: ledger.acked.length,
    lost,
    duplicated,
    unacknowledged: ledger.unacked.length,
    unacknowledgedStored,
    unknown,
    rows,
    stateMismatches,
    pending,
  };
}
