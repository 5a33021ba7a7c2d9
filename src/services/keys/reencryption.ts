/**
 * The re-encryption pass: every encrypted value not under the keyring's current key (or, for the
 * upgrade, every value still in a pre-encryption format) is decrypted and encrypted again under the
 * current key, bound to the same context. Without downtime: each batch of rows (in primary-key order)
 * is its own short transaction that locks only its rows (`FOR UPDATE`, so a concurrent write is never
 * overwritten by an older value), and every value stays readable throughout, old keys still decrypting.
 * Idempotent and resumable: a value already under the current key is never selected again, so a pass
 * interrupted anywhere is finished by running it again.
 *
 * Then `finishRotation` retires each older key that no value is under any more: it may be dropped from
 * the configuration (while no backup made before still needs it).
 */
import type { DataSource } from "typeorm";
import { contextOf, ENCRYPTED_COLUMNS, type EncryptedColumn } from "../../persistence/crypto/encrypted-columns.js";
import { FieldCipher, LEGACY_KEY_ID } from "../../persistence/crypto/field-cipher.js";
import { countValuesUnder, readKeyRows, retireKey, underKeySql } from "../../persistence/crypto/key-registry.js";
import { withConflictRetry } from "../common/transaction-retry.js";

export const REENCRYPT_BATCH = 500;

export interface ReencryptOptions {
  /** Only the values of the pre-encryption formats (the upgrade at a server's start). */
  readonly legacyOnly?: boolean;
  readonly batchSize?: number;
  /** Checked between batches: a stopping server ends the pass there (it resumes at the next start). */
  readonly signal?: AbortSignal;
  /** After each batch's commit (awaited before the next): the table and the values it re-encrypted so far. */
  readonly onBatch?: (table: string, rewrittenSoFar: number) => void | Promise<void>;
}

/** Re-encrypts every stale value; returns how many per column ("table.column"). */
export async function reencryptAll(ds: DataSource, cipher: FieldCipher, opts: ReencryptOptions = {}): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const tables = [...new Set(ENCRYPTED_COLUMNS.map((c) => c.table))];
  for (const table of tables)
    await reencryptTable(
      ds,
      cipher,
      ENCRYPTED_COLUMNS.filter((c) => c.table === table),
      opts,
      out,
    );
  return out;
}

async function reencryptTable(
  ds: DataSource,
  cipher: FieldCipher,
  cols: readonly EncryptedColumn[],
  opts: ReencryptOptions,
  out: Map<string, number>,
): Promise<void> {
  const { table, pk } = cols[0]!;
  const current = cipher.currentKeyId;
  const stale = (c: EncryptedColumn) =>
    opts.legacyOnly
      ? `(${c.column} IS NOT NULL AND ${underKeySql(c.column, LEGACY_KEY_ID)})`
      : `(${c.column} IS NOT NULL AND NOT ${underKeySql(c.column, current, "$3")})`;
  const select = `SELECT ${pk}::text AS pk, ${cols.map((c, i) => `${c.rowKeySql} AS k${i}, ${c.column} AS v${i}`).join(", ")}
    FROM ${table} WHERE ${pk} > $1::uuid AND (${cols.map(stale).join(" OR ")}) ORDER BY ${pk} LIMIT $2 FOR UPDATE`;
  const update = `UPDATE ${table} t SET ${cols.map((c, i) => `${c.column} = COALESCE(u.v${i}, t.${c.column})`).join(", ")}
    FROM unnest($1::uuid[], ${cols.map((_, i) => `$${i + 2}::bytea[]`).join(", ")}) AS u(pk, ${cols.map((_, i) => `v${i}`).join(", ")})
    WHERE t.${pk} = u.pk`;
  let cursor = "00000000-0000-0000-0000-000000000000";
  let rewritten = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const batch = await withConflictRetry(
      () =>
        ds.transaction(async (m) => {
          const rows: Record<string, string | Buffer | null>[] = await m.query(select, [
            cursor,
            opts.batchSize ?? REENCRYPT_BATCH,
            ...(opts.legacyOnly ? [] : [current]),
          ]);
          const fresh = cols.map(() => [] as (Buffer | null)[]);
          let n = 0;
          for (const r of rows)
            cols.forEach((c, i) => {
              const v = r[`v${i}`] as Buffer | null;
              const due =
                v !== null && (opts.legacyOnly ? FieldCipher.keyIdOfValue(v) === LEGACY_KEY_ID : FieldCipher.keyIdOfValue(v) !== current);
              if (due) {
                const ctx = contextOf(c, r[`k${i}`] as string);
                fresh[i]!.push(cipher.encrypt(cipher.decrypt(v, ctx), ctx));
                n++;
                out.set(`${c.table}.${c.column}`, (out.get(`${c.table}.${c.column}`) ?? 0) + 1);
              } else fresh[i]!.push(null);
            });
          if (rows.length) await m.query(update, [rows.map((r) => r.pk), ...fresh]);
          return { rows: rows.length, last: rows.length ? (rows[rows.length - 1]!.pk as string) : cursor, n };
        }),
      "a re-encryption batch",
    );
    if (batch.rows === 0) return;
    cursor = batch.last;
    rewritten += batch.n;
    await opts.onBatch?.(table, rewritten);
  }
}

export interface RotationOutcome {
  /** Keys retired now: no value is under them any more. */
  readonly retired: readonly string[];
  /** Older keys that still hold values (written meanwhile by a process with an older current key), per column. */
  readonly remaining: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * Retires every older key (or only "legacy") that holds no value any more. Only a process whose every
 * peer already encrypts under the current key may retire a real key (`npm run keys:rotate`, run after
 * the new key is deployed everywhere): a server's start retires "legacy" alone.
 */
export async function finishRotation(ds: DataSource, cipher: FieldCipher, opts: { legacyOnly?: boolean } = {}): Promise<RotationOutcome> {
  const retired: string[] = [];
  const remaining = new Map<string, Map<string, number>>();
  for (const row of await readKeyRows(ds.manager)) {
    if (row.retiredAt || row.keyId === cipher.currentKeyId || (opts.legacyOnly && row.keyId !== LEGACY_KEY_ID)) continue;
    const left = await countValuesUnder(ds.manager, row.keyId);
    if (left.size > 0) {
      remaining.set(row.keyId, left);
      continue;
    }
    await retireKey(ds.manager, row.keyId);
    if (row.keyId === LEGACY_KEY_ID) cipher.setLegacyReadable(false);
    retired.push(row.keyId);
  }
  return { retired, remaining };
}
