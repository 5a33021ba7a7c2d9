/**
 * The keys a database was encrypted with (`encryption_key`: one row per key id, with a check value, and
 * when it was retired), and the check every process runs before it serves: a wrong or missing key stops
 * the start with a message saying which key the database expects — never a failure at the first read.
 *
 * - Every key id not retired may still hold values: the keyring must hold it, and the key must decrypt
 *   its check value (the constant below under that key, bound to "zpd:key-check").
 * - The current key is registered with its check value the first time it is used.
 * - A retired current key is refused (a configuration left behind after a rotation).
 * - While the upgrade from the pre-encryption formats is pending (the pseudo key "legacy" not retired),
 *   the keyring must decrypt a profile of the previous version, if there is one.
 */
import type { DataSource, EntityManager } from "typeorm";
import { ENCRYPTED_COLUMNS, type EncryptedColumn, LEARNER_DISPLAY_NAME, LEARNER_EMAIL } from "./encrypted-columns.js";
import { FieldCipher, LEGACY_KEY_ID } from "./field-cipher.js";

export const KEY_CHECK_CONTEXT = "zpd:key-check";
const KEY_CHECK_CONSTANT = "zpd: this is the personal-data key";

/** The keyring does not fit the database: the process must not serve. */
export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

export interface KeyRow {
  readonly keyId: string;
  readonly checkValue: Buffer;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

export interface KeyringStatus {
  readonly currentKeyId: string;
  /** Values of the pre-encryption formats may remain (the upgrade's pass has not finished). */
  readonly legacyPending: boolean;
  /** Older keys not retired yet: values may remain under them (a rotation to finish). */
  readonly oldKeyIds: readonly string[];
}

export async function readKeyRows(m: EntityManager): Promise<KeyRow[]> {
  const rows: { key_id: string; check_value: Buffer; created_at: Date; retired_at: Date | null }[] = await m.query(
    `SELECT key_id, check_value, created_at, retired_at FROM encryption_key ORDER BY created_at, key_id`,
  );
  return rows.map((r) => ({ keyId: r.key_id, checkValue: r.check_value, createdAt: r.created_at, retiredAt: r.retired_at }));
}

/** Checks the keyring against the database (see the module comment) and registers its current key. */
export async function verifyKeyring(ds: DataSource, cipher: FieldCipher): Promise<KeyringStatus> {
  const rows = await readKeyRows(ds.manager);
  const { current, old } = cipher.source;
  for (const row of rows) {
    if (row.keyId === LEGACY_KEY_ID) continue;
    if (!cipher.has(row.keyId)) {
      if (row.retiredAt) continue;
      throw new KeyringError(
        `the personal-data key does not match this database: it holds values under key ${row.keyId}, which is neither ${current} ` +
          `(key ${cipher.currentKeyId}) nor one of ${old}. Configure the key this database was written with; during a rotation, ` +
          `keep the previous key in ${old} until \`npm run keys:rotate\` says it can go.`,
      );
    }
    let checked = false;
    try {
      checked = cipher.decrypt(row.checkValue, KEY_CHECK_CONTEXT) === KEY_CHECK_CONSTANT;
    } catch {
      /* reported below */
    }
    if (!checked)
      throw new KeyringError(
        `the personal-data key with id ${row.keyId} (${current} or ${old}) fails this database's key check: it is not the key that wrote it`,
      );
  }
  const registered = rows.find((r) => r.keyId === cipher.currentKeyId);
  if (registered?.retiredAt)
    throw new KeyringError(
      `${current} is key ${cipher.currentKeyId}, retired on ${registered.retiredAt.toISOString()} by a rotation: configure the current key`,
    );
  const legacy = rows.find((r) => r.keyId === LEGACY_KEY_ID);
  const legacyPending = legacy !== undefined && legacy.retiredAt === null;
  cipher.setLegacyReadable(legacyPending);
  if (legacyPending) await checkPreviousVersionProfile(ds.manager, cipher);
  if (!registered)
    await ds.query(`INSERT INTO encryption_key (key_id, check_value) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING`, [
      cipher.currentKeyId,
      cipher.encrypt(KEY_CHECK_CONSTANT, KEY_CHECK_CONTEXT),
    ]);
  return {
    currentKeyId: cipher.currentKeyId,
    legacyPending,
    oldKeyIds: rows.filter((r) => r.keyId !== LEGACY_KEY_ID && r.keyId !== cipher.currentKeyId && !r.retiredAt).map((r) => r.keyId),
  };
}

/** The previous version encrypted profiles without a key id: the keyring must open one of them. */
async function checkPreviousVersionProfile(m: EntityManager, cipher: FieldCipher): Promise<void> {
  for (const col of [LEARNER_DISPLAY_NAME, LEARNER_EMAIL]) {
    const [row]: { v: Buffer; k: string }[] = await m.query(
      `SELECT ${col.column} AS v, ${col.rowKeySql} AS k FROM ${col.table} WHERE get_byte(${col.column}, 0) = 1 LIMIT 1`,
    );
    if (!row) continue;
    try {
      cipher.decrypt(row.v, `${col.table}.${col.column}:${row.k}`);
      return;
    } catch {
      throw new KeyringError(
        `the personal-data key does not decrypt the learner profiles written by the previous version of ZPD: configure the key it ran with (${cipher.source.current}, or one of ${cipher.source.old})`,
      );
    }
  }
}

/**
 * SQL: whether the non-null `column` holds a value under `keyId` (LEGACY_KEY_ID: the pre-encryption
 * formats); `param` is the placeholder bound to the key id's hex (unused for LEGACY_KEY_ID).
 */
export function underKeySql(column: string, keyId: string, param = "$1"): string {
  return keyId === LEGACY_KEY_ID
    ? `get_byte(${column}, 0) < 2`
    : `(get_byte(${column}, 0) = 2 AND substring(${column} from 2 for 4) = decode(${param}, 'hex'))`;
}

/** Values still under `keyId`, per encrypted column ("table.column" → count; columns with none left out). */
export async function countValuesUnder(
  m: EntityManager,
  keyId: string,
  columns: readonly EncryptedColumn[] = ENCRYPTED_COLUMNS,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const col of columns) {
    const [row]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM ${col.table} WHERE ${col.column} IS NOT NULL AND ${underKeySql(col.column, keyId)}`,
      keyId === LEGACY_KEY_ID ? [] : [keyId],
    );
    if (row && row.n > 0) out.set(`${col.table}.${col.column}`, row.n);
  }
  return out;
}

/** Marks a key as holding no value any more (it may then be dropped from the configuration). */
export async function retireKey(m: EntityManager, keyId: string): Promise<void> {
  await m.query(`UPDATE encryption_key SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL`, [keyId]);
}
