/**
 * Opens the system of record: a real PostgreSQL server when a URL is given, else embedded PGlite
 * (PostgreSQL in WASM) in a folder or in memory — on the calling thread, or on a worker thread of its
 * own (`thread`, ZPD_PGLITE_THREAD: pglite-thread.ts). TypeORM talks to PGlite through PGlite's own
 * node-postgres adapter with a pool of ONE connection (never typeorm-pglite: its "connections" share
 * one PGlite session, so a rolled-back transaction's rows stayed visible to the others).
 */
import { DataSource, MigrationExecutor } from "typeorm";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { entities } from "./entities.js";
import { migrations } from "../../migrations/index.js";
import { SnakeNamingStrategy } from "./naming-strategy.js";
import { lockDataDir } from "./data-dir-lock.js";
import { QueryCounter } from "./query-counter.js";
import { PGliteThread } from "./pglite-thread.js";

export interface DatabaseOptions {
  /** postgres:// URL of a real server. */
  readonly url?: string;
  /** Folder of the embedded database; undefined = in memory. Ignored with `url`. */
  readonly dataDir?: string;
  /** A snapshot from `dumpDataDir` (a tar, gzipped or not) to start the embedded database from (tests). */
  readonly loadDataDir?: Blob;
  /** Pool size for a real server. */
  readonly poolSize?: number;
  /** Embedded: run PGlite on a worker thread (the database gets a core of its own). Not with `loadDataDir`. */
  readonly thread?: boolean;
  /**
   * A real server: how long a statement waits for a pool connection, free or new, before it fails (pg's
   * `connectionTimeoutMillis`: a pool exhausted, or a server that does not answer); unset or 0: for ever.
   */
  readonly connectTimeoutMs?: number;
  /**
   * A real server: PostgreSQL's `statement_timeout` for every connection of this pool, sent with the
   * connection's start-up (no extra round trip); unset or 0: none. Given to the API server's pool only
   * (app.ts): batch work runs on pools without it. PGlite has no statement timeout (it ignores the
   * setting: a statement runs to its end).
   */
  readonly statementTimeoutMs?: number;
}

export interface Database {
  readonly dataSource: DataSource;
  readonly kind: "postgres" | "pglite";
  /** The PGlite handle when embedded on this thread (for snapshots). */
  readonly pglite?: PGlite;
  /** Number of SQL statements sent so far (tests use it to catch N+1 queries). */
  readonly queries: QueryCounter;
  close(): Promise<void>;
}

const common = {
  type: "postgres" as const,
  entities,
  migrations,
  namingStrategy: new SnakeNamingStrategy(),
  synchronize: false,
  migrationsRun: false,
  logging: false,
  // Optional GraphQL arguments arrive as undefined: treat `where: { x: undefined }` as "no condition".
  invalidWhereValuesBehavior: { undefined: "ignore" as const, null: "sql-null" as const },
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const queries = new QueryCounter();
  if (options.url) {
    const dataSource = new DataSource({
      ...common,
      logger: queries,
      url: options.url,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMS: options.connectTimeoutMs || undefined,
      extra: options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : undefined,
    });
    await dataSource.initialize();
    return { dataSource, kind: "postgres", queries, close: () => dataSource.destroy() };
  }
  if (options.thread && options.loadDataDir) throw new Error("a PGlite snapshot loads on the calling thread only");
  const release = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  let pglite: PGlite | PGliteThread | undefined;
  try {
    pglite = options.thread
      ? new PGliteThread(options.dataDir)
      : await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
    // Opened here, where a failure is caught: node-postgres would only meet it in a promise it never awaits.
    await pglite.waitReady;
    // The adapter needs only `waitReady` and `execProtocolStream`, which the thread's stand-in has.
    const dataSource = new DataSource({ ...common, logger: queries, poolSize: 1, extra: { ...createPgConfig(pglite as PGlite) } });
    await dataSource.initialize();
    const handle = pglite;
    return {
      dataSource,
      kind: "pglite",
      pglite: handle instanceof PGlite ? handle : undefined,
      queries,
      close: async () => {
        try {
          if (dataSource.isInitialized) await dataSource.destroy();
        } finally {
          try {
            await handle.close();
          } finally {
            release();
          }
        }
      },
    };
  } catch (e) {
    await pglite?.close().catch(() => {});
    release();
    throw e;
  }
}

/**
 * Applies pending migrations (each in its transaction); returns the names applied. They run on one
 * connection whose statement timeout is lifted first: a migration may rewrite a whole table, and the API
 * server's pool (statementTimeoutMs) would cut it.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query("SET statement_timeout = 0");
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = "each";
    return (await executor.executePendingMigrations()).map((m) => m.name);
  } finally {
    // Back to the pool's own setting (the value the connection started with) before the pool reuses it.
    await runner.query("RESET statement_timeout").catch(() => {});
    await runner.release();
  }
}
