/**
 * `npm run bench:api` — the API's hot paths over real HTTP (issue 4, "Performance"):
 *
 *   recordAttempt p99 ≤ 30 ms at 200 requests/s; recommendations(count: 10) p99 ≤ 30 ms at 200
 *   requests/s; planPath ≤ 100 ms — with 2,000 tasks, 200 skills, 10,000 learners and 1,000,000
 *   attempts from the simulator, on embedded PGlite and on PostgreSQL.
 *
 * For each database: prepare (or reuse) the school (bench/api/prepare.ts), copy it for this run, start
 * `node dist/src/main.js` as a separate process, load it from a forked load process
 * (bench/api/load.ts), stop it, report. Prints a table, updates the results store
 * docs/benchmarks/api-results.json, writes the full Markdown report with its profiles (default
 * .bench/api-report.md; the record, docs/benchmarks/api.md, is kept by hand from it), and with `--json <file>` writes `{ "<operation>": { rps, p50_ms, p99_ms, errors } }`
 * (per database when `--db both`).
 *
 *   npm run bench:api -- [--db pglite|postgres|both] [--scale full|small] [--rps 200] [--seconds 20] [--json <file>] [--fresh] [--profile]
 */
import "reflect-metadata";
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase, migrate } from "../src/persistence/database.js";
import { signToken } from "../src/api/auth/token.js";
import { Role } from "../src/services/auth/actor.js";
import { parseApiArgs, type ApiBenchArgs, type DbKind } from "./api/args.js";
import { prepareSchool, SCALES, type PreparedInfo } from "./api/prepare.js";
import { loadModel } from "../src/engine/registry.js";
import { createServices } from "../src/services/index.js";
import { FieldCipher } from "../src/persistence/crypto/field-cipher.js";
import { createLogger } from "../src/shared/logger.js";
import type { DatabaseOptions } from "../src/persistence/database.js";
import { startServer } from "./api/server.js";
import type { LoadPlan } from "./api/load.js";
import type { OpResult } from "./api/stats.js";
import { jsonFigures, loadStore, markdown, saveStore, table, type RunRecord } from "./api/report.js";
import { profileOperations } from "./api/profile.js";

const BENCH_DIR = resolve(".bench");
const STORE = "docs/benchmarks/api-results.json";
const RUN_DB = "zpd_bench_run";

