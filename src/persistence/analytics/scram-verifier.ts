/**
 * A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802 / RFC 7677, as `psql \password` computes it):
 * the role's password is sent to the server already hashed, so it never appears in a statement the
 * server may log.
 *
 *   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations, 32)
 *   StoredKey      = SHA-256(HMAC(SaltedPassword, "Client Key"))
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *   verifier       = "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>"
 *
 * PostgreSQL normalises a password with SASLprep before hashing; for printable ASCII (what bi:role
 * accepts) SASLprep is the identity.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

export const SCRAM_ITERATIONS = 4096;

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
  const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
