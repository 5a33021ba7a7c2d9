/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter that keeps the ids of
 * this process strictly increasing within a millisecond, then 62 random bits. Ids therefore sort in
 * creation order, which keeps B-tree inserts local and lets keyset pagination order by id alone.
 * The random bits come from a pooled buffer: a `randomBytes` call per id was most of the CPU time of
 * bulk imports (hundreds of thousands of ids).
 */
import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL = Buffer.alloc(64 * 1024);
let poolAt = POOL.length;
let lastMs = 0;
let seq = 0;

/** Offset of 8 fresh random bytes in POOL. */
function random8(): number {
  if (poolAt + 8 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += 8;
  return at;
}

/** A UUIDv7's first 14 characters: the 48 bits of Unix milliseconds, as "xxxxxxxx-xxxx-". */
function timeField(ms: number): string {
  const hi = Math.floor(ms / 0x1000000); // upper 24 of the 48 bits
  const lo = ms % 0x1000000;
  const h = (b: number) => HEX[b & 0xff]!;
  return `${h(hi >> 16)}${h(hi >> 8)}${h(hi)}${h(lo >> 16)}-${h(lo >> 8)}${h(lo)}-`;
}

export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  const r = random8();
  const h = (b: number) => HEX[b & 0xff]!;
  const p = POOL;
  return (
    timeField(now) +
    h(0x70 | (seq >> 8)) +
    h(seq) +
    "-" +
    h((p[r]! & 0x3f) | 0x80) +
    h(p[r + 1]!) +
    "-" +
    h(p[r + 2]!) +
    h(p[r + 3]!) +
    h(p[r + 4]!) +
    h(p[r + 5]!) +
    h(p[r + 6]!) +
    h(p[r + 7]!)
  );
}

/** `n` time-ordered uuids. */
export function uuidv7s(n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = uuidv7();
  return out;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** MurmurHash3's 32-bit finaliser over FNV-1a of `s` and `k`: well-spread bits from a name. */
function nameHash(s: string, k: number): number {
  let h = 0x811c9dc5 ^ k;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A UUIDv7 that is a function of its arguments: `timeMs` in the time field, `index` in the 26 bits
 * after it (so ids of one name sort by index, as uuidv7's do by creation), then 48 bits hashed from
 * `name` and `index`. For seeded data that must be the same on every run (the demo school, whose
 * learners' ids decide its evaluation set); distinct names give distinct ids.
 */
export function namedUuidv7(timeMs: number, name: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 26)
    throw new RangeError(`namedUuidv7: index must be an integer in [0, 2^26) (got ${index})`);
  const a = index >>> 14; // 12 bits
  const b = index & 0x3fff; // 14 bits
  const r1 = nameHash(name, index);
  const r2 = nameHash(name, ~index);
  const h = (x: number) => HEX[x & 0xff]!;
  return (
    timeField(timeMs) +
    h(0x70 | (a >> 8)) +
    h(a) +
    "-" +
    h(0x80 | (b >> 8)) +
    h(b) +
    "-" +
    h(r1 >> 24) +
    h(r1 >> 16) +
    h(r1 >> 8) +
    h(r1) +
    h(r2 >> 8) +
    h(r2)
  );
}
