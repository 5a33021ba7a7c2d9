/**
 * `npm run bench:xapi` — the xAPI store's throughput and latency over real HTTP (issue #17, item 4 and targets):
 *
 *   ≥ 1,000 statements/s sent one per request and ≥ 10,000 statements/s in batches, on PostgreSQL, 2 cores;
 *   statement-to-attempt p99 ≤ 30 ms at 200 requests/s.
 *
 * For each database (`--db`, both by default): a fresh one (a PostgreSQL database, or an embedded PGlite
 * folder; removed after), the school made in this process (bench/xapi/school.ts: tasks named by activity
 * ids, a credential that may create learners, every learner's first answers, and — unless `--no-model` —
 * a trained and published model, as production schools have); the server `node dist/src/main.js` as a
 * separate process; the load from this one. Phases (`--phases`, in the order given; bench/xapi/args.ts):
 * answers one per request at a fixed `--rps` (open loop) for the latency; statements that are not attempts
 * (the store alone) and answers that become attempts (the store and the engine), one per request and in
 * batches, each a closed loop of `--clients` for `--seconds`. `--settle` seconds of quiet precede each
 * phase, then 2 s of answers at `--rps`, untimed (warm connections, as under steady traffic). Each phase is watched (bench/xapi/observe.ts): CPU of the server, the database and the rest of
 * the machine, the server's event-loop delay and GC, checkpoints, autovacuum and waits on PostgreSQL.
 * Prints a table per database; `--json <file>` writes the figures.
 *
 *   npm run bench:xapi -- [--db pglite|postgres|both] [--phases open,single,batch,answers,answer-batches]
 *                         [--no-model] [--settle 10] [--seconds 15] [--clients 8] [--batch 100] [--rps 200]
 *                         [--learners 1000] [--warmup 3] [--pg-url postgres://…/postgres] [--json <file>]
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import pg from "pg";
import type { DatabaseOptions } from "../src/persistence/database.js";
import type { DbKind } from "./api/args.js";
import { startServer } from "./api/server.js";
import { gitCommit } from "./lib/git.js";
import { parseXapiBenchArgs, type XapiBenchArgs, type XapiPhase } from "./xapi/args.js";
import { closedLoop, openLoop, type PhaseResult } from "./xapi/load.js";
import { type PhaseObservation, PhaseObserver } from "./xapi/observe.js";
import { activityOf, learnerAgent, prepareXapiSchool, TASKS, type BenchSchool } from "./xapi/school.js";

const log = (msg: string) => process.stderr.write(`[bench:xapi ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

type Observed = PhaseResult & { readonly phase: XapiPhase; readonly observed: PhaseObservation };

interface DbRun {
  readonly db: DbKind;
  readonly school: Omit<BenchSchool, "key" | "secret">;
  readonly loadavg: { start: number[]; end: number[] };
  readonly results: Observed[];
}

/** A fresh database of this kind: how to open it here, the server's environment, and how to remove it. */
async function freshDatabase(
  db: DbKind,
  args: XapiBenchArgs,
): Promise<{ options: DatabaseOptions; env: Record<string, string>; name: string | null; dispose: () => Promise<void> }> {
  if (db === "pglite") {
    const dir = resolve(`.bench/xapi-pglite-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const options: DatabaseOptions = { dataDir: dir };
    return { options, env: { ZPD_DATA_DIR: dir }, name: null, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `zpd_bench_xapi_${process.pid}`;
  const admin = new pg.Client({ connectionString: args.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(args.pgUrl);
  url.pathname = `/${name}`;
  const options: DatabaseOptions = { url: url.toString() };
  return {
    options,
    env: { DATABASE_URL: url.toString() },
    name,
    dispose: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function benchOne(db: DbKind, args: XapiBenchArgs): Promise<DbRun> {
  const start = loadavg();
  log(`== ${db}: load average ${start.map((l) => l.toFixed(2)).join(" ")}`);
  const fresh = await freshDatabase(db, args);
  try {
    const profileKey = randomBytes(32);
    const school = await prepareXapiSchool(
      fresh.options,
      { learners: args.learners, warmup: args.warmup, model: args.model, profileKey },
      log,
    );
    const server = await startServer(
      {
        ...fresh.env,
        ZPD_JWT_SECRET: randomBytes(48).toString("base64"),
        ZPD_PROFILE_KEY: profileKey.toString("base64"),
        ZPD_RATE_LIMIT_TOKEN: "0",
        ZPD_RATE_LIMIT_ANONYMOUS: "0",
        ZPD_WORKER: "false",
        LOG_LEVEL: "warn",
      },
      `.bench/xapi-server-${db}.log`,
    );
    log(`server pid ${server.pid} at ${server.url} after ${server.startSeconds.toFixed(1)} s`);
    const base = server.url.replace(/\/graphql$/, "");
    const send = {
      endpoint: `${base}/xapi/statements`,
      auth: `Basic ${Buffer.from(`${school.key}:${school.secret}`).toString("base64")}`,
    };
    let pgClient: pg.Client | null = null;
    if (fresh.name) {
      pgClient = new pg.Client({ connectionString: String(fresh.options.url) });
      await pgClient.connect();
    }
    const observer = new PhaseObserver(
      server.pid,
      `${base}/metrics`,
      pgClient && fresh.name ? { client: pgClient, name: fresh.name } : null,
    );
    let n = 0;
    const experienced = () => ({
      actor: learnerAgent(n++ % args.learners),
      verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
      object: { id: activityOf(n % TASKS) },
    });
    const answer = () => ({
      actor: learnerAgent(n++ % args.learners),
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: activityOf(n % TASKS) },
      result: { success: n % 3 !== 0, duration: "PT40S" },
    });
    const body = (make: () => object, count: number) => JSON.stringify(count === 1 ? make() : Array.from({ length: count }, make));
    const phases: Record<XapiPhase, { name: string; run: () => Promise<PhaseResult> }> = {
      open: {
        name: `answers → attempts at ${args.rps} requests/s (open loop)`,
        run: () => openLoop(send, () => body(answer, 1), args.rps, args.seconds),
      },
      single: {
        name: "not attempts, 1 per request",
        run: () => closedLoop(send, () => body(experienced, 1), 1, args.clients, args.seconds),
      },
      batch: {
        name: `not attempts, ${args.batch} per request`,
        run: () => closedLoop(send, () => body(experienced, args.batch), args.batch, args.clients, args.seconds),
      },
      answers: {
        name: "answers → attempts, 1 per request",
        run: () => closedLoop(send, () => body(answer, 1), 1, args.clients, args.seconds),
      },
      "answer-batches": {
        name: `answers → attempts, ${args.batch} per request`,
        run: () => closedLoop(send, () => body(answer, args.batch), args.batch, args.clients, args.seconds),
      },
    };
    const results: Observed[] = [];
    try {
      // The first requests of a process (its caches, the JIT) are not part of any phase.
      await closedLoop(send, () => body(answer, 1), 1, 2, 0, 200);
      for (const phase of args.phases) {
        if (args.settle) await new Promise((r) => setTimeout(r, args.settle * 1000));
        // Untimed: 2 s of answers at the open loop's rate, so that the phase starts on warm connections (the
        // server's pool closes those idle for 10 s, and a new PostgreSQL backend's first statements are slow).
        await openLoop(send, () => body(answer, 1), args.rps, 2);
        await observer.start();
        const res = await phases[phase].run();
        const observed = await observer.stop();
        results.push({ ...res, name: phases[phase].name, phase, observed });
        const c = observed.cpu;
        log(
          `${phases[phase].name}: ${res.statementsPerSecond.toFixed(0)} statements/s, p50 ${res.p50Ms.toFixed(1)} ms, p99 ${res.p99Ms.toFixed(1)} ms, ` +
            `errors ${res.errors}; CPU ms in ${observed.elapsedMs.toFixed(0)} ms: server ${c.serverMs}, db ${c.dbMs}, load ${c.loadMs.toFixed(0)}, others ${c.othersMs.toFixed(0)}; ` +
            `loop delay p99 ${observed.loopDelayP99Ms.toFixed(1)} max ${observed.loopDelayMaxMs.toFixed(1)} ms; GC ${JSON.stringify(observed.gcMs)}; ` +
            `server >25 ms ${observed.server.over25ms}/${observed.server.requests}` +
            (observed.waits
              ? `; checkpoints ${observed.checkpoints}, autovacuums ${observed.autovacuums}, WAL flushes ${observed.walSyncs}, full-page images ${observed.walFullPages}, checkpoint buffers ${observed.checkpointBuffers}, waits ${JSON.stringify(observed.waits)}`
              : ""),
        );
      }
    } finally {
      await pgClient?.end();
      await server.stop();
    }
    const { key: _k, secret: _s, ...shown } = school;
    return { db, school: shown, loadavg: { start, end: loadavg() }, results };
  } finally {
    await fresh.dispose();
  }
}

/** One database's phases; CPU in % of one core over the phase's time (2 cores: 200 % in all). */
function table(run: DbRun): string {
  return [
    `${run.db}${run.school.model ? `, model ${run.school.model.kind}` : ", no model"}; load average ${run.loadavg.start[0]!.toFixed(2)} → ${run.loadavg.end[0]!.toFixed(2)}`,
    "| phase | statements/s | p50 ms | p99 ms | errors | server CPU % | db CPU % | others % | loop delay p99/max ms | GC ms |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...run.results.map((r) => {
      const o = r.observed;
      const pct = (ms: number) => `${Math.round((ms / o.elapsedMs) * 100)}`;
      const gc = Object.values(o.gcMs).reduce((s, x) => s + x, 0);
      return `| ${r.name} | ${r.statementsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${pct(o.cpu.serverMs)} | ${pct(o.cpu.dbMs)} | ${pct(o.cpu.othersMs)} | ${o.loopDelayP99Ms.toFixed(0)}/${o.loopDelayMaxMs.toFixed(0)} | ${gc} |`;
    }),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseXapiBenchArgs(process.argv.slice(2));
  const runs: DbRun[] = [];
  for (const db of args.dbs) runs.push(await benchOne(db, args));
  process.stdout.write(
    `${runs.map((r) => table(r)).join("\n\n")}\n\n${cpus().length} cores, Node ${process.versions.node}, commit ${gitCommit()}, ` +
      `${args.clients} clients, ${args.seconds} s per phase, ${args.settle} s settle before each\n`,
  );
  if (args.json)
    writeFileSync(
      args.json,
      `${JSON.stringify({ at: new Date().toISOString(), commit: gitCommit(), command: process.argv.slice(2).join(" "), args, runs }, null, 2)}\n`,
    );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
