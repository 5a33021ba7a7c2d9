/**
 * The stored form of an encrypted field (a `bytea`): a versioned envelope.
 *
 *   version 2 (written now)   0x02 | key id (4) | nonce (12) | GCM tag (16) | AES-256-GCM body
 *   version 1 (read only)     0x01 | nonce (12) | tag (16) | body — the profiles of ZPD ≤ 0.1 (no associated
 *                             data, no key id), tagged 0x01 by the FieldEncryption migration
 *   version 0 (read only)     0x00 | UTF-8 plain text — a value of a column that was plain text before that
 *                             migration, waiting for the re-encryption pass (field-cipher.ts)
 *
 * Version 2 authenticates, as GCM associated data, the header (version and key id) followed by the
 * field's context ("table.column:row key", encrypted-columns.ts): a value copied to another row or column,
 * or given another key id, fails its tag. The key id is the key's name, derived from it (field-cipher.ts),
 * so that a reader knows which key of its keyring to use and SQL can find values under an old key
 * (`substring(col from 2 for 4)`) without decrypting anything.
 */
export const ENVELOPE_VERSION = 2;
export const PLAIN_VERSION = 0;
export const UNBOUND_VERSION = 1;
export const KEY_ID_BYTES = 4;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Bytes of a version-2 envelope before its body: 33 (the storage overhead of a value). */
export const HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES;

export type Envelope =
  | {
      readonly version: 2;
      readonly keyId: string;
      readonly header: Buffer;
      readonly nonce: Buffer;
      readonly tag: Buffer;
      readonly body: Buffer;
    }
  | { readonly version: 1; readonly nonce: Buffer; readonly tag: Buffer; readonly body: Buffer }
  | { readonly version: 0; readonly plain: string };

/** Why a stored value cannot be read; never carries the value. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvelopeError";
  }
}

/** The header of a version-2 envelope under `keyId` (8 hex digits). */
export function envelopeHeader(keyId: string): Buffer {
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION]), Buffer.from(keyId, "hex")]);
}

export function packEnvelope(header: Buffer, nonce: Buffer, tag: Buffer, body: Buffer): Buffer {
  return Buffer.concat([header, nonce, tag, body]);
}

export function parseEnvelope(data: Buffer): Envelope {
  const version = data[0];
  if (version === ENVELOPE_VERSION) {
    if (data.length < HEADER_BYTES) throw new EnvelopeError("truncated envelope");
    const nonceAt = 1 + KEY_ID_BYTES;
    const tagAt = nonceAt + NONCE_BYTES;
    return {
      version: 2,
      keyId: data.subarray(1, nonceAt).toString("hex"),
      header: data.subarray(0, nonceAt),
      nonce: data.subarray(nonceAt, tagAt),
      tag: data.subarray(tagAt, HEADER_BYTES),
      body: data.subarray(HEADER_BYTES),
    };
  }
  if (version === UNBOUND_VERSION) {
    if (data.length < 1 + NONCE_BYTES + TAG_BYTES) throw new EnvelopeError("truncated version-1 value");
    return {
      version: 1,
      nonce: data.subarray(1, 1 + NONCE_BYTES),
      tag: data.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES),
      body: data.subarray(1 + NONCE_BYTES + TAG_BYTES),
    };
  }
  if (version === PLAIN_VERSION) return { version: 0, plain: data.subarray(1).toString("utf8") };
  throw new EnvelopeError(`unknown envelope version ${version ?? "(empty value)"}`);
}
