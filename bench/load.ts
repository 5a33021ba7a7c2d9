/**
 * `npm run bench:load` — the server under load and under attack, from separate processes over real
 * HTTP (issue 13, "Fault and load scripts"), on embedded PGlite and on PostgreSQL:
 *
 *   api        bench:api's own load (bench/api/load.ts) on this server: recordAttempt and
 *              recommendations(count: 10) at 200 requests/s — target recordAttempt p99 ≤ 30 ms
 *   saturation closed loops of 1, 4, 16, 64 clients: recordAttempt, recordAttempts (100 a call) and
 *              recommendations — requests/s and attempts/s at saturation, p50/p99 (bench/load/saturation.ts)
 *   hostile    normal traffic at 100 requests/s, quiet then with issue 13's hostile corpus, /healthz
 *              probed every 50 ms — no 5xx, alias bomb refused < 50 ms, /healthz < 100 ms, p99 ≤ 2× quiet
 *   soak       mixed load at 200 requests/s for 5 minutes, the server's memory sampled
 *   raw        after the server stops: a raw multi-row INSERT loop of the same rows at the same
 *              concurrencies — target batched ingestion ≥ 0.5 of its rate
 *
 * For each database: bench:api's prepared school (bench/api/database.ts; `--pg-tag` keeps the
 * PostgreSQL copies apart from another checkout's), a fresh copy, the real server as its own process
 * (bench/api/server.ts), each phase's load in forked processes. Writes the results store
 * (.bench/load-results.json) and the Markdown report made from it (.bench/load-report.md); the record,
 * docs/benchmarks/load.md, is kept by hand from the report.
 *
 *   npm run bench:load -- [--db pglite|postgres|both] [--scale full|small] [--quick] [--phase …] (see bench/load/args.ts)
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { signToken } from "../src/api/auth/token.js";
import { Role } from "../src/services/auth/actor.js";
import type { DbKind } from "./api/args.js";
import { BENCH_DIR, dbVersion, ensurePrepared, runCopy, runDbName } from "./api/database.js";
import { runForked } from "./api/fork.js";
import type { LoadPlan } from "./api/load.js";
import type { PreparedInfo } from "./api/prepare.js";
import { loadStore, saveStore } from "./api/report.js";
import { startServer } from "./api/server.js";
import type { OpResult } from "./api/stats.js";
import { gitCommit } from "./lib/git.js";
import { type LoadBenchArgs, parseLoadArgs } from "./load/args.js";
import type { HostilePlan, HostileResults } from "./load/hostile.js";
import { HOSTILE_KEY_PREFIX } from "./load/hostile-corpus.js";
import { type LoadRecord, markdown, RECORD_FORMAT, runTitle, verdicts } from "./load/report.js";
import { openRaw, type RawLevel, type RawPlan } from "./load/raw-insert.js";
import type { SaturationPlan, SaturationResults } from "./load/saturation.js";
import type { SoakPlan, SoakResults } from "./load/soak.js";

const log = (msg: string) => process.stderr.write(`[bench:load ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fork = <P, R>(script: string, plan: P) => runForked<P, R>(`dist/bench/load/${script}.js`, plan, (m) => log(`  ${m}`));

/** Valid tokens of the school for the load: `n` service tokens (distinct subjects), a learner's, and invalid ones. */
async function tokensFor(secret: string, info: PreparedInfo, n: number) {
  const schoolId = info.schoolId;
  const service = await Promise.all(
    Array.from({ length: n }, (_, i) => signToken(secret, { schoolId, role: Role.Service, subject: `bench-load-${i}` }, "2h")),
  );
  const learner = await signToken(
    secret,
    { schoolId, role: Role.Learner, subject: "bench-load-learner", learnerId: info.learners[0]!.id },
    "2h",
  );
  const bad = [
    "not-a-token",
    await signToken(randomBytes(32).toString("base64url"), { schoolId, role: Role.Service, subject: "bench-load-forged" }, "2h"),
    await signToken(secret, { schoolId, role: Role.Service, subject: "bench-load-expired" }, Math.floor(Date.now() / 1000) - 60),
  ];
  return { service, learner, bad };
}

