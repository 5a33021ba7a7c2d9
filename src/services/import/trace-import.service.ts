/**
 * Imports traces in the benchmark folder format (../shared/data/README.md) into one school: how an
 * operator brings history from another system (`npm run import`).
 *
 * Mapping (all rows belong to the one school; nothing personal is stored):
 * - skill   `code` = the external skill id, name "Skill <id>".
 * - task    `code` = the item id, title "Item <id>", kind EXERCISE, 60 s expected. Its Q-matrix:
 *           from items.csv when the folder has one (it wins: in the benchmark format attempts.csv's
 *           skill_id may use another numbering — in assist2009 it numbers the 149 skill COMBINATIONS,
 *           items.csv the 123 single skills — so mixing them would invent skills); an item missing
 *           from items.csv, or every item when there is no items.csv, gets the distinct non-missing
 *           skill_ids of its attempt rows. Each cell has weight 1 (as the benchmark loader: every
 *           skill of an item is fully exercised; the API's default too). An item left with no skill
 *           (only empty/NaN skill ids) gets the skill `import.unknown` ("Unknown skill"), so that its
 *           attempts still reach the models. The import only ADDS missing Q-matrix cells; it never
 *           removes or reweights those of an existing task.
 * - learner `external_ref` = user_id (a pseudonymous id; no profile is written).
 * - attempt `idempotency_key` = `import:<label>:<user_id>:<order_id>` (label = the folder's name
 *           unless given), `source` = "import", `score` = correct, no duration, no hints.
 *           `occurred_at` = base instant (default 2000-01-01T00:00:00Z) + order_id seconds: the
 *           format has no timestamps, so this keeps each learner's attempts in order_id order, places
 *           imported history before any live attempt, and is the same on every run.
 *
 * Consent: the traces come from another system, under that system's terms. The import records no
 * consent unless asked (`consent` purposes): then it writes a consent row granted by SCHOOL for each
 * imported learner WITHOUT a decision for that purpose (an existing one, granted or refused, is never
 * changed). By default nothing imported is used for training or personalisation.
 *
 * Learner states: every learner that received new attempts has its learner_state marked for rebuild
 * (attempt_count = its attempts, state '{}', model_version_id NULL), so that the next promotion or
 * recorded attempt replays the full history. The engine is not called here.
 *
 * Flow: items.csv is read; attempts.csv is streamed once, every line checked (a bad line stops the
 * import before anything is written) and kept as compact typed-array rows (indexes into the distinct
 * user and item ids, not a string per row); the catalogue (skills, tasks, Q-matrix, learners,
 * consents) is written in one transaction; then the attempts in batches, each one transaction of
 * `INSERT … ON CONFLICT DO NOTHING` from `unnest` arrays (optionally a few batches in flight at once
 * on PostgreSQL). A batch that fails is not written; earlier ones stay, the error says which are
 * committed, and a re-run skips them (idempotent: a second run adds nothing).
 *
 * Not checked: an attempt already present under its key is counted "already present" even if the
 * file now says something else for it (attempts are append-only facts; the first import wins).
 */
import fs from "node:fs";
import path from "node:path";
import { DataSource, EntityManager } from "typeorm";
import { isUuid, uuidv7, uuidv7s } from "../../shared/ids.js";
import { BadInputError } from "../common/domain-error.js";
import { insertSchool } from "../school/school-fields.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { ConsentGrantor, ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { TaskKind } from "../../persistence/curriculum/task.entity.js";
import {
  AttemptColumns, AttemptRow, LineSplitter, MAX_ORDER_ID, TraceFormatError,
  parseAttemptLine, parseAttemptsHeader, parseItemLine, parseItemsHeader,
} from "./trace-csv.js";

export const DEFAULT_BATCH = 5000;
export const MAX_BATCH = 100_000;
/** The instant order_id 0 maps to. */
export const DEFAULT_BASE_TIME = new Date("2000-01-01T00:00:00.000Z");
export const UNKNOWN_SKILL_CODE = "import.unknown";
export const IMPORT_SOURCE = "import";
const LABEL_RE = /^[\w.-]{1,64}$/;
const MAX_KEY = 200;

