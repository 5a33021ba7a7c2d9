/**
 * The key of the xAPI agents' keyed hashes (services/xapi/agent-identity.ts): 32 random bytes made once
 * per database and stored encrypted under the personal-data key (`xapi_index_key`, one row). A rotation
 * of the personal-data key re-encrypts this row like any other value, so the hashes stay valid.
 */
import { randomBytes } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { FieldCipher } from "../crypto/field-cipher.js";
import { contextOf, XAPI_INDEX_KEY } from "../crypto/encrypted-columns.js";

const ROW_ID = "00000000-0000-4000-8000-000000000001";

export async function xapiIndexKey(m: EntityManager, cipher: FieldCipher): Promise<Buffer> {
  const context = contextOf(XAPI_INDEX_KEY, ROW_ID);
  const fresh = randomBytes(32).toString("base64");
  // Made by the first caller; a concurrent first caller's insert loses and both read the one row.
  await m.query(`INSERT INTO xapi_index_key (id, secret_enc) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
    ROW_ID,
    cipher.encrypt(fresh, context),
  ]);
  const [row]: { secret_enc: Buffer }[] = await m.query(`SELECT secret_enc FROM xapi_index_key WHERE id = $1`, [ROW_ID]);
  return Buffer.from(cipher.decrypt(row!.secret_enc, context), "base64");
}
