/**
 * Splits a learner's history of task ids (PostgreSQL's text of `uuid`: 36 characters, comma
 * separated) into the school's own string instances of those ids.
 *
 * Why: a rebuild replays ~100 attempts a learner, and `String.split` made 100 fresh strings a
 * learner, each hashed anew by the first Map it met (known tasks, skills, the model's task index) —
 * a fifth of the rebuild's Node CPU, and garbage for every young-generation collection to sweep.
 * Here an id is found by a number read from its last 12 hex digits (48 random bits in UUIDv4 and v7)
 * and confirmed character by character in place (`startsWith` at its offset): no string is made for
 * a known id, and the instance returned already carries its hash. An id not known here (a task
 * created after the Q-matrix was read) or text of another shape is sliced as `split` would.
 */
export class TaskIdInterner {
  /** Known ids by the number of their last 12 hex digits (an array for the rare shared number). */
  private readonly byKey = new Map<number, string | string[]>();

  constructor(ids: Iterable<string>) {
    for (const id of ids) {
      const key = id.length === UUID_LENGTH ? tailKey(id, 0) : -1;
      if (key < 0) continue; // not a uuid's text: never matched in place, sliced when met
      const seen = this.byKey.get(key);
      if (seen === undefined) this.byKey.set(key, id);
      else if (typeof seen === "string") { if (seen !== id) this.byKey.set(key, [seen, id]); }
      else if (!seen.includes(id)) seen.push(id);
    }
  }

  /** `list.split(",")`, with the known ids as their interned instances. */
  split(list: string): string[] {
    const out: string[] = [];
    const n = list.length;
    let pos = 0;
    while (pos < n) {
      const end = pos + UUID_LENGTH;
      if (end === n || (end < n && list.charCodeAt(end) === COMMA)) {
        const known = this.find(list, pos);
        if (known !== null) {
          out.push(known);
          pos = end + 1;
          continue;
        }
      }
      let comma = list.indexOf(",", pos);
      if (comma < 0) comma = n;
      out.push(list.slice(pos, comma));
      pos = comma + 1;
    }
    if (n === 0 || list.charCodeAt(n - 1) === COMMA) out.push(""); // as split does for "" and a trailing comma
    return out;
  }

  /** The known id written at `list[pos, pos + 36)`, or null. */
  private find(list: string, pos: number): string | null {
    const key = tailKey(list, pos);
    if (key < 0) return null;
    const seen = this.byKey.get(key);
    if (seen === undefined) return null;
    if (typeof seen === "string") return list.startsWith(seen, pos) ? seen : null;
    for (const id of seen) if (list.startsWith(id, pos)) return id;
    return null;
  }
}

const UUID_LENGTH = 36;
const COMMA = 44;

/** The value of the 12 hex digits ending a 36-character id that starts at `pos`; -1 if any is not hex. */
function tailKey(s: string, pos: number): number {
  let v = 0;
  for (let i = pos + 24; i < pos + UUID_LENGTH; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}