export interface ImportOptions {
  /** The folder holding attempts.csv (and optionally items.csv). */
  readonly folder: string;
  readonly schoolId: string;
  /** Attempts per transaction (default 5000). */
  readonly batchSize?: number;
  /** The name in the idempotency keys; defaults to the folder's name. */
  readonly label?: string;
  /** Consent purposes to record as granted by SCHOOL for imported learners without a decision. */
  readonly consent?: readonly ConsentPurpose[];
  /** occurred_at of order_id 0 (default 2000-01-01T00:00:00Z). */
  readonly baseTime?: Date;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Called inside each attempt batch's transaction, before it commits (tests simulate a crash). */
  readonly beforeCommit?: (batch: number) => void | Promise<void>;
  /**
   * Attempt batches written at once (default 1). Several need as many pooled connections: never
   * more than 1 on PGlite (a pool of one). Each batch stays one transaction.
   */
  readonly concurrency?: number;
}

export interface ImportProgress {
  readonly phase: "scan" | "catalog" | "attempts";
  readonly done: number;
  readonly total: number;
  /** Unit of done/total: bytes of attempts.csv while scanning, attempts afterwards. */
  readonly unit: "bytes" | "attempts";
}

export interface Counts {
  added: number;
  present: number;
}

export interface ImportSummary {
  readonly schoolId: string;
  readonly label: string;
  readonly skills: Counts;
  readonly tasks: Counts;
  /** Q-matrix cells (task_skill rows). */
  readonly taskSkills: Counts;
  readonly learners: Counts;
  readonly attempts: Counts;
  readonly consents: Counts;
  /** Learner states marked for rebuild. */
  readonly statesMarked: number;
  readonly batches: number;
  /** Items of attempts.csv missing from items.csv (their skills came from skill_id). */
  readonly itemsWithoutQMatrixRow: number;
  /** Tasks given the `import.unknown` skill. */
  readonly tasksWithUnknownSkill: number;
  readonly seconds: number;
  /** Attempts read per second over the whole run. */
  readonly attemptsPerSecond: number;
}

/** The import stopped. `summary` tells what was committed before (see `message`). */
/**
 * One batch of attempts: ids, learners, tasks, outcomes, order ids and key suffixes as parallel arrays;
 * $1 school, $2 base time (occurred_at = base + order id seconds), $3 source, $4 key prefix. Returns
 * the attempts added per learner (a key already present adds nothing). Exported for the jobs benchmark.
 */
export const WRITE_ATTEMPTS_SQL = `WITH ins AS (
         INSERT INTO attempt (id, school_id, learner_id, task_id, correct, score, duration_seconds, hints_used, occurred_at, source, idempotency_key)
         SELECT u.id, $1, u.learner_id, u.task_id, u.correct, CASE WHEN u.correct THEN 1 ELSE 0 END, NULL, 0,
                $2::timestamptz + u.ord::float8 * interval '1 second', $3, $4::text || u.suffix
         FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::bool[], $9::int8[], $10::text[]) AS u(id, learner_id, task_id, correct, ord, suffix)
         ON CONFLICT (school_id, idempotency_key) DO NOTHING
         RETURNING learner_id)
       SELECT learner_id, count(*)::int AS n FROM ins GROUP BY learner_id`;

export class ImportFailedError extends Error {
  constructor(message: string, readonly summary: ImportSummary, override readonly cause: unknown) {
    super(message);
    this.name = "ImportFailedError";
  }
}

/** Bad options or a missing file/school (nothing written). */
export class ImportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportInputError";
  }
}

interface Catalog {
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
class RowTable {
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

/** Creates a school for an import (`--create-school`). */
export async function createSchool(ds: DataSource, name: string, timeZone = "UTC"): Promise<string> {
  try {
    return (await insertSchool(ds, name, timeZone)).id;
  } catch (e) {
    if (e instanceof BadInputError) throw new ImportInputError(e.message);
    throw e;
  }
}

export class TraceImportService {
  constructor(private readonly ds: DataSource) {}

