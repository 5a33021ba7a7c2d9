/**
 * Pure parsing of the trace folder format (docs/benchmarks/datasets.md), no I/O:
 *   attempts.csv  user_id,item_id,skill_id,correct,order_id   (columns found by name; skill_id optional)
 *   items.csv     item_id,skill_ids                           (the Q-matrix, skills joined by ";")
 * Plain comma-separated values without quoting. Every error names the file, the line and why.
 */
import { CURRICULUM_CODE, EXTERNAL_REF } from "../common/input-bounds.js";

/** A bad line of an input file: `line` is 1-based, counting the header. */
export class TraceFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly why: string,
  ) {
    super(`${file} line ${line}: ${why}`);
    this.name = "TraceFormatError";
  }
}

/** One attempt row, checked. `skillId` is null when empty or NaN. */
export interface AttemptRow {
  readonly line: number;
  readonly userId: string;
  readonly itemId: string;
  readonly skillId: string | null;
  readonly correct: boolean;
  readonly orderId: number;
}

/** Column positions in attempts.csv. */
export interface AttemptColumns {
  readonly count: number;
  readonly user: number;
  readonly item: number;
  readonly skill: number | null;
  readonly correct: number;
  readonly order: number;
}

/** The same rules as the API (input-bounds.ts): a curriculum code (skill, task) and a learner's external reference. */
export const CODE_RE = CURRICULUM_CODE;
export const EXTERNAL_REF_RE = EXTERNAL_REF;
/** Largest order_id: occurred_at = base + order_id seconds must stay a sane instant (~31 years). */
export const MAX_ORDER_ID = 1_000_000_000;

/** Empty, "NaN" or "null" (any case) stand for a missing skill id, as in the benchmark loader. */
export function isMissing(s: string | undefined): boolean {
  if (s === undefined) return true;
  const t = s.trim().toLowerCase();
  return t === "" || t === "nan" || t === "null";
}

function fields(file: string, line: number, text: string): string[] {
  if (text.includes('"')) throw new TraceFormatError(file, line, "quoted fields are not supported (plain comma-separated values only)");
  return text.split(",").map((f) => f.trim());
}

export function parseAttemptsHeader(text: string, file = "attempts.csv"): AttemptColumns {
  const names = fields(file, 1, stripBom(text)).map((n) => n.toLowerCase());
  const col = (name: string, required: boolean): number | null => {
    const i = names.indexOf(name);
    if (i < 0 && required)
      throw new TraceFormatError(
        file,
        1,
        `the header has no ${name} column (expected user_id,item_id,skill_id,correct,order_id; got ${text.trim() || "an empty line"})`,
      );
    return i < 0 ? null : i;
  };
  return {
    count: names.length,
    user: col("user_id", true)!,
    item: col("item_id", true)!,
    skill: col("skill_id", false),
    correct: col("correct", true)!,
    order: col("order_id", true)!,
  };
}

export function parseAttemptLine(cols: AttemptColumns, text: string, line: number, file = "attempts.csv"): AttemptRow {
  const f = fields(file, line, text);
  if (f.length !== cols.count) throw new TraceFormatError(file, line, `expected ${cols.count} fields, got ${f.length}`);
  const userId = f[cols.user]!;
  const itemId = f[cols.item]!;
  if (userId === "") throw new TraceFormatError(file, line, "user_id is empty");
  if (!EXTERNAL_REF_RE.test(userId))
    throw new TraceFormatError(file, line, `user_id "${userId}" may hold 1–200 letters, digits and . _ : @ - only`);
  if (itemId === "") throw new TraceFormatError(file, line, "item_id is empty");
  if (!CODE_RE.test(itemId))
    throw new TraceFormatError(
      file,
      line,
      `item_id "${itemId}" is not a valid task code (1–100 letters, digits and . _ : -, starting with a letter or digit)`,
    );
  const rawSkill = cols.skill === null ? "" : f[cols.skill]!;
  const skillId = isMissing(rawSkill) ? null : rawSkill;
  if (skillId !== null && !CODE_RE.test(skillId))
    throw new TraceFormatError(
      file,
      line,
      `skill_id "${skillId}" is not a valid skill code (1–100 letters, digits and . _ : -, starting with a letter or digit)`,
    );
  const c = f[cols.correct]!;
  if (c !== "0" && c !== "1") throw new TraceFormatError(file, line, `correct must be 0 or 1, got "${c}"`);
  const o = f[cols.order]!;
  if (!/^\d{1,10}$/.test(o) || Number(o) > MAX_ORDER_ID)
    throw new TraceFormatError(file, line, `order_id must be an integer from 0 to ${MAX_ORDER_ID}, got "${o}"`);
  return { line, userId, itemId, skillId, correct: c === "1", orderId: Number(o) };
}

export function parseItemsHeader(text: string, file = "items.csv"): void {
  const names = fields(file, 1, stripBom(text)).map((n) => n.toLowerCase());
  if (names.length !== 2 || names[0] !== "item_id" || names[1] !== "skill_ids") {
    throw new TraceFormatError(file, 1, `expected the header item_id,skill_ids, got ${text.trim() || "an empty line"}`);
  }
}

/** One Q-matrix row: the item and its distinct skills (missing ones dropped; may be empty). */
export function parseItemLine(text: string, line: number, file = "items.csv"): { itemId: string; skills: string[] } {
  const f = fields(file, line, text);
  if (f.length !== 2) throw new TraceFormatError(file, line, `expected 2 fields (item_id,skill_ids), got ${f.length}`);
  const itemId = f[0]!;
  if (!CODE_RE.test(itemId))
    throw new TraceFormatError(
      file,
      line,
      `item_id "${itemId}" is not a valid task code (1–100 letters, digits and . _ : -, starting with a letter or digit)`,
    );
  const skills = [
    ...new Set(
      f[1]!
        .split(";")
        .map((s) => s.trim())
        .filter((s) => !isMissing(s)),
    ),
  ];
  for (const s of skills)
    if (!CODE_RE.test(s))
      throw new TraceFormatError(
        file,
        line,
        `skill id "${s}" is not a valid skill code (1–100 letters, digits and . _ : -, starting with a letter or digit)`,
      );
  return { itemId, skills };
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * Splits a byte stream into lines (LF or CRLF) without decoding whole chunks: a multi-byte
 * character is never cut, and the bytes consumed are exact (for progress). Blank lines are skipped
 * by the caller.
 */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  /** Complete lines of this chunk (the unfinished tail is kept for the next one). */
  push(chunk: Buffer): string[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      out.push(buf.toString("utf8", start, end));
      start = nl + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    return out;
  }

  /** The last line when the file does not end with a newline. */
  end(): string[] {
    if (this.rest.length === 0) return [];
    const end = this.rest[this.rest.length - 1] === 13 ? this.rest.length - 1 : this.rest.length;
    const last = this.rest.toString("utf8", 0, end);
    this.rest = Buffer.alloc(0);
    return [last];
  }
}
