/**
 * `npm run bench:jobs` — the jobs of issue 5 against the real PostgreSQL ("Performance"):
 *
 *   1. trace import ≥ 20,000 attempts/s (TraceImportService, as `npm run import` runs it: batches of
 *      5,000, two in flight, consent training + personalisation recorded);
 *   2. retrain on 1,000,000 attempts within 10 minutes (services.retraining.retrain: snapshot, split,
 *      Meta candidate, task embedding, evaluation, gates, publish, state rebuild), with the phases;
 *      then the fairness audit of its version within 60 s (issue 15: services.audits.runFairnessAudit,
 *      the simulator's groups recorded as the protected attribute `group` after the import);
 *   3. state rebuild ≥ 5,000 learners/s (services.training.rebuildStates on its own, after every
 *      state was invalidated).
 *
 * The school comes from the simulator (bench/jobs/generate.ts) written in the import folder format to
 * a temp folder, or from `--data <folder>` (then the import figure only). A scratch database
 * `zpd_bench_jobs_<pid>` is created, migrated and dropped at the end (unless --keep). Every SQL
 * statement is timed per phase (bench/jobs/query-timer.ts), and the rebuild's queries are explained
 * (EXPLAIN ANALYZE) on one batch, so that a missed target says what limits it.
 *
 *   npm run bench:jobs -- [--data <folder>] [--attempts 1000000] [--json <file>] [--keep]
 *                         [--out .bench/jobs-report.md|none] [--seed 7] [--pg-url postgres://postgres@127.0.0.1:5432]
 *   npm run bench:jobs -- --render docs/benchmarks/jobs.json   (re-writes the Markdown from a run's JSON)
 *
 * The run's full report (phases, slowest statements, EXPLAIN plans) goes to --out; the record,
 * docs/benchmarks/jobs.md, is kept by hand from the report of record and its JSON.
 *
 * This file only orders the steps; each lives in bench/jobs/: args.ts, scratch.ts (data folder and
 * database), import-phase.ts, attributes.ts, retrain-phase.ts, audit-phase.ts, rebuild-phase.ts, promotion-phase.ts, with
 * phase-clock.ts (what every phase measures), explain.ts (EXPLAIN plans) and report.ts (the output).
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname } from "node:path";
import { execSync } from "node:child_process";
import { openDatabase, migrate, type Database } from "../src/persistence/database.js";
import { createServices } from "../src/services/index.js";
import { FieldCipher } from "../src/persistence/crypto/field-cipher.js";
import { createLogger } from "../src/shared/logger.js";
import { createSchool } from "../src/services/import/trace-import.service.js";
import { QueryTimer } from "./jobs/query-timer.js";
import { PgCpu } from "./jobs/pg-cpu.js";
import { markdownReport, printTable, type JobsReport } from "./jobs/report.js";
import { parseJobsArgs, type JobsBenchArgs } from "./jobs/args.js";
import { log, type PhaseContext } from "./jobs/phase-clock.js";
import { compactPlan, explainImportBatch } from "./jobs/explain.js";
import { createScratchDatabase, dropScratchDatabase, prepareData, removeData } from "./jobs/scratch.js";
import { runImportPhase } from "./jobs/import-phase.js";
import { analyzeAsAutovacuumWould, runRetrainPhase } from "./jobs/retrain-phase.js";
import { runRebuildPhase } from "./jobs/rebuild-phase.js";
import { runAuditPhase, runPrivacyAuditPhase } from "./jobs/audit-phase.js";
import { recordGroups } from "./jobs/attributes.js";
import { runPromotionPhase } from "./jobs/promotion-phase.js";

export const TARGETS = { importPerSecond: 20_000, retrainSeconds: 600, rebuildPerSecond: 5_000, auditSeconds: 60 };

function gitCommit(): string {
  try {
    const head = execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    return dirty ? `${head} + uncommitted changes in the tree` : head;
  } catch {
    return "unknown";
  }
}

/** `--render`: the table and the Markdown report again from an earlier run's JSON (no measurement). */
function render(args: JobsBenchArgs & { render: string }): void {
  const r = JSON.parse(readFileSync(args.render, "utf8")) as JobsReport;
  if (r.rebuild) r.rebuild.plans = r.rebuild.plans.map((p) => ({ ...p, plan: compactPlan([{ "QUERY PLAN": p.plan }]) }));
  console.log(printTable(r, TARGETS));
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, markdownReport(r, TARGETS));
  log(`wrote ${args.out} from ${args.render}`);
}