  async run(options: ImportOptions): Promise<ImportSummary> {
    const started = Date.now();
    const folder = path.resolve(options.folder);
    const attemptsFile = path.join(folder, "attempts.csv");
    const itemsFile = path.join(folder, "items.csv");
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) throw new ImportInputError(`the batch size must be an integer from 1 to ${MAX_BATCH}, got ${batchSize}`);
    const label = options.label ?? path.basename(folder);
    if (!LABEL_RE.test(label)) throw new ImportInputError(`the label "${label}" (the folder's name unless given) may hold 1–64 letters, digits and . _ - only: pass --label <name>`);
    const baseTime = options.baseTime ?? DEFAULT_BASE_TIME;
    if (Number.isNaN(baseTime.getTime())) throw new ImportInputError("the base time is not a valid date");
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new ImportInputError(`${folder} is not a folder`);
    if (!fs.existsSync(attemptsFile)) throw new ImportInputError(`${attemptsFile} does not exist (the folder needs attempts.csv: user_id,item_id,skill_id,correct,order_id)`);
    if (!isUuid(options.schoolId)) throw new ImportInputError(`--school must be a school id (a uuid), got "${options.schoolId}"`);
    const school: unknown[] = await this.ds.query(`SELECT 1 FROM school WHERE id = $1`, [options.schoolId]);
    if (school.length === 0) throw new ImportInputError(`there is no school ${options.schoolId} in this database (create one with --create-school "<name>")`);

    const schoolId = options.schoolId;
    const prefix = `import:${label}:`;
    const progress = options.onProgress ?? (() => {});
    const zero = (): Counts => ({ added: 0, present: 0 });
    const s = {
      skills: zero(), tasks: zero(), taskSkills: zero(), learners: zero(), attempts: zero(), consents: zero(),
      statesMarked: 0, batches: 0, itemsWithoutQMatrixRow: 0, tasksWithUnknownSkill: 0,
    };
    const summary = (): ImportSummary => {
      const seconds = (Date.now() - started) / 1000;
      const read = s.attempts.added + s.attempts.present;
      return { schoolId, label, ...s, seconds, attemptsPerSecond: seconds > 0 ? Math.round(read / seconds) : 0 };
    };

    // 1. Read and check everything before writing anything.
    let catalog: Catalog;
    try {
      const qMatrixFile = fs.existsSync(itemsFile) ? await readItems(itemsFile) : null;
      catalog = await scanAttempts(attemptsFile, qMatrixFile, prefix, (done, total) => progress({ phase: "scan", done, total, unit: "bytes" }));
    } catch (e) {
      const why = (e as Error)?.message ?? String(e);
      throw new ImportFailedError(`${why}; nothing was written (the files are checked in full before anything is written)`, summary(), e);
    }
    s.itemsWithoutQMatrixRow = catalog.itemsWithoutQMatrixRow;
    s.tasksWithUnknownSkill = catalog.tasksWithUnknownSkill;

    // 2. The catalogue, in one transaction.
    progress({ phase: "catalog", done: 0, total: catalog.rows.length, unit: "attempts" });
    let ids: { tasks: Map<string, string>; learners: Map<string, string> };
    try {
      ids = await this.ds.transaction((m) => this.writeCatalog(m, schoolId, catalog, options.consent ?? [], batchSize, s));
    } catch (e) {
      for (const c of [s.skills, s.tasks, s.taskSkills, s.learners, s.consents]) c.added = c.present = 0;
      throw new ImportFailedError(`${(e as Error)?.message ?? String(e)}; the catalogue (skills, tasks, learners) was rolled back: nothing was written`, summary(), e);
    }

