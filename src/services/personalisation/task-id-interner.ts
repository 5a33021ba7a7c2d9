/**
 * Decodes a learner's history of task ids, as PostgreSQL sends it (`string_agg(uuid_send(task_id))`:
 * 16 bytes an attempt, one bytea), into the school's own string instances of those ids.
 *
 * Why bytes: a rebuild replays ~100 attempts a learner. As text (`uuid_out`, 36 characters, comma
 * separated) each id cost PostgreSQL ~100 ns more to print, and Node a string made by `split`, hashed
 * anew by the first Map it met (known tasks, skills, the model's task index) and swept by the next
 * young-generation collection. Here an id is found by a number read from its last 6 bytes (48 random
 * bits in UUIDv4 and v7) and confirmed byte by byte against the known id's bytes: no string is made
 * for a known id, and the instance returned already carries its hash. An id not known here (a task
 * created after the Q-matrix was read) is formatted as PostgreSQL prints a uuid.
 */
export class TaskIdInterner {
  /** Known ids' indexes (into `ids`) by the number of their last 6 bytes (an array for the rare shared number). */
  private readonly byKey = new Map<number, number | number[]>();
  private readonly ids: string[] = [];
  /** The known ids' 16 bytes each, in the order of `ids`. */
  private readonly bytes: Uint8Array;

  constructor(ids: Iterable<string>) {
    const uuids = [...ids].filter((id) => UUID_TEXT.test(id));
    this.bytes = new Uint8Array(uuids.length * UUID_BYTES);
    for (const id of uuids) {
      const hex = id.replace(/-/g, "");
      const at = this.ids.length * UUID_BYTES;
      for (let b = 0; b < UUID_BYTES; b++) this.bytes[at + b] = parseInt(hex.slice(2 * b, 2 * b + 2), 16);
      if (this.find(this.bytes, at) !== null) continue; // the same id twice
      const index = this.ids.length;
      this.ids.push(id);
      const key = tailKey(this.bytes, at);
      const seen = this.byKey.get(key);
      if (seen === undefined) this.byKey.set(key, index);
      else if (typeof seen === "number") this.byKey.set(key, [seen, index]);
      else seen.push(index);
    }
  }

  /** The ids written in `bytes` (16 bytes each), the known ones as their interned instances. */
  decode(bytes: Uint8Array): string[] {
    if (bytes.length % UUID_BYTES !== 0) throw new Error(`a uuid list of ${bytes.length} bytes is not a multiple of ${UUID_BYTES}`);
    const out = new Array<string>(bytes.length / UUID_BYTES);
    for (let i = 0, at = 0; at < bytes.length; i++, at += UUID_BYTES) out[i] = this.find(bytes, at) ?? uuidText(bytes, at);
    return out;
  }

  /** The known id whose bytes are `bytes[at, at + 16)`, or null. */
  private find(bytes: Uint8Array, at: number): string | null {
    const seen = this.byKey.get(tailKey(bytes, at));
    if (seen === undefined) return null;
    if (typeof seen === "number") return this.same(bytes, at, seen) ? this.ids[seen]! : null;
    for (const index of seen) if (this.same(bytes, at, index)) return this.ids[index]!;
    return null;
  }

  private same(bytes: Uint8Array, at: number, index: number): boolean {
    const own = index * UUID_BYTES;
    for (let b = 0; b < UUID_BYTES; b++) if (bytes[at + b] !== this.bytes[own + b]) return false;
    return true;
  }
}

/** The ids written in `bytes` (16 bytes each), each formatted: for a single learner's history, where no interner is at hand. */
export function uuidTexts(bytes: Uint8Array): string[] {
  return NO_IDS.decode(bytes);
}

const UUID_BYTES = 16;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** The value of the last 6 bytes of the 16 at `at` (48 bits: exact as a number). */
function tailKey(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at + 10]! << 8) | bytes[at + 11]!) * 0x1_0000_0000 +
    (((bytes[at + 12]! << 24) | (bytes[at + 13]! << 16) | (bytes[at + 14]! << 8) | bytes[at + 15]!) >>> 0)
  );
}

/** The 16 bytes at `at` as PostgreSQL prints a uuid: lower-case hex, dashes after 4, 6, 8 and 10 bytes. */
function uuidText(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let b = 0; b < UUID_BYTES; b++) {
    if (b === 4 || b === 6 || b === 8 || b === 10) s += "-";
    s += HEX[bytes[at + b]!];
  }
  return s;
}

const NO_IDS = new TaskIdInterner([]);
