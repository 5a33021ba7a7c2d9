/**
 * Reads and checks the trace files before anything is written: items.csv into a Q-matrix, then
 * attempts.csv streamed once, every line checked (a bad line stops the import with nothing written).
 * The checked attempts are kept as compact typed-array rows (indexes into the distinct user and item
 * ids, not a string per row), so that a million-attempt file fits in memory between the scan and the
 * writes.
 */
import fs from "node:fs";
import path from "node:path";
import {
  AttemptColumns,
  AttemptRow,
  LineSplitter,
  MAX_ORDER_ID,
  TraceFormatError,
  parseAttemptLine,
  parseAttemptsHeader,
  parseItemLine,
  parseItemsHeader,
} from "./trace-csv.js";
import type { CheckedImport } from "./import-options.js";

/** The skill of an item whose rows give no skill id, so that its attempts still reach the models. */
export const UNKNOWN_SKILL_CODE = "import.unknown";
/** Longest idempotency key (the attempt column's limit). */
const MAX_KEY = 200;

/** What the scan found: the catalogue to write and the attempts to write after it. */
export interface ScannedTraces {
  /** item → skill codes, in first-seen order. */
  readonly qMatrix: Map<string, string[]>;
  /** The attempt rows, as indexes into `users` and `items` (compact: no string per row). */
  readonly rows: RowTable;
  readonly users: string[];
  /** Items of attempts.csv by index. */
  readonly items: string[];
  readonly itemsWithoutQMatrixRow: number;
  readonly tasksWithUnknownSkill: number;
}

/** Growable columns of the checked attempt rows (~17 bytes a row). */
export class RowTable {
  length = 0;
  user = new Int32Array(1024);
  item = new Int32Array(1024);
  order = new Uint32Array(1024);
  correct = new Uint8Array(1024);
  line = new Int32Array(1024);

  push(user: number, item: number, order: number, correct: boolean, line: number): void {
    if (this.length === this.user.length) {
      const grow = <T extends Int32Array | Uint32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.user = grow(this.user);
      this.item = grow(this.item);
      this.order = grow(this.order);
      this.correct = grow(this.correct);
      this.line = grow(this.line);
    }
    const i = this.length++;
    this.user[i] = user;
    this.item[i] = item;
    this.order[i] = order;
    this.correct[i] = correct ? 1 : 0;
    this.line[i] = line;
  }
}

/**
 * Scans a folder's trace files: items.csv when it exists (its Q-matrix wins over attempts.csv's
 * skill ids), then attempts.csv, reporting the bytes of attempts.csv read.
 */
export async function scanTraces(
  checked: Pick<CheckedImport, "attemptsFile" | "itemsFile" | "keyPrefix" | "baseTime" | "latestOrderId">,
  onBytes: (done: number, total: number) => void,
): Promise<ScannedTraces> {
  const qMatrixFile = fs.existsSync(checked.itemsFile) ? await readItems(checked.itemsFile) : null;
  return scanAttempts(checked, qMatrixFile, onBytes);
}

/** Streams a file's lines (1-based line numbers), with the bytes read so far. */
async function forEachLine(file: string, fn: (text: string, line: number, bytes: number) => void | Promise<void>): Promise<void> {
  const splitter = new LineSplitter();
  let line = 0;
  let bytes = 0;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      for (const text of splitter.push(chunk as Buffer)) await fn(text, ++line, bytes);
    }
    for (const text of splitter.end()) await fn(text, ++line, bytes);
  } finally {
    stream.destroy();
  }
  if (line === 0) throw new TraceFormatError(path.basename(file), 1, "the file is empty (a header line is required)");
}

async function readItems(file: string): Promise<Map<string, string[]>> {
  const q = new Map<string, string[]>();
  const seen = new Map<string, number>();
  await forEachLine(file, (text, line) => {
    if (line === 1) return parseItemsHeader(text);
    if (text.trim() === "") return;
    const { itemId, skills } = parseItemLine(text, line);
    const dup = seen.get(itemId);
    if (dup !== undefined) throw new TraceFormatError("items.csv", line, `item ${itemId} is listed twice (first at line ${dup})`);
    seen.set(itemId, line);
    q.set(itemId, skills);
  });
  return q;
}

