/**
 * UUID version 7 (RFC 9562) in bulk, in the same layout as `uuidv7()` of src/shared/ids.ts (48 bits
 * of Unix milliseconds, a 12-bit counter that keeps ids of this generator increasing within a
 * millisecond, 62 random bits), but with the random bits taken from a pooled buffer: `uuidv7()` calls
 * `randomBytes` twice per id, which was most of the import's CPU time (hundreds of thousands of ids).
 */
import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL = Buffer.alloc(64 * 1024);
let poolAt = POOL.length;
let lastMs = 0;
let seq = 0;

function random8(): number {
  if (poolAt + 8 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += 8;
  return at;
}

/** One time-ordered uuid. */
export function fastUuidv7(now: number = Date.now()): string {
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  const r = random8();
  const hi = Math.floor(now / 0x1000000); // upper 24 of the 48 bits
  const lo = now % 0x1000000;
  const h = (b: number) => HEX[b & 0xff]!;
  const t = h(hi >> 16) + h(hi >> 8) + h(hi) + h(lo >> 16) + "-" + h(lo >> 8) + h(lo);
  const v = h(0x70 | (seq >> 8)) + h(seq);
  const p = POOL;
  const variant = h((p[r]! & 0x3f) | 0x80) + h(p[r + 1]!);
  const tail = h(p[r + 2]!) + h(p[r + 3]!) + h(p[r + 4]!) + h(p[r + 5]!) + h(p[r + 6]!) + h(p[r + 7]!);
  return `${t}-${v}-${variant}-${tail}`;
}

/** `n` time-ordered uuids. */
export function fastUuidv7s(n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = fastUuidv7();
  return out;
}
