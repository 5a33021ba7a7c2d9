/**
 * The keyed hash an erasure receipt carries instead of the learner id: HMAC-SHA-256 under a key of its
 * own, derived from the server's profile key with HKDF-SHA-256 (RFC 5869; info "zpd:erasure-receipt:v1").
 * Without the key, a receipt cannot be matched to a learner id — not even by hashing every possible id,
 * as a plain hash could be; with it, the server finds the receipt of an id again (an erasure asked twice)
 * and an audit can check that no erased learner is back in a training snapshot. A dedicated key, so that
 * the hash never doubles as anything the profile key protects.
 */
import { createHmac, hkdfSync } from "node:crypto";

const INFO = "zpd:erasure-receipt:v1";

/** The erasure key: 32 bytes derived from the profile key (the composition root derives it once). */
export function erasureKeyFrom(profileKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", profileKey, Buffer.alloc(0), INFO, 32));
}

/** The receipt's hash of a learner id (lower-case, as ids are stored), hex. */
export function learnerHash(key: Buffer, learnerId: string): string {
  return createHmac("sha256", key).update(learnerId.toLowerCase()).digest("hex");
}

/** A fingerprint of the key stored with each receipt, so that a receipt hashed under another key is told apart. */
export function erasureKeyId(key: Buffer): string {
  return createHmac("sha256", key).update("zpd:erasure-key-id").digest("hex").slice(0, 16);
}
