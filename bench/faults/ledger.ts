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
}

export async function checkLedger(open: DatabaseOptions, schoolId: string, keyPrefix: string, ledger: IngestResults): Promise<LedgerCheck> {
  const database = await openDatabase(open);
  let counts: Map<string, number>;
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
  };
}