/** Calls `fn` for every checked attempt row (streamed; the header is parsed first). */
async function forEachAttempt(
  file: string,
  fn: (row: AttemptRow) => void | Promise<void>,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  let cols: AttemptColumns | null = null;
  await forEachLine(file, async (text, line, bytes) => {
    if (line === 1) {
      cols = parseAttemptsHeader(text);
      return;
    }
    if (text.trim() === "") return;
    await fn(parseAttemptLine(cols!, text, line));
    if (onBytes && (line & 0x3fff) === 0) onBytes(bytes);
  });
}

/** Reads and checks every line; builds each used item's Q-matrix row, the learners and the compact rows. */
async function scanAttempts(
  checked: Pick<CheckedImport, "attemptsFile" | "keyPrefix" | "baseTime" | "latestOrderId">,
  items: Map<string, string[]> | null,
  onBytes: (done: number, total: number) => void,
): Promise<ScannedTraces> {
  const { attemptsFile: file, keyPrefix: prefix, baseTime, latestOrderId } = checked;
  const total = fs.statSync(file).size;
  const fromAttempts = new Map<string, Set<string>>();
  const userIndex = new Map<string, number>();
  const users: string[] = [];
  const lastOrder: number[] = [];
  const lastLine: number[] = [];
  const itemIndex = new Map<string, number>();
  const itemNames: string[] = [];
  const rows = new RowTable();
  await forEachAttempt(
    file,
    (r) => {
      let u = userIndex.get(r.userId);
      if (u === undefined) {
        u = users.length;
        userIndex.set(r.userId, u);
        users.push(r.userId);
        lastOrder.push(-1);
        lastLine.push(0);
        const key = `${prefix}${r.userId}:${MAX_ORDER_ID}`;
        if (key.length > MAX_KEY)
          throw new TraceFormatError(
            "attempts.csv",
            r.line,
            `user_id "${r.userId}" is too long for the idempotency key "${prefix}<user_id>:<order_id>" (at most ${MAX_KEY} characters): shorten the label`,
          );
      } else if (r.orderId <= lastOrder[u]!) {
        throw new TraceFormatError(
          "attempts.csv",
          r.line,
          `order_id ${r.orderId} of user ${r.userId} does not increase (${lastOrder[u]} at line ${lastLine[u]}): each learner's attempts must have increasing order_ids`,
        );
      }
      if (r.orderId > latestOrderId)
        throw new TraceFormatError(
          "attempts.csv",
          r.line,
          `order_id ${r.orderId} would date the attempt after the server's time plus the clock skew (occurred_at = ${baseTime.toISOString()} + order_id seconds): pass an earlier --base-time`,
        );
      lastOrder[u] = r.orderId;
      lastLine[u] = r.line;
      let i = itemIndex.get(r.itemId);
      if (i === undefined) {
        i = itemNames.length;
        itemIndex.set(r.itemId, i);
        itemNames.push(r.itemId);
      }
      rows.push(u, i, r.orderId, r.correct, r.line);
      if (items?.has(r.itemId)) return;
      let set = fromAttempts.get(r.itemId);
      if (!set) {
        set = new Set();
        fromAttempts.set(r.itemId, set);
      }
      if (r.skillId !== null) set.add(r.skillId);
    },
    (bytes) => onBytes(bytes, total),
  );
  onBytes(total, total);
  const qMatrix = new Map<string, string[]>();
  let unknown = 0;
  const put = (item: string, skills: readonly string[]) => {
    if (skills.length === 0) unknown++;
    qMatrix.set(item, skills.length ? [...skills] : [UNKNOWN_SKILL_CODE]);
  };
  for (const [item, skills] of items ?? []) put(item, skills);
  for (const [item, skills] of fromAttempts) put(item, [...skills]);
  return {
    qMatrix,
    rows,
    users,
    items: itemNames,
    itemsWithoutQMatrixRow: items ? fromAttempts.size : 0,
    tasksWithUnknownSkill: unknown,
  };
}
