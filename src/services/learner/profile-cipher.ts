/**
 * Encryption of personal data at rest: AES-256-GCM, a fresh 96-bit nonce per value.
 * Layout of a ciphertext: nonce (12 bytes) | tag (16 bytes) | encrypted UTF-8.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export class ProfileCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the profile key must be 32 bytes");
  }

  encrypt(plain: string | null | undefined): Buffer | null {
    if (plain === null || plain === undefined) return null;
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]);
  }

  decrypt(data: Buffer | null): string | null {
    if (!data) return null;
    const decipher = createDecipheriv("aes-256-gcm", this.key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString("utf8");
  }
}
