/**
 * Encryption of personal and protected fields at rest: AES-256-GCM under a keyring — the current key,
 * which encrypts, and older keys, which only decrypt (during and after a rotation, `npm run keys:rotate`).
 * Every value is bound to its row and column (its *context*, encrypted-columns.ts) as associated data,
 * and carries the id of its key (envelope.ts). A fresh 96-bit random nonce per value: at 2^32 values
 * per key the chance of a repeated nonce is 2^-33, far beyond a school's data; a rotation resets it.
 *
 * A key's id is the first 4 bytes of HMAC-SHA256(key, "zpd:key-id"), in hex: the operator names no ids,
 * the same key always has the same id, and the id reveals nothing of the key. Two keys sharing an id by
 * chance (2^-32 per pair) are refused when the keyring is built; a key whose id matches but whose bytes
 * differ is caught by the key check value stored per id (key-registry.ts).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { EnvelopeError, envelopeHeader, KEY_ID_BYTES, NONCE_BYTES, packEnvelope, parseEnvelope } from "./envelope.js";

/** Where the keys came from, for messages (variable names or file paths; never the keys). */
export interface KeySource {
  readonly current: string;
  readonly old: string;
}

export interface KeyMaterial {
  /** 32 bytes: encrypts every new value. */
  readonly current: Buffer;
  /** Keys that only decrypt (the previous keys during a rotation). */
  readonly old?: readonly Buffer[];
  readonly source?: KeySource;
}

/** The pseudo key id of values in the pre-encryption formats (envelope versions 0 and 1). */
export const LEGACY_KEY_ID = "legacy";

/** A key's id: 8 hex digits derived from the key (see the module comment). */
export function keyIdOf(key: Buffer): string {
  return createHmac("sha256", key).update("zpd:key-id").digest().subarray(0, KEY_ID_BYTES).toString("hex");
}

/** A value cannot be decrypted (wrong key, wrong row or column, tampered, unknown format). Names the context, never the value. */
export class FieldDecryptError extends Error {
  constructor(
    readonly context: string,
    reason: string,
  ) {
    super(`cannot decrypt ${context}: ${reason}`);
    this.name = "FieldDecryptError";
  }
}

export class FieldCipher {
  readonly currentKeyId: string;
  readonly source: KeySource;
  private readonly keys = new Map<string, Buffer>();
  /**
   * Whether values in the pre-encryption formats are accepted: only while the database says the upgrade's
   * pass has not finished (set by the key check, key-registry.ts).
   */
  private legacyReadable = false;

  constructor(material: KeyMaterial) {
    this.source = material.source ?? { current: "the configured key", old: "the older keys" };
    for (const key of [material.current, ...(material.old ?? [])]) {
      if (key.length !== 32) throw new Error("a personal-data key must be 32 bytes");
      const id = keyIdOf(key);
      const known = this.keys.get(id);
      if (known && !known.equals(key)) throw new Error(`two personal-data keys share the id ${id}: generate another key`);
      this.keys.set(id, key);
    }
    this.currentKeyId = keyIdOf(material.current);
  }

  /** A keyring of one key (tests, benchmarks, tools). */
  static single(key: Buffer): FieldCipher {
    return new FieldCipher({ current: key });
  }

  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Accept values in the pre-encryption formats, or refuse them from now on (the upgrade's pass left none). */
  setLegacyReadable(readable: boolean): void {
    this.legacyReadable = readable;
  }

  get acceptsLegacy(): boolean {
    return this.legacyReadable;
  }

  /** `plain` under the current key, bound to `context`. */
  encrypt(plain: string, context: string): Buffer {
    return this.encryptUnder(this.currentKeyId, plain, context);
  }

  /** Under a given key of the keyring (the key check values, key-registry.ts). */
  encryptUnder(keyId: string, plain: string, context: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no key ${keyId} in the keyring`);
    const header = envelopeHeader(keyId);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.concat([header, Buffer.from(context, "utf8")]));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return packEnvelope(header, nonce, cipher.getAuthTag(), body);
  }

  encryptOptional(plain: string | null | undefined, context: string): Buffer | null {
    return plain === null || plain === undefined ? null : this.encrypt(plain, context);
  }

  /** A list (interests) as one value; an empty list is stored as NULL. */
  encryptList(list: readonly string[], context: string): Buffer | null {
    return list.length === 0 ? null : this.encrypt(JSON.stringify(list), context);
  }

  decrypt(data: Buffer, context: string): string {
    let env: ReturnType<typeof parseEnvelope>;
    try {
      env = parseEnvelope(data);
    } catch (e) {
      throw new FieldDecryptError(context, (e as EnvelopeError).message);
    }
    if (env.version === 2) {
      const key = this.keys.get(env.keyId);
      if (!key) throw new FieldDecryptError(context, `it is under key ${env.keyId}, which is not in this server's keyring`);
      try {
        return gcmOpen(key, env.nonce, env.tag, env.body, Buffer.concat([env.header, Buffer.from(context, "utf8")]));
      } catch {
        throw new FieldDecryptError(
          context,
          `the tag does not match under key ${env.keyId} (a value of another row or column, or altered)`,
        );
      }
    }
    if (!this.legacyReadable)
      throw new FieldDecryptError(context, `a value in the pre-encryption format (version ${env.version}) after the upgrade`);
    if (env.version === 0) return env.plain;
    // Version 1 names no key: the previous version had one; try each (GCM's tag tells the right one).
    for (const key of this.keys.values()) {
      try {
        return gcmOpen(key, env.nonce, env.tag, env.body, null);
      } catch {
        /* the next key */
      }
    }
    throw new FieldDecryptError(context, "no key of the keyring decrypts this value of the previous version");
  }

  decryptOptional(data: Buffer | null | undefined, context: string): string | null {
    return data ? this.decrypt(data, context) : null;
  }

  decryptList(data: Buffer | null | undefined, context: string): string[] {
    if (!data) return [];
    const plain = this.decrypt(data, context);
    // The pre-encryption interests were a text[]; the migration stored them as a JSON array too.
    const list: unknown = JSON.parse(plain);
    if (!Array.isArray(list) || !list.every((t) => typeof t === "string")) throw new FieldDecryptError(context, "not a list of strings");
    return list;
  }

  /** The key id a stored value is under (LEGACY_KEY_ID for the pre-encryption formats). */
  static keyIdOfValue(data: Buffer): string {
    const env = parseEnvelope(data);
    return env.version === 2 ? env.keyId : LEGACY_KEY_ID;
  }
}

function gcmOpen(key: Buffer, nonce: Buffer, tag: Buffer, body: Buffer, aad: Buffer | null): string {
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
}
