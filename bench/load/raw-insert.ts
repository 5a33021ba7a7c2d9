/**
 * The database's own limit for batched ingestion (forked by bench/load.ts once the server has
 * stopped): C loops, each inserting `batchSize` attempt rows per multi-row `INSERT … VALUES` into the
 * run copy's attempt table — the same rows as the batched calls (batched.ts's generator), the table's
 * indexes and constraints, and nothing else (no HTTP, GraphQL, checks, model update or state save).
 *
 * PostgreSQL: `pg`, one connection per loop (C connections). PGlite: PGlite's own client in this
 * process on the run copy's folder — one connection, as in the server, so C loops queue on it as the
 * server's requests do; its "concurrency" is that of the callers, the database runs one statement at
 * a time in both cases.
 */
import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { uuidv7 } from "../../src/shared/ids.js";
import type { DbKind } from "../api/args.js";
import { snapshot, usage } from "../api/cpu.js";
import { serveForked } from "../api/fork.js";
import { type LoadPlan, rng } from "../api/load.js";
import { quantile } from "../api/stats.js";
import { type AttemptInput, attemptBatches } from "./batched.js";

export interface RawPlan extends Pick<LoadPlan, "learners" | "taskIds" | "runId" | "seed"> {
  readonly db: DbKind;
  /** The server's database environment: DATABASE_URL or ZPD_DATA_DIR. */
  readonly env: Record<string, string>;
  readonly schoolId: string;
  readonly concurrency: number[];
  readonly seconds: number;
  readonly batchSize: number;
  readonly batchLearners: number;
  /** The PostgreSQL database whose backends' CPU to count (null: PGlite, in this process). */
  readonly dbName: string | null;
}

export interface RawLevel {
  readonly concurrency: number;
  readonly statements: number;
  readonly rowsPerSecond: number;
  readonly statementsPerSecond: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly errors: number;
  readonly errorSamples: string[];
  /** CPU of this process (the client; with PGlite the database too) and of the PostgreSQL backends, % of one core. */
  readonly clientBusyPct: number;
  readonly dbBusyPct: number;
}

/** Runs a statement; the database's handle of one loop. */
type Exec = (sql: string, params: unknown[]) => Promise<unknown>;

export interface RawDatabase {
  /** `connections` handles for as many loops (PGlite: the same one connection); closes the previous ones. */
  open(connections: number): Promise<Exec[]>;
  close(): Promise<void>;
}

/** The run copy, opened directly (no server, no TypeORM). */
export async function openRaw(db: DbKind, env: Record<string, string>): Promise<RawDatabase> {
  if (db === "pglite") {
    const lite = await PGlite.create({ dataDir: env.ZPD_DATA_DIR });
    await lite.waitReady;
    return {
      open: async (n) => Array.from({ length: n }, () => (sql: string, params: unknown[]) => lite.query(sql, params)),
      close: () => lite.close(),
    };
  }
  // One client per loop, connected before the loops start (the server's pool is connected by then too).
  const open: pg.Client[] = [];
  const closeAll = async () => {
    await Promise.all(open.splice(0).map((c) => c.end().catch(() => {})));
  };
  return {
    open: async (n) => {
      await closeAll();
      for (let i = 0; i < n; i++) {
        const c = new pg.Client({ connectionString: env.DATABASE_URL });
        await c.connect();
        open.push(c);
      }
      return open.map((c) => (sql: string, params: unknown[]) => c.query(sql, params));
    },
    close: closeAll,
  };
}

const COLUMNS = "id, school_id, learner_id, task_id, correct, score, duration_seconds, hints_used, occurred_at, source, idempotency_key";

function insertSql(rows: number): string {
  const per = COLUMNS.split(",").length;
  const values = Array.from({ length: rows }, (_, r) => `(${Array.from({ length: per }, (_, c) => `$${r * per + c + 1}`).join(", ")})`);
  return `INSERT INTO attempt (${COLUMNS}) VALUES ${values.join(", ")}`;
}

/** The row the service writes for an input (AttemptService.normalise: score 1 or 0, no hints, occurred now). */
function params(schoolId: string, inputs: readonly AttemptInput[]): unknown[] {
  const now = new Date().toISOString();
  return inputs.flatMap((a) => [
    uuidv7(),
    schoolId,
    a.learnerId,
    a.taskId,
    a.correct,
    a.correct ? 1 : 0,
    a.durationSeconds,
    0,
    now,
    a.source,
    a.idempotencyKey,
  ]);
}

export async function runRawInsert(plan: RawPlan, log: (msg: string) => void): Promise<RawLevel[]> {
  const next = attemptBatches(plan, rng(plan.seed), plan.batchSize, plan.batchLearners);
  const sql = insertSql(plan.batchSize);
  const database = await openRaw(plan.db, plan.env);
  const levels: RawLevel[] = [];
  try {
    for (const c of plan.concurrency) {
      const execs = await database.open(c);
      for (const exec of execs) await exec(sql, params(plan.schoolId, next())); // warm: the statement planned, the pages cached
      log(`raw INSERT of ${plan.batchSize} rows: ${c} loop${c === 1 ? "" : "s"}, ${plan.seconds} s`);
      const before = snapshot(process.pid, plan.dbName);
      const ms: number[] = [];
      const errors: string[] = [];
      const start = performance.now();
      await Promise.all(
        execs.map(async (exec) => {
          while (performance.now() - start < plan.seconds * 1000) {
            const t = performance.now();
            try {
              await exec(sql, params(plan.schoolId, next()));
              ms.push(performance.now() - t);
            } catch (e) {
              errors.push((e as Error).message);
            }
          }
        }),
      );
      const elapsed = performance.now() - start;
      const cpu = usage(before, process.pid, plan.dbName);
      ms.sort((a, b) => a - b);
      const r2 = (x: number) => Math.round(x * 100) / 100;
      const level: RawLevel = {
        concurrency: c,
        statements: ms.length + errors.length,
        rowsPerSecond: Math.round((ms.length * plan.batchSize) / (elapsed / 1000)),
        statementsPerSecond: r2(ms.length / (elapsed / 1000)),
        p50_ms: r2(quantile(ms, 0.5)),
        p99_ms: r2(quantile(ms, 0.99)),
        errors: errors.length,
        errorSamples: [...new Set(errors)].slice(0, 5),
        clientBusyPct: Math.round((100 * cpu.serverMs) / elapsed),
        dbBusyPct: Math.round((100 * cpu.dbMs) / elapsed),
      };
      log(`  ${level.rowsPerSecond} rows/s (${level.statementsPerSecond} statements/s), p50 ${level.p50_ms} ms, p99 ${level.p99_ms} ms`);
      levels.push(level);
    }
    return levels;
  } finally {
    await database.close();
  }
}

if (require.main === module) serveForked(runRawInsert);
