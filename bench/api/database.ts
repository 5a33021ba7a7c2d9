/**
 * The benchmark school's databases, shared by bench:api and bench:privacy: the prepared school (from
 * the cache in .bench/ or built now by prepare.ts), a fresh copy of it for each run, the PostgreSQL
 * admin connection and the database's version for the report.
 */
import "reflect-metadata";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase, migrate, type DatabaseOptions } from "../../src/persistence/database.js";
import { loadModel } from "../../src/engine/registry.js";
import { createServices } from "../../src/services/index.js";
import { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { createLogger } from "../../src/shared/logger.js";
import type { ApiBenchArgs, DbKind } from "./args.js";
import { prepareSchool, SCALES, type PreparedInfo } from "./prepare.js";

export const BENCH_DIR = resolve(".bench");
/** The database of one run on PostgreSQL (a copy of the prepared one). */
export const RUN_DB = "zpd_bench_run";

/**
 * What preparing and copying the school depends on. `pgTag` suffixes the PostgreSQL databases' names
 * (and their cache file), so that a checkout benchmarking beside another on the same server neither
 * drops nor copies the other's databases; without it, the names bench:api has always used.
 */
export type PrepareArgs = Pick<ApiBenchArgs, "scale" | "seed" | "fresh" | "trainLearners" | "pgUrl"> & { readonly pgTag?: string };

export type Log = (msg: string) => void;

const tagged = (name: string, args: PrepareArgs) => (args.pgTag ? `${name}_${args.pgTag}` : name);

export function pgDbName(args: PrepareArgs): string {
  return tagged(args.scale === "full" ? "zpd_bench" : "zpd_bench_small", args);
}

/** The database of one run on PostgreSQL: RUN_DB, tagged. */
export function runDbName(args: PrepareArgs): string {
  return tagged(RUN_DB, args);
}

export async function admin<T>(args: PrepareArgs, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${args.pgUrl}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function readInfo(file: string, args: PrepareArgs): PreparedInfo | null {
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as PreparedInfo;
    return info.format === 1 && info.scale === args.scale && info.seed === args.seed ? info : null;
  } catch {
    return null;
  }
}

/**
 * A cached database was prepared by an earlier build: if the code now tags learner states differently
 * (the model's state tag changed), its stored states no longer load; rebuild them under the active
 * model, as a deployment would have to. Also applies migrations added since.
 */
async function refreshCached(options: DatabaseOptions, info: PreparedInfo, log: Log): Promise<void> {
  const database = await openDatabase(options);
  try {
    await migrate(database.dataSource);
    const [mv] = (await database.dataSource.query(`SELECT weights FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [
      info.schoolId,
    ])) as { weights: Buffer }[];
    if (!mv) throw new Error("the cached database has no active model; rebuild it with --fresh");
    const tag = (loadModel(new Uint8Array(mv.weights)).initialState() as { model?: string }).model;
    const [row] = (await database.dataSource.query(
      `SELECT state::jsonb->>'model' AS tag FROM learner_state WHERE state LIKE '{"model":%' LIMIT 1`,
    )) as { tag: string }[];
    if (!row || row.tag === tag) return;
    log(`cached learner states are tagged ${row.tag}, this build's model says ${tag}: rebuilding every learner's state…`);
    const t = performance.now();
    await database.dataSource.query(`UPDATE learner_state SET model_version_id = NULL`);
    const services = createServices({
      dataSource: database.dataSource,
      cipher: FieldCipher.single(Buffer.from(info.profileKey, "base64")),
      logger: createLogger("warn"),
      maxPageSize: 100,
    });
    const n = await services.training.rebuildStates(info.schoolId);
    await database.dataSource.query("ANALYZE");
    log(`rebuilt ${n} learner states in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    await database.close();
  }
}

/** The prepared database of this scale: from the cache, or built now. */
export async function ensurePrepared(db: DbKind, args: PrepareArgs, log: Log): Promise<{ info: PreparedInfo; cached: boolean }> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const infoFile = join(BENCH_DIR, `${db}-${args.scale}${db === "postgres" && args.pgTag ? `-${args.pgTag}` : ""}.json`);
  const scale = { ...SCALES[args.scale], ...(args.trainLearners ? { trainLearners: args.trainLearners } : {}) };
  if (db === "pglite") {
    const dir = join(BENCH_DIR, `pglite-${args.scale}`);
    const cachedInfo = args.fresh ? null : readInfo(infoFile, args);
    if (cachedInfo && existsSync(join(dir, "PG_VERSION"))) {
      await refreshCached({ dataDir: dir }, cachedInfo, log);
      return { info: cachedInfo, cached: true };
    }
    rmSync(infoFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
    log(`preparing PGlite database in ${dir}`);
    const database = await openDatabase({ dataDir: dir });
    try {
      await migrate(database.dataSource);
      const info = await prepareSchool(database.dataSource, args.scale, scale, args.seed, log);
      await database.dataSource.query("CHECKPOINT");
      writeFileSync(infoFile, JSON.stringify(info));
      return { info, cached: false };
    } finally {
      await database.close();
    }
  }
  const name = pgDbName(args);
  const exists = await admin(args, async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1);
  const cachedInfo = args.fresh ? null : readInfo(infoFile, args);
  if (cachedInfo && exists) {
    await refreshCached({ url: `${args.pgUrl}/${name}` }, cachedInfo, log);
    return { info: cachedInfo, cached: true };
  }
  rmSync(infoFile, { force: true });
  log(`preparing PostgreSQL database ${name}`);
  await admin(args, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const database = await openDatabase({ url: `${args.pgUrl}/${name}` });
  try {
    await migrate(database.dataSource);
    const info = await prepareSchool(database.dataSource, args.scale, scale, args.seed, log);
    await database.dataSource.query("CHECKPOINT").catch(() => {}); // needs superuser; the local server's postgres is
    writeFileSync(infoFile, JSON.stringify(info));
    return { info, cached: false };
  } finally {
    await database.close();
  }
}

/** A fresh copy of the prepared database for this run; returns the server's environment. */
export async function runCopy(
  db: DbKind,
  args: PrepareArgs,
): Promise<{ env: Record<string, string>; seconds: number; dispose: () => Promise<void> }> {
  const t = performance.now();
  if (db === "pglite") {
    const dir = join(BENCH_DIR, `pglite-${args.scale}-run`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(BENCH_DIR, `pglite-${args.scale}`), dir, { recursive: true });
    rmSync(join(dir, "zpd.lock"), { force: true });
    return {
      env: { ZPD_DATA_DIR: dir },
      seconds: (performance.now() - t) / 1000,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const run = runDbName(args);
  await admin(args, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${run} TEMPLATE ${pgDbName(args)} STRATEGY FILE_COPY`);
  });
  return {
    env: { DATABASE_URL: `${args.pgUrl}/${run}` },
    seconds: (performance.now() - t) / 1000,
    dispose: () => admin(args, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${run} WITH (FORCE)`))),
  };
}

export async function dbVersion(db: DbKind, args: PrepareArgs): Promise<string> {
  if (db === "pglite") {
    const pkg = JSON.parse(readFileSync(resolve("node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
    return `PGlite ${pkg.version} (PostgreSQL 17/18 in WASM, one connection)`;
  }
  return admin(args, async (c) => {
    const v = (await c.query(`SHOW server_version`)).rows[0].server_version as string;
    return `PostgreSQL ${v} on 127.0.0.1 (server pool of 10)`;
  });
}
