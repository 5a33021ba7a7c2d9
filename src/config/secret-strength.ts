/**
 * Weak secrets are refused at start (ZPD_JWT_SECRET, ZPD_PROFILE_KEY): a length alone lets through a
 * 32-byte secret of one repeated letter, which anyone can guess.
 *
 * The estimate is a rough lower bound on the entropy, not a proof of strength: it catches what people
 * type to reach a length — one character repeated ("aaaa…"), a run ("0123…", "abcd…", "9876…"), a
 * phrase repeated ("secret-secret-…") — and never refuses what a generator makes (measured over
 * 200,000 draws each: `openssl rand -base64 48` estimates 339–420 bits, `-hex 32` 227–331, 32 random
 * bytes 232–256). Words and keyboard walks are not recognised: generate secrets, do not compose them.
 */

/**
 * The least estimated entropy a secret must have. Below the 128 bits a random secret should carry,
 * because the estimate also discounts a random string's chance repeats and steps (one character in
 * 16 of a hex string continues the step before it): at 100, none of 200,000 random strings of 32 hex
 * characters (128 bits; estimated 109 at least) or of 32 lower-case letters (150 bits; 113 at least) was
 * refused, while a word repeated to 32 bytes and more (47–94 bits), runs such as "0123…" (26) and one
 * letter repeated (9) are.
 */
export const MIN_SECRET_BITS = 100;

/**
 * Each byte that continues the pattern of the bytes before it is predictable and counts nothing:
 * one that repeats the last step (a repeat is a step of 0: "aaa", "abc", "975"), or that continues a
 * copy of the text some distance back ("abcabc", "secret-secret"). Every other byte counts log2 of
 * the alphabet it is drawn from.
 */
export function estimatedEntropyBits(bytes: Uint8Array, alphabetSize: number): number {
  let novel = 0;
  for (let i = 0; i < bytes.length; i++) if (!continuesPattern(bytes, i)) novel++;
  return novel * Math.log2(alphabetSize);
}

function continuesPattern(b: Uint8Array, i: number): boolean {
  if (i >= 2 && b[i]! - b[i - 1]! === b[i - 1]! - b[i - 2]!) return true;
  for (let distance = 1; distance < i; distance++) if (b[i] === b[i - distance] && b[i - 1] === b[i - 1 - distance]) return true;
  return false;
}

/**
 * The alphabet a typed secret draws from, by the classes of characters it uses (digits 10, lower-case
 * 26, upper-case 26, other printable ASCII 33, any byte beyond ASCII 128): an attacker guessing it
 * tries those classes.
 */
export function alphabetOf(bytes: Uint8Array): number {
  const classes = new Map<string, number>();
  for (const c of bytes) {
    if (c >= 0x30 && c <= 0x39) classes.set("digit", 10);
    else if (c >= 0x61 && c <= 0x7a) classes.set("lower", 26);
    else if (c >= 0x41 && c <= 0x5a) classes.set("upper", 26);
    else if (c < 0x80) classes.set("other", 33);
    else classes.set("high", 128);
  }
  return Math.max(
    2,
    [...classes.values()].reduce((a, b) => a + b, 0),
  );
}

/** Why a typed secret (a passphrase such as ZPD_JWT_SECRET) is too weak, or null when it is not. */
export function weakPassphrase(secret: string, minBytes: number): string | null {
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length < minBytes) return `must be at least ${minBytes} bytes long (got ${bytes.length})`;
  const bits = Math.floor(estimatedEntropyBits(bytes, alphabetOf(bytes)));
  if (bits < MIN_SECRET_BITS)
    return `is too weak: it repeats or runs through characters (estimated ${bits} bits of entropy; at least ${MIN_SECRET_BITS} needed)`;
  return null;
}

/** Why a binary key (ZPD_PROFILE_KEY's 32 bytes) is too weak, or null when it is not. */
export function weakKey(key: Uint8Array): string | null {
  const bits = Math.floor(estimatedEntropyBits(key, 256));
  if (bits < MIN_SECRET_BITS)
    return `is too weak: its bytes repeat or run in sequence (estimated ${bits} bits of entropy; at least ${MIN_SECRET_BITS} needed)`;
  return null;
}
