/**
 * `npm run bench:faults` — nothing acknowledged is lost under faults (issue 13, item 6):
 *
 *   1. kill -9 of the server during ingestion, restarted at once, `--cycles` times per database, and
 *      `--pid1-cycles` times with the server as pid 1 of a fresh pid namespace, and `--deferred-cycles` times
 *      with the batches sent by ingestAttempts (acknowledged, applied after: every acknowledged attempt
 *      must end in its learner's state exactly once) (bench/faults/kill-phase.ts);
 *   2. PostgreSQL stopped and restarted under load (bench/faults/outage-phase.ts);
 *   3. the worker killed mid-retraining (bench/faults/worker-phase.ts).
 *
 * Everything runs on the benchmark's own databases: a small simulated school (bench/faults/school.ts)
 * prepared on embedded PGlite in a scratch folder /tmp/faults-*, and on a throwaway PostgreSQL cluster
 * (bench/faults/cluster.ts) that this script creates, stops and starts, and removes — never a server
 * anyone else uses. The servers and workers are the real programs (dist/src/main.js,
 * dist/src/cli/worker.js) as separate processes; the load is its own process too (bench/faults/load.ts).
 *
 * Writes the tables to `--report` (default .bench/faults-report.md) and the figures to `--json`
 * (default .bench/faults.json); the record, docs/benchmarks/faults.md, is kept by hand from them.
 *
 *   npm run bench:faults -- [--db pglite|postgres|both] [--phase kill|outage|worker|all] [--quick] [--cycles 20] [--pid1-cycles 20]
 */
import "reflect-metadata";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { gitCommit } from "./lib/git.js";
import type { DbKind } from "./api/args.js";
import { parseFaultsArgs, USAGE } from "./faults/args.js";
import { createCluster, type Cluster } from "./faults/cluster.js";
import { killPhase, type KillFigures } from "./faults/kill-phase.js";
import { outagePhase, type OutageFigures } from "./faults/outage-phase.js";
import { workerPhase, type WorkerFigures } from "./faults/worker-phase.js";
import { FAULT_SCALE, prepare, type PreparedSchool } from "./faults/school.js";
import { Session } from "./faults/session.js";
import { judge, killTable, markdown, outageTable, targetsTable, workerTable, type FaultsRun } from "./faults/report.js";

const log = (msg: string) => process.stderr.write(`[bench:faults ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main(): Promise<void> {
  const args = parseFaultsArgs(process.argv.slice(2));
  const started = Date.now();
  const loadStart = loadavg();
  const scratch = mkdtempSync("/tmp/faults-");
  const session = new Session(scratch, args.seed);
  const needPg = args.dbs.includes("postgres");
  const pgOnly = args.phases.filter((p) => p !== "kill");
  if (!needPg && pgOnly.length) log(`--db pglite: skipping ${pgOnly.join(", ")} (PostgreSQL only)`);
  const root = process.getuid?.() === 0;
  const pid1Cycles = root ? args.pid1Cycles : 0;
  if (!root && args.pid1Cycles) log("not root: skipping the pid-1 variant (unshare --pid needs root)");

  let cluster: Cluster | undefined;
  const schools = new Map<DbKind, PreparedSchool>();
  const school = async (db: DbKind): Promise<PreparedSchool> => {
    let s = schools.get(db);
    if (!s) {
      log(`preparing the school on ${db}…`);
      s = await prepare(db, { scratch, serverUrl: cluster?.url }, args.seed, log);
      log(`school prepared on ${db} in ${s.seconds.toFixed(1)} s`);
      schools.set(db, s);
    }
    return s;
  };
  const kill: KillFigures[] = [];
  let outage: OutageFigures | undefined;
  let worker: WorkerFigures | undefined;
  const failures: FaultsRun["failures"] = [];
  const attempt = async (phase: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      log(`${phase} failed: ${(e as Error).stack ?? e}`);
      failures.push({ phase, error: (e as Error).message ?? String(e) });
    }
  };
  const cleanUp = () => {
    if (!args.keep) rmSync(scratch, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    log("interrupted: removing the throwaway cluster and the scratch folder");
    void (cluster?.dispose() ?? Promise.resolve()).finally(() => {
      cleanUp();
      process.exit(130);
    });
  });
  try {
    if (needPg) cluster = await createCluster(log);
    if (args.phases.includes("kill")) {
      for (const db of args.dbs) {
        for (const [variant, cycles] of [
          ["direct", args.cycles],
          ["pid1", pid1Cycles],
          ["deferred", args.deferredCycles],
        ] as const) {
          if (!cycles) continue;
          await attempt(`kill ${db} ${variant}`, async () => {
            log(
              `== kill -9 during ingestion: ${db}, server ${variant === "pid1" ? "as pid 1 of a new pid namespace" : "started directly"}${variant === "deferred" ? ", batches by ingestAttempts" : ""}, ${cycles} cycles`,
            );
            kill.push(await killPhase(session, await school(db), variant, cycles, log));
          });
        }
      }
    }
    if (needPg && args.phases.includes("outage"))
      await attempt("outage", async () => {
        log(`== PostgreSQL stopped for ${args.outageSeconds} s under load`);
        outage = await outagePhase(session, await school("postgres"), cluster!, args.outageSeconds, log);
      });
    if (needPg && args.phases.includes("worker"))
      await attempt("worker", async () => {
        log("== the worker killed mid-retraining");
        worker = await workerPhase(session, await school("postgres"), log);
      });
  } finally {
    await cluster?.dispose();
    cleanUp();
  }

  const pglite = JSON.parse(readFileSync(resolve("node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string };
  const anySchool = [...schools.values()][0];
  const run: FaultsRun = {
    command: ["npm run bench:faults", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    commit: gitCommit(),
    date: new Date(started).toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    databases: {
      ...(args.dbs.includes("pglite") ? { PGlite: `${pglite.version}, embedded in the server (data folder on local disk)` } : {}),
      ...(cluster
        ? { PostgreSQL: `${cluster.version}, a throwaway cluster of the benchmark's own (fsync and synchronous_commit on)` }
        : {}),
    },
    loadAverage: { start: loadStart, end: loadavg() },
    seconds: (Date.now() - started) / 1000,
    school: `${FAULT_SCALE.skills} skills, ${FAULT_SCALE.skills * FAULT_SCALE.tasksPerSkill} tasks, ${FAULT_SCALE.learners} learners, ${anySchool?.info.counts.attempts ?? "?"} simulated attempts, a Meta model active`,
    kill,
    outage,
    worker,
    failures,
    targets: judge(kill, outage, worker),
  };
  for (const [file, text] of [
    [args.json, `${JSON.stringify(run, null, 2)}\n`],
    [args.report, markdown(run)],
  ] as const) {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, text);
  }
  const out: string[] = ["", targetsTable(run.targets)];
  if (kill.length) out.push("", killTable(kill));
  if (outage) out.push("", outageTable(outage));
  if (worker) out.push("", workerTable(worker));
  process.stdout.write(`${out.join("\n")}\n`);
  log(`wrote ${args.report} and ${args.json} (${(run.seconds / 60).toFixed(1)} min)`);
  if (failures.length) process.exitCode = 1;
}

main().catch((e) => {
  const message = (e as Error)?.message ?? String(e);
  // A bad option: its message carries the usage; anything else: the stack.
  process.stderr.write(`bench:faults failed: ${message.includes(USAGE) ? message : ((e as Error)?.stack ?? message)}\n`);
  process.exit(1);
});
