/**
 * One OneRoster CSV file read into rows (RFC 4180 through csv-parse: quoted fields, embedded commas,
 * quotes and line breaks; CRLF or LF; UTF-8 with or without a byte-order mark). Every problem is
 * collected with its line, never only the first: the admin fixes a file in one pass. Pure: no I/O.
 */
import { parse } from "csv-parse/sync";
import { MAX_FIELD_LENGTH, type RosterProblem, STATUSES, type RowStatus } from "./oneroster-format.js";

/** A data row: its 1-based line (where the record starts; the header is line 1) and its fields by column name. */
export interface RosterRow {
  readonly line: number;
  /** The trimmed value of a column ("" when the column is absent or empty). */
  get(column: string): string;
  /** `status` in a delta file; "active" in a bulk one (bulk rows have no status). */
  readonly status: RowStatus;
}

export interface CsvSpec {
  readonly required: readonly string[];
  readonly optional: readonly string[];
  /** Delta rows need `status` (active | tobedeleted) and `dateLastModified`. */
  readonly delta: boolean;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function readRosterCsv(file: string, bytes: Uint8Array, spec: CsvSpec): { rows: RosterRow[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const problem = (line: number, why: string) => problems.push({ file, line, why });
  try {
    UTF8.decode(bytes);
  } catch {
    problem(0, "is not UTF-8 text");
    return { rows: [], problems };
  }
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      encoding: "utf8",
    }) as unknown as { record: string[]; info: { bytes: number } }[];
  } catch (e) {
    const at = (e as { lines?: number }).lines;
    problem(typeof at === "number" ? at : 0, `is not valid CSV (${(e as Error).message.split(":")[0]})`);
    return { rows: [], problems };
  }
  if (records.length === 0) {
    problem(1, "has no header row");
    return { rows: [], problems };
  }
  const lineAt = lineOfOffset(bytes);
  const header = records[0]!.record.map((h) => h.trim());
  const index = new Map(header.map((name, i) => [name, i]));
  const needed = spec.delta ? [...spec.required, "status", "dateLastModified"] : spec.required;
  const missing = needed.filter((c) => !index.has(c));
  if (missing.length) {
    problem(1, `lacks the column${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`);
    return { rows: [], problems };
  }
  const rows: RosterRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { record } = records[r]!;
    const line = lineAt(records[r - 1]!.info.bytes);
    if (record.length !== header.length) {
      problem(line, `has ${record.length} fields where the header has ${header.length}`);
      continue;
    }
    const values = record.map((v) => v.trim());
    const bad = values.findIndex((v) => v.includes("\u0000"));
    if (bad >= 0) {
      problem(line, `${header[bad]} contains a NUL character`);
      continue;
    }
    const get = (column: string) => {
      const i = index.get(column);
      return i === undefined ? "" : values[i]!;
    };
    const empty = needed.filter((c) => get(c) === "");
    if (empty.length) {
      problem(line, `${empty.join(", ")} must not be empty`);
      continue;
    }
    const long = [...spec.required, ...spec.optional].find((c) => get(c).length > MAX_FIELD_LENGTH);
    if (long) {
      problem(line, `${long} is longer than ${MAX_FIELD_LENGTH} characters`);
      continue;
    }
    let status: RowStatus = "active";
    if (spec.delta) {
      const s = get("status");
      if (!(STATUSES as readonly string[]).includes(s)) {
        problem(line, `status must be one of ${STATUSES.join(", ")}`);
        continue;
      }
      status = s as RowStatus;
    }
    rows.push({ line, get, status });
  }
  return { rows, problems };
}

/** The 1-based line on which the byte at `offset` lies. */
function lineOfOffset(bytes: Uint8Array): (offset: number) => number {
  const breaks: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) breaks.push(i);
  return (at) => {
    // A record starts after the previous one's line break and any blank lines.
    let offset = at;
    while (offset < bytes.length && (bytes[offset] === 0x0a || bytes[offset] === 0x0d)) offset++;
    let lo = 0,
      hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (breaks[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