async function benchOne(db: DbKind, args: LoadBenchArgs): Promise<LoadRecord> {
  log(`== ${db}, scale ${args.scale}, phases ${args.phases.join(", ")}`);
  const loadStart = loadavg();
  const { info, cached } = await ensurePrepared(db, args, log);
  const copy = await runCopy(db, args);
  const dbName = db === "postgres" ? runDbName(args) : null;
  const secret = randomBytes(32).toString("base64url");
  const runId = `${Date.now().toString(36)}-${db}`;
  const school = { learners: info.learners, taskIds: info.taskIds, seed: args.seed };
  const warm = { warmupSeconds: 3, warmupCalls: 30 };
  const logFile = join(BENCH_DIR, `server-load-${db}-${args.scale}.log`);
  let api: OpResult[] | undefined;
  let saturation: SaturationResults | undefined;
  let hostile: HostileResults | undefined;
  let soak: SoakResults | undefined;
  let raw: RawLevel[] | undefined;
  let serverStartSeconds = 0;
  try {
    const server = await startServer({ ...copy.env, ZPD_JWT_SECRET: secret, ZPD_PROFILE_KEY: info.profileKey, ...args.serverEnv }, logFile);
    serverStartSeconds = server.startSeconds;
    log(`server pid ${server.pid} healthy at ${server.url} after ${server.startSeconds.toFixed(1)} s (log: ${logFile})`);
    const tokens = await tokensFor(secret, info, args.tokens);
    try {
      if (args.phases.includes("api")) {
        log(`api: bench:api's load at ${args.rps} requests/s`);
        api = await runForked<LoadPlan, OpResult[]>(
          "dist/bench/api/load.js",
          {
            ...school,
            ...warm,
            url: server.url,
            token: tokens.service[0]!,
            rps: args.rps,
            seconds: args.apiSeconds,
            planSeconds: Math.min(args.apiSeconds, 20),
            planMaxCalls: 300,
            sequentialCalls: 100,
            runId: `${runId}-api`,
            serverPid: server.pid,
            dbName,
          },
          (m) => log(`  ${m}`),
        );
      }
      if (args.phases.includes("saturation"))
        saturation = await fork<SaturationPlan, SaturationResults>("saturation", {
          ...school,
          ...warm,
          url: server.url,
          tokens: tokens.service,
          runId: `${runId}-sat`,
          serverPid: server.pid,
          dbName,
          concurrency: args.concurrency,
          ops: args.saturationOps,
          seconds: args.seconds,
          batchSize: args.batchSize,
          batchLearners: args.batchLearners,
          batchRps: args.batchRps,
          batchSeconds: args.apiSeconds,
        });
      if (args.phases.includes("hostile"))
        hostile = await fork<HostilePlan, HostileResults>("hostile", {
          ...school,
          ...warm,
          url: server.url,
          tokens: tokens.service,
          runId: `${runId}-hostile`,
          serverPid: server.pid,
          rps: args.hostileRps,
          seconds: args.hostileSeconds,
          everySeconds: args.hostileEvery,
          learnerToken: tokens.learner,
          serviceToken: tokens.service[0]!,
          badTokens: tokens.bad,
          badTokenRequests: 300,
          probeEveryMs: 50,
        });
      if (args.phases.includes("soak"))
        soak = await fork<SoakPlan, SoakResults>("soak", {
          ...school,
          ...warm,
          url: server.url,
          tokens: tokens.service,
          runId: `${runId}-soak`,
          serverPid: server.pid,
          dbName,
          rps: args.rps,
          seconds: args.soakSeconds,
          memoryEvery: args.memoryEvery,
        });
    } finally {
      await server.stop();
    }
    // With the server stopped (PGlite's folder is the server's alone while it runs).
    let attemptsWritten = 0;
    if (hostile) {
      const database = await openRaw(db, copy.env);
      try {
        const [exec] = await database.open(1);
        const { rows } = (await exec!(`SELECT count(*)::int AS n FROM attempt WHERE idempotency_key LIKE $1`, [
          `${HOSTILE_KEY_PREFIX}-%`,
        ])) as {
          rows: { n: number }[];
        };
        attemptsWritten = rows[0]!.n;
      } finally {
        await database.close();
      }
    }
    if (args.phases.includes("raw"))
      raw = await fork<RawPlan, RawLevel[]>("raw-insert", {
        ...school,
        db,
        env: copy.env,
        schoolId: info.schoolId,
        runId: `${runId}-raw`,
        concurrency: args.concurrency,
        seconds: args.seconds,
        batchSize: args.batchSize,
        batchLearners: args.batchLearners,
        dbName,
      });
    const { dbs: _d, report: _r, json: _j, render: _x, fresh: _f, pgUrl: _p, ...settings } = args;
    return {
      format: RECORD_FORMAT,
      db,
      dbVersion: await dbVersion(db, args),
      scale: args.scale,
      command: `npm run bench:load -- ${process.argv.slice(2).join(" ")}`.trim(),
      commit: gitCommit(),
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      node: process.version,
      counts: info.counts,
      cachedSchool: cached,
      serverStartSeconds,
      settings,
      loadavg: { start: loadStart, end: loadavg() },
      api,
      saturation,
      hostile: hostile && { ...hostile, attemptsWritten },
      soak,
      raw,
    };
  } finally {
    await copy.dispose().catch((e) => log(`could not remove the run copy: ${(e as Error).message}`));
  }
}

/** The report from the store; a failure to write it is logged, not thrown (the results are stored, and the next database still runs). */
function writeReport(args: LoadBenchArgs): void {
  if (args.report === "none") return;
  try {
    mkdirSync(dirname(args.report), { recursive: true });
    writeFileSync(args.report, markdown(loadStore<LoadRecord>(args.json)));
    log(`wrote ${args.report} from ${args.json}`);
  } catch (e) {
    log(`could not write ${args.report} (the results are in ${args.json}; --render writes it again): ${(e as Error).stack}`);
  }
}

async function main(): Promise<void> {
  const args = parseLoadArgs(process.argv.slice(2));
  if (args.render) return writeReport(args);
  for (const db of args.dbs) {
    const record = await benchOne(db, args);
    const store = loadStore<LoadRecord>(args.json);
    store.runs[`${args.scale}/${db}`] = record;
    saveStore(args.json, store);
    process.stdout.write(
      `\n${runTitle(record)}\n${verdicts(record)
        .map((v) => `  ${v.met === null ? "·" : v.met ? "✓" : "✗"} ${v.target}: ${v.figure}`)
        .join("\n")}\n`,
    );
    writeReport(args);
  }
}

main().catch((e) => {
  process.stderr.write(`bench:load failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
