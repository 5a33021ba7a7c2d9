/**
 * Writes an import's attempts after its catalogue, in batches: each batch one transaction of
 * `INSERT … ON CONFLICT DO NOTHING` from `unnest` arrays that also marks the learners it touched for
 * a state rebuild (optionally a few batches in flight at once on PostgreSQL). A batch that fails is
 * not written; earlier ones stay, and the failure says which are committed so that a re-run (which
 * skips them by their idempotency keys) can be trusted.
 */
import { DataSource, EntityManager } from "typeorm";
import { uuidv7s } from "../../shared/ids.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import type { CheckedImport, ImportOptions, ImportProgress } from "./import-options.js";
import type { ImportTally } from "./import-summary.js";
import type { RowTable, ScannedTraces } from "./trace-scan.js";
import type { CatalogIds } from "./catalog-writer.js";

export const IMPORT_SOURCE = "import";
/** Most attempt batches in flight at once, whatever is asked (each holds a pooled connection). */
const MAX_CONCURRENCY = 8;

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

/**
 * Marks learners' states for rebuild after an import batch ($1 school, $2 learner ids): the state
 * emptied, the attempts counted. Rows locked in learner id order, as every multi-learner write locks them.
 */
export const MARK_FOR_REBUILD_SQL = `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
  SELECT l.id, $1, NULL, '{}', (SELECT count(*) FROM attempt a WHERE a.learner_id = l.id), 1, now() FROM unnest($2::uuid[]) AS l(id)
  ORDER BY l.id
  ON CONFLICT (learner_id) DO UPDATE SET model_version_id = NULL, state = '{}', attempt_count = EXCLUDED.attempt_count,
    version = learner_state.version + 1, updated_at = now()`;

/** What the batches need: the checked options, the scanned rows and the catalogue's ids. */
export interface AttemptBatchJob {
  readonly checked: CheckedImport;
  readonly options: Pick<ImportOptions, "concurrency" | "beforeCommit">;
  readonly scanned: ScannedTraces;
  readonly ids: CatalogIds;
  /** The counts the batches add to (the import's tally). */
  readonly tally: Pick<ImportTally, "attempts" | "statesMarked" | "batches">;
  readonly onProgress: (p: ImportProgress) => void;
}

/** Why the batches stopped: the message says which batch failed and which are committed. */
export interface BatchFailure {
  readonly message: string;
  readonly cause: unknown;
}

/** Writes every batch; returns null when all committed, else the first failure (no later batch is started). */
export async function writeAttemptBatches(ds: DataSource, job: AttemptBatchJob): Promise<BatchFailure | null> {
  const { checked, options, scanned: catalog, ids, tally: s, onProgress: progress } = job;
  const { schoolId, batchSize, keyPrefix: prefix, baseTime } = checked;
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, options.concurrency ?? 1));
  const taskOf = catalog.items.map((i) => ids.tasks.get(i)!);
  const learnerOf = catalog.users.map((u) => ids.learners.get(u)!);
  const rows = catalog.rows;
  const marked = new Set<string>();
  const committed: { number: number; first: number; last: number }[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: BatchError | null = null;
  for (let start = 0, number = 1; start < rows.length && !failure; start += batchSize, number++) {
    const end = Math.min(rows.length, start + batchSize);
    const batch = batchArrays(rows, start, end, catalog.users, learnerOf, taskOf);
    const first = rows.line[start]!;
    const last = rows.line[end - 1]!;
    const n = number;
    // Re-run when PostgreSQL aborts it to break a deadlock (with attempts recorded meanwhile): the
    // batch rolled back whole, and its inserts are idempotent.
    const p: Promise<void> = withConflictRetry(
      () =>
        ds.transaction(async (m): Promise<{ added: number; learners: string[] }> => {
          const written = await writeAttempts(m, schoolId, batch, prefix, baseTime);
          await options.beforeCommit?.(n);
          return written;
        }),
      `import batch ${n}`,
    )
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
  if (!failed) return null;
  const why = (failed.cause as Error)?.message ?? String(failed.cause);
  committed.sort((x, y) => x.number - y.number);
  let prefixEnd = 0;
  while (prefixEnd < committed.length && committed[prefixEnd]!.number === prefixEnd + 1) prefixEnd++;
  const upTo = prefixEnd
    ? `${prefixEnd > 1 ? `batches 1–${prefixEnd}` : "batch 1"} (attempts.csv lines ${rows.line[0]}–${committed[prefixEnd - 1]!.last}) ${prefixEnd > 1 ? "are" : "is"} committed`
    : "no batch of attempts was committed (the catalogue of skills, tasks and learners is)";
  const extra = committed.slice(prefixEnd).map((c) => `batch ${c.number} (lines ${c.first}–${c.last})`);
  const done = `${upTo}${extra.length ? `, and also ${extra.join(", ")}` : ""}: ${s.attempts.added} attempts added, ${s.attempts.present} already present`;
  return {
    message: `${why}; batch ${failed.number} (attempts.csv lines ${failed.first}–${failed.last}) was not written; ${done}. Fix the cause and run the import again: what is already imported is skipped.`,
    cause: failed.cause,
  };
}

interface BatchArrays {
  ids: string[];
  learners: string[];
  tasks: string[];
  correct: boolean[];
  order: number[];
  suffix: string[];
}

/** A batch's failure with the attempts.csv lines it held, for the message. */
class BatchError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly number: number,
    readonly first: number,
    readonly last: number,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The columns of one batch, ready for `unnest`. */
function batchArrays(
  rows: RowTable,
  start: number,
  end: number,
  users: readonly string[],
  learnerOf: readonly string[],
  taskOf: readonly string[],
): BatchArrays {
  const n = end - start;
  const b: BatchArrays = {
    ids: uuidv7s(n),
    learners: new Array(n),
    tasks: new Array(n),
    correct: new Array(n),
    order: new Array(n),
    suffix: new Array(n),
  };
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

async function writeAttempts(
  m: EntityManager,
  schoolId: string,
  b: BatchArrays,
  prefix: string,
  baseTime: Date,
): Promise<{ added: number; learners: string[] }> {
  const inserted: { learner_id: string; n: number }[] = await m.query(WRITE_ATTEMPTS_SQL, [
    schoolId,
    baseTime.toISOString(),
    IMPORT_SOURCE,
    prefix,
    b.ids,
    b.learners,
    b.tasks,
    b.correct,
    b.order,
    b.suffix,
  ]);
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
