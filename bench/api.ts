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
 *                        [--policy] [--pg-tag x]
 * --policy also measures recommendations(strategy: POLICY) with a learned policy live (bench/api/policy.ts);
 * --pg-tag suffixes the PostgreSQL databases' names.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { signToken } from "../src/api/auth/token.js";
import { Role } from "../src/services/auth/actor.js";
import { parseApiArgs, type ApiBenchArgs, type DbKind } from "./api/args.js";
import { BENCH_DIR, dbVersion, ensurePrepared, runCopy, runDbName } from "./api/database.js";
import { trainBenchPolicy } from "./api/policy.js";
import { runForked } from "./api/fork.js";
import { startServer } from "./api/server.js";
import type { LoadPlan } from "./api/load.js";
import type { OpResult } from "./api/stats.js";
import { jsonFigures, loadStore, markdown, saveStore, table, type RunRecord } from "./api/report.js";
import { profileOperations } from "./api/profile.js";

const STORE = "docs/benchmarks/api-results.json";

const log = (msg: string) => process.stderr.write(`[bench:api ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const runLoadProcess = (plan: LoadPlan) => runForked<LoadPlan, OpResult[]>("dist/bench/api/load.js", plan, (m) => log(`  load: ${m}`));

async function benchOne(db: DbKind, args: ApiBenchArgs): Promise<RunRecord> {
  log(`== ${db}, scale ${args.scale}`);
  const { info, cached } = await ensurePrepared(db, args, log);
  log(
    `prepared database: ${cached ? "cached" : "built"} (${info.counts.learners} learners, ${info.counts.attempts} attempts; preparation took ${info.prepSeconds.total.toFixed(1)} s)`,
  );
  const copy = await runCopy(db, args);
  log(`run copy made in ${copy.seconds.toFixed(1)} s`);
  const jwtSecret = randomBytes(32).toString("base64url");
  if (args.policy) await trainBenchPolicy({ ...copy.env, ZPD_JWT_SECRET: jwtSecret, ZPD_PROFILE_KEY: info.profileKey }, info.schoolId, log);
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
        dbName: db === "postgres" ? runDbName(args) : null,
        policy: args.policy,
      });
    } finally {
      await server.stop();
    }
    let profile: string | undefined;
    if (args.profile) {
      log("profiling the operations in-process (per SQL statement)…");
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
      const { info, cached } = await ensurePrepared(db, args, log);
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