const log = (msg: string) => process.stderr.write(`[bench:api ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function pgDbName(args: ApiBenchArgs): string {
  return args.scale === "full" ? "zpd_bench" : "zpd_bench_small";
}

async function admin<T>(args: ApiBenchArgs, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${args.pgUrl}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function readInfo(file: string, args: ApiBenchArgs): PreparedInfo | null {
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
async function refreshCached(options: DatabaseOptions, info: PreparedInfo): Promise<void> {
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
async function ensurePrepared(db: DbKind, args: ApiBenchArgs): Promise<{ info: PreparedInfo; cached: boolean }> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const infoFile = join(BENCH_DIR, `${db}-${args.scale}.json`);
  const scale = { ...SCALES[args.scale], ...(args.trainLearners ? { trainLearners: args.trainLearners } : {}) };
  if (db === "pglite") {
    const dir = join(BENCH_DIR, `pglite-${args.scale}`);
    const cachedInfo = args.fresh ? null : readInfo(infoFile, args);
    if (cachedInfo && existsSync(join(dir, "PG_VERSION"))) {
      await refreshCached({ dataDir: dir }, cachedInfo);
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
    await refreshCached({ url: `${args.pgUrl}/${name}` }, cachedInfo);
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
async function runCopy(
  db: DbKind,
  args: ApiBenchArgs,
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
  await admin(args, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${RUN_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${RUN_DB} TEMPLATE ${pgDbName(args)} STRATEGY FILE_COPY`);
  });
  return {
    env: { DATABASE_URL: `${args.pgUrl}/${RUN_DB}` },
    seconds: (performance.now() - t) / 1000,
    dispose: () => admin(args, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${RUN_DB} WITH (FORCE)`))),
  };
}

function runLoadProcess(plan: LoadPlan): Promise<OpResult[]> {
  return new Promise((res, rej) => {
    const child = fork(resolve("dist/bench/api/load.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let results: OpResult[] | null = null;
    child.on("message", (m: { type: string; msg?: string; results?: OpResult[]; error?: string }) => {
      if (m.type === "log") log(`  load: ${m.msg}`);
      else if (m.type === "results") results = m.results!;
      else if (m.type === "error") rej(new Error(`load process: ${m.error}`));
    });
    child.on("exit", (code) => (results ? res(results) : rej(new Error(`the load process exited with code ${code} without results`))));
    child.send(plan);
  });
}

async function dbVersion(db: DbKind, args: ApiBenchArgs): Promise<string> {
  if (db === "pglite") {
    const pkg = JSON.parse(readFileSync(resolve("node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
    return `PGlite ${pkg.version} (PostgreSQL 17/18 in WASM, one connection)`;
  }
  return admin(args, async (c) => {
    const v = (await c.query(`SHOW server_version`)).rows[0].server_version as string;
    return `PostgreSQL ${v} on 127.0.0.1 (server pool of 10)`;
  });
}

async function benchOne(db: DbKind, args: ApiBenchArgs): Promise<RunRecord> {
  log(`== ${db}, scale ${args.scale}`);
  const { info, cached } = await ensurePrepared(db, args);
  log(
    `prepared database: ${cached ? "cached" : "built"} (${info.counts.learners} learners, ${info.counts.attempts} attempts; preparation took ${info.prepSeconds.total.toFixed(1)} s)`,
  );
  const copy = await runCopy(db, args);
  log(`run copy made in ${copy.seconds.toFixed(1)} s`);
  const jwtSecret = randomBytes(32).toString("base64url");
  const logFile = join(BENCH_DIR, `server-${db}-${args.scale}.log`);
  let results: OpResult[];
  let serverStartSeconds = 0;
  try {
    const server = await startServer({ ...copy.env, ZPD_JWT_SECRET: jwtSecret, ZPD_PROFILE_KEY: info.profileKey }, logFile);
    serverStartSeconds = server.startSeconds;
    log(`server pid ${server.pid} healthy at ${server.url} after ${server.startSeconds.toFixed(1)} s (log: ${logFile})`);
    try {
      const token = await signToken(jwtSecret, { schoolId: info.schoolId, role: Role.Admin, subject: "bench-api" }, "2h");
      results = await runLoadProcess({
        url: server.url,
        token,
        learners: info.learners,
        taskIds: info.taskIds,
        rps: args.rps,
        seconds: args.seconds,
        warmupSeconds: 3,
        warmupCalls: 30,
        planSeconds: Math.min(args.seconds, 20),
        planMaxCalls: 300,
        sequentialCalls: 100,
        runId: `${Date.now().toString(36)}-${db}`,
        seed: args.seed,
        serverPid: server.pid,
        dbName: db === "postgres" ? RUN_DB : null,
      });
    } finally {
      await server.stop();
    }
    let profile: string | undefined;
    if (args.profile) {
      log("profiling the three operations in-process (per SQL statement)…");
      profile = await profileOperations(db === "pglite" ? { dataDir: copy.env.ZPD_DATA_DIR } : { url: copy.env.DATABASE_URL }, info, log);
      process.stdout.write(`\n${profile}\n`);
    }
    return {
      db,
      dbVersion: await dbVersion(db, args),
      scale: args.scale,
      command: `npm run bench:api -- ${process.argv.slice(2).join(" ")}`.trim(),
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      node: process.version,
      counts: info.counts,
      model: info.model,
      prepSeconds: info.prepSeconds,
      cached,
      copySeconds: copy.seconds,
      serverStartSeconds,
      results,
      profile,
    };
  } finally {
    await copy.dispose().catch((e) => log(`could not remove the run copy: ${(e as Error).message}`));
  }
}

async function main(): Promise<void> {
  const args = parseApiArgs(process.argv.slice(2));
  const records: RunRecord[] = [];
  if (args.render) {
    mkdirSync(dirname(args.report), { recursive: true });
    writeFileSync(args.report, markdown(loadStore(STORE)));
    log(`wrote ${args.report} from ${STORE}`);
    return;
  }
  if (args.prepareOnly) {
    for (const db of args.dbs) {
      const { info, cached } = await ensurePrepared(db, args);
      log(`${db}, scale ${args.scale}: ${cached ? "cached" : "built"}; preparation ${JSON.stringify(info.prepSeconds)}`);
    }
    return;
  }
  for (const db of args.dbs) {
    const record = await benchOne(db, args);
    records.push(record);
    process.stdout.write(
      `\n${db}, scale ${args.scale} (${record.counts.tasks} tasks, ${record.counts.skills} skills, ${record.counts.learners} learners, ${record.counts.attempts} attempts)\n${table(record.results)}\n`,
    );
    if (args.report !== "none") {
      const store = loadStore(STORE);
      store.runs[`${args.scale}/${db}${args.rps === 200 ? "" : ` at ${args.rps} rps`}`] = record;
      saveStore(STORE, store);
      mkdirSync(dirname(args.report), { recursive: true });
      writeFileSync(args.report, markdown(store));
    }
  }
  if (args.json) {
    const out =
      records.length === 1 ? jsonFigures(records[0]!.results) : Object.fromEntries(records.map((r) => [r.db, jsonFigures(r.results)]));
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
  if (args.report !== "none") log(`wrote ${args.report} and ${STORE}`);
}

main().catch((e) => {
  process.stderr.write(`bench:api failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