async function main(): Promise<void> {
  const args = parseJobsArgs(process.argv.slice(2));
  if (args.render) return render({ ...args, render: args.render });
  const started = new Date();
  const loadStart = loadavg().map((x) => Number(x.toFixed(2)));
  const commit = gitCommit();
  const tAll = performance.now();
  log(`load average at start: ${loadStart.join(", ")} on ${cpus().length} cores`);

  // 1. The data.
  const scratch = prepareData(args);
  const { data } = scratch;

  // 2. A scratch database.
  const dbName = `zpd_bench_jobs_${process.pid}`;
  const serverVersion = await createScratchDatabase(args.pgUrl, dbName);
  let db: Database | null = null;
  const timer = new QueryTimer();
  const pgCpu = new PgCpu(dbName);
  pgCpu.start();
  let report: JobsReport | null = null;
  try {
    db = await openDatabase({ url: `${args.pgUrl}/${dbName}`, poolSize: 4 });
    const ds = db.dataSource;
    await migrate(ds);
    timer.install(ds);
    const schoolId = await createSchool(ds, "ZPD jobs benchmark");
    const ctx: PhaseContext = { ds, schoolId, timer, pgCpu };

    // 3. Import (as the CLI runs it on PostgreSQL: default batch, two batches in flight).
    const imported = await runImportPhase(ctx, data.folder, args.data ? basename(data.folder) : "bench");
    // The simulator's groups as the protected attribute the fairness gate and the audit group by.
    const cipher = FieldCipher.single(randomBytes(32));
    if (data.groups) await recordGroups(ctx, cipher, data.groups);

    const sizes = (
      await ds.query(
        `SELECT (SELECT count(*) FROM attempt)::int AS attempts, (SELECT count(*) FROM learner)::int AS learners,
              (SELECT count(*) FROM task)::int AS tasks, (SELECT count(*) FROM skill)::int AS skills`,
      )
    )[0] as { attempts: number; learners: number; tasks: number; skills: number };

    report = {
      date: started.toISOString(),
      command: `npm run bench:jobs${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
      commit,
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model.trim() ?? "unknown",
        memGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        node: [process.version, ...process.execArgv].join(" "),
        postgres: serverVersion,
      },
      load: { start: loadStart, end: [] },
      data: {
        source: args.data ? data.folder : `simulator (seed ${args.seed}, ${args.attempts.toLocaleString("en-US")} attempts asked)`,
        learners: sizes.learners,
        tasks: sizes.tasks,
        skills: sizes.skills,
        attempts: sizes.attempts,
        simulateSeconds: data.simulateSeconds,
        writeSeconds: data.writeSeconds,
      },
      import: imported.report,
      retrain: null,
      audit: null,
      rebuild: null,
      promotion: null,
      totalSeconds: 0,
    };

    if (!args.data) {
      const analyzeSeconds = await analyzeAsAutovacuumWould(ctx);
      report.import.plans = await explainImportBatch(ds, schoolId);

      // 4. Retrain on everything.
      const services = createServices({
        dataSource: ds,
        cipher,
        logger: createLogger("warn"),
        maxPageSize: 100,
      });
      const { result, report: retrain } = await runRetrainPhase(ctx, services, analyzeSeconds);
      report.retrain = retrain;

      // 5. The fairness audit of the version the retrain produced (promoted or not), on its own.
      report.audit = await runAuditPhase(ctx, services, result.modelVersionId);
      // 5b. Its privacy audit, on its own (the membership attacks with their shadow models, and the data checks).
      report.privacyAudit = await runPrivacyAuditPhase(ctx, services, result.modelVersionId);

      // 6. The rebuild on its own: every state invalidated, then a full rebuild.
      if (result.promoted) report.rebuild = await runRebuildPhase(ctx, services);
      // 7. A promotion's rebuild on its own, a few times (bench/jobs/promotion-phase.ts).
      if (result.promoted && result.modelVersionId) report.promotion = await runPromotionPhase(ctx, services, result.modelVersionId);
      await services.jobs.close();
    }
  } finally {
    pgCpu.stop();
    await db?.close().catch(() => {});
    await dropScratchDatabase(args, dbName);
    removeData(scratch);
  }

  report.load.end = loadavg().map((x) => Number(x.toFixed(2)));
  report.totalSeconds = (performance.now() - tAll) / 1000;
  console.log(printTable(report, TARGETS));
  if (args.out !== "none") {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, markdownReport(report, TARGETS));
    log(`wrote ${args.out}`);
  }
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify({ targets: TARGETS, ...report }, null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