    // 3. The attempts, batch by batch (up to `concurrency` batches in flight on PostgreSQL).
    const concurrency = Math.max(1, Math.min(8, options.concurrency ?? 1));
    const taskOf = catalog.items.map((i) => ids.tasks.get(i)!);
    const learnerOf = catalog.users.map((u) => ids.learners.get(u)!);
    const rows = catalog.rows;
    const marked = new Set<string>();
    const committed: { number: number; first: number; last: number }[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: BatchError | null = null;
    for (let start = 0, number = 1; start < rows.length && !failure; start += batchSize, number++) {
      const end = Math.min(rows.length, start + batchSize);
      const batch = this.batchArrays(rows, start, end, catalog.users, learnerOf, taskOf);
      const first = rows.line[start]!;
      const last = rows.line[end - 1]!;
      const n = number;
      // Re-run when PostgreSQL aborts it to break a deadlock (with attempts recorded meanwhile): the
      // batch rolled back whole, and its inserts are idempotent.
      const p: Promise<void> = withConflictRetry(() => this.ds.transaction(async (m): Promise<{ added: number; learners: string[] }> => {
        const written = await this.writeAttempts(m, schoolId, batch, prefix, baseTime);
        await options.beforeCommit?.(n);
        return written;
      }), `import batch ${n}`)
        .then(
          (r) => {
            s.attempts.added += r.added;
            s.attempts.present += end - start - r.added;
            for (const l of r.learners) marked.add(l);
            s.statesMarked = marked.size;
            s.batches++;
            committed.push({ number: n, first, last });
            progress({ phase: "attempts", done: s.attempts.added + s.attempts.present, total: rows.length, unit: "attempts" });
          },
          (e) => {
            if (!failure || n < failure.number) failure = new BatchError(e, n, first, last);
          },
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
      while (inflight.size >= concurrency) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    const failed = failure as BatchError | null;
    if (failed) {
      const why = (failed.cause as Error)?.message ?? String(failed.cause);
      committed.sort((x, y) => x.number - y.number);
      let prefixEnd = 0;
      while (prefixEnd < committed.length && committed[prefixEnd]!.number === prefixEnd + 1) prefixEnd++;
      const upTo = prefixEnd
        ? `${prefixEnd > 1 ? `batches 1–${prefixEnd}` : "batch 1"} (attempts.csv lines ${rows.line[0]}–${committed[prefixEnd - 1]!.last}) ${prefixEnd > 1 ? "are" : "is"} committed`
        : "no batch of attempts was committed (the catalogue of skills, tasks and learners is)";
      const extra = committed.slice(prefixEnd).map((c) => `batch ${c.number} (lines ${c.first}–${c.last})`);
      const done = `${upTo}${extra.length ? `, and also ${extra.join(", ")}` : ""}: ${s.attempts.added} attempts added, ${s.attempts.present} already present`;
      throw new ImportFailedError(
        `${why}; batch ${failed.number} (attempts.csv lines ${failed.first}–${failed.last}) was not written; ${done}. Fix the cause and run the import again: what is already imported is skipped.`,
        summary(), failed.cause);
    }
    return summary();
  }

  private async writeCatalog(m: EntityManager, schoolId: string, c: Catalog, consent: readonly ConsentPurpose[], chunk: number, s: {
    skills: Counts; tasks: Counts; taskSkills: Counts; learners: Counts; consents: Counts;
  }): Promise<{ tasks: Map<string, string>; learners: Map<string, string> }> {
    const skillCodes = [...new Set([...c.qMatrix.values()].flat())];
    const skills = await upsertByKey(m, "skill", schoolId, "code", skillCodes, chunk, s.skills,
      ["name", "description"], ["text", "text"], (code) => [code === UNKNOWN_SKILL_CODE ? "Unknown skill (imported without a skill id)" : `Skill ${code}`, ""]);
    const items = [...c.qMatrix.keys()];
    const tasks = await upsertByKey(m, "task", schoolId, "code", items, chunk, s.tasks,
      ["title", "kind", "expected_duration_seconds"], ["text", "text", "int"], (code) => [`Item ${code}`, TaskKind.Exercise, 60]);
    const cells: [string, string][] = [];
    for (const [item, codes] of c.qMatrix) for (const code of codes) cells.push([tasks.get(item)!, skills.get(code)!]);
    for (let i = 0; i < cells.length; i += chunk) {
      const part = cells.slice(i, i + chunk);
      const added: unknown[] = await m.query(
        `INSERT INTO task_skill (id, school_id, task_id, skill_id, weight)
         SELECT u.id, $1, u.task_id, u.skill_id, 1 FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS u(id, task_id, skill_id)
         ON CONFLICT (task_id, skill_id) DO NOTHING RETURNING 1`,
        [schoolId, part.map(() => uuidv7()), part.map((p) => p[0]), part.map((p) => p[1])],
      );
      s.taskSkills.added += added.length;
      s.taskSkills.present += part.length - added.length;
    }
    const learners = await upsertByKey(m, "learner", schoolId, "external_ref", c.users, chunk, s.learners, [], [], () => []);
    for (const purpose of consent) {
      const learnerIds = [...learners.values()];
      for (let i = 0; i < learnerIds.length; i += chunk) {
        const part = learnerIds.slice(i, i + chunk);
        const added: unknown[] = await m.query(
          `INSERT INTO consent (id, school_id, learner_id, purpose, granted, granted_by)
           SELECT u.id, $1, u.learner_id, $2, true, $3 FROM unnest($4::uuid[], $5::uuid[]) AS u(id, learner_id)
           ON CONFLICT (learner_id, purpose) DO NOTHING RETURNING 1`,
          [schoolId, purpose, ConsentGrantor.School, part.map(() => uuidv7()), part],
        );
        s.consents.added += added.length;
        s.consents.present += part.length - added.length;
      }
    }
    return { tasks, learners };
  }

  /** The columns of one batch, ready for `unnest`. */
  private batchArrays(rows: RowTable, start: number, end: number, users: readonly string[], learnerOf: readonly string[], taskOf: readonly string[]): BatchArrays {
    const n = end - start;
    const b: BatchArrays = { ids: uuidv7s(n), learners: new Array(n), tasks: new Array(n), correct: new Array(n), order: new Array(n), suffix: new Array(n) };
    for (let i = 0; i < n; i++) {
      const r = start + i;
      const u = rows.user[r]!;
      const o = rows.order[r]!;
      b.learners[i] = learnerOf[u]!;
      b.tasks[i] = taskOf[rows.item[r]!]!;
      b.correct[i] = rows.correct[r] === 1;
      b.order[i] = o;
      b.suffix[i] = `${users[u]}:${o}`;
    }
    return b;
  }

  private async writeAttempts(m: EntityManager, schoolId: string, b: BatchArrays, prefix: string, baseTime: Date): Promise<{ added: number; learners: string[] }> {
    const inserted: { learner_id: string; n: number }[] = await m.query(
      WRITE_ATTEMPTS_SQL,
      [schoolId, baseTime.toISOString(), IMPORT_SOURCE, prefix, b.ids, b.learners, b.tasks, b.correct, b.order, b.suffix],
    );
    const added = inserted.reduce((a, r) => a + Number(r.n), 0);
    if (inserted.length > 0) {
      // Marked for rebuild: the next promotion or recorded attempt replays the whole history. The
      // lock serialises this step (only) between concurrent batches, until commit: a learner whose
      // attempts span two batches then counts both, whichever commits first.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`zpd-import-states:${schoolId}`]);
      await m.query(MARK_FOR_REBUILD_SQL, [schoolId, inserted.map((r) => r.learner_id)]);
    }
    return { added, learners: inserted.map((r) => r.learner_id) };
  }
}

/**
 * Marks learners' states for rebuild after an import batch ($1 school, $2 learner ids): the state
 * emptied, the attempts counted. Rows locked in learner id order, as every multi-learner write locks them.
 */
export const MARK_FOR_REBUILD_SQL = `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
  SELECT l.id, $1, NULL, '{}', (SELECT count(*) FROM attempt a WHERE a.learner_id = l.id), 1, now() FROM unnest($2::uuid[]) AS l(id)
  ORDER BY l.id
  ON CONFLICT (learner_id) DO UPDATE SET model_version_id = NULL, state = '{}', attempt_count = EXCLUDED.attempt_count,
    version = learner_state.version + 1, updated_at = now()`;

interface BatchArrays {
  ids: string[];
  learners: string[];
  tasks: string[];
  correct: boolean[];
  order: number[];
  suffix: string[];
}

class BatchError extends Error {
  constructor(override readonly cause: unknown, readonly number: number, readonly first: number, readonly last: number) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/**
 * Inserts the keys missing from the school (`ON CONFLICT DO NOTHING`) and returns key → id for all.
 * Counts what was added and what was already there.
 */
async function upsertByKey(m: EntityManager, table: "skill" | "task" | "learner", schoolId: string, keyCol: "code" | "external_ref", keys: readonly string[],
  chunk: number, counts: Counts, extraCols: string[], extraTypes: string[], extra: (key: string) => unknown[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const conflict = table === "learner" ? `(school_id, external_ref) WHERE external_ref IS NOT NULL` : `(school_id, code)`;
  for (let i = 0; i < keys.length; i += chunk) {
    const part = keys.slice(i, i + chunk);
    const extras = part.map(extra);
    const cols = ["id", keyCol, ...extraCols];
    const arrays: unknown[][] = [part.map(() => uuidv7()), part, ...extraCols.map((_, c) => extras.map((e) => e[c]))];
    const types = ["uuid", "text", ...extraTypes];
    const added: unknown[] = await m.query(
      `INSERT INTO "${table}" (school_id, ${cols.join(", ")})
       SELECT $1, ${cols.map((c) => `u.${c}`).join(", ")} FROM unnest(${types.map((t, k) => `$${k + 2}::${t}[]`).join(", ")}) AS u(${cols.join(", ")})
       ON CONFLICT ${conflict} DO NOTHING RETURNING 1`,
      [schoolId, ...arrays],
    );
    counts.added += added.length;
    counts.present += part.length - added.length;
    const found: { id: string; key: string }[] = await m.query(`SELECT id, ${keyCol} AS key FROM "${table}" WHERE school_id = $1 AND ${keyCol} = ANY($2::text[])`, [schoolId, part]);
    for (const f of found) out.set(f.key, f.id);
  }
  return out;
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
async function forEachAttempt(file: string, fn: (row: AttemptRow) => void | Promise<void>, onBytes?: (bytes: number) => void): Promise<void> {
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
async function scanAttempts(file: string, items: Map<string, string[]> | null, prefix: string, onBytes: (done: number, total: number) => void): Promise<Catalog> {
  const total = fs.statSync(file).size;
  const fromAttempts = new Map<string, Set<string>>();
  const userIndex = new Map<string, number>();
  const users: string[] = [];
  const lastOrder: number[] = [];
  const lastLine: number[] = [];
  const itemIndex = new Map<string, number>();
  const itemNames: string[] = [];
  const rows = new RowTable();
  await forEachAttempt(file, (r) => {
    let u = userIndex.get(r.userId);
    if (u === undefined) {
      userIndex.set(r.userId, (u = users.length));
      users.push(r.userId);
      lastOrder.push(-1);
      lastLine.push(0);
      const key = `${prefix}${r.userId}:${MAX_ORDER_ID}`;
      if (key.length > MAX_KEY) throw new TraceFormatError("attempts.csv", r.line, `user_id "${r.userId}" is too long for the idempotency key "${prefix}<user_id>:<order_id>" (at most ${MAX_KEY} characters): shorten the label`);
    } else if (r.orderId <= lastOrder[u]!) {
      throw new TraceFormatError("attempts.csv", r.line, `order_id ${r.orderId} of user ${r.userId} does not increase (${lastOrder[u]} at line ${lastLine[u]}): each learner's attempts must have increasing order_ids`);
    }
    lastOrder[u] = r.orderId;
    lastLine[u] = r.line;
    let i = itemIndex.get(r.itemId);
    if (i === undefined) {
      itemIndex.set(r.itemId, (i = itemNames.length));
      itemNames.push(r.itemId);
    }
    rows.push(u, i, r.orderId, r.correct, r.line);
    if (items?.has(r.itemId)) return;
    let set = fromAttempts.get(r.itemId);
    if (!set) fromAttempts.set(r.itemId, (set = new Set()));
    if (r.skillId !== null) set.add(r.skillId);
  }, (bytes) => onBytes(bytes, total));
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
