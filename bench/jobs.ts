/**
 * `npm run bench:jobs` — the jobs of issue 5 against the real PostgreSQL ("Performance"):
 *
 *   1. trace import ≥ 20,000 attempts/s (TraceImportService, as `npm run import` runs it: batches of
 *      5,000, two in flight, consent training + personalisation recorded);
 *   2. retrain on 1,000,000 attempts within 10 minutes (services.retraining.retrain: snapshot, split,
 *      Meta candidate, task embedding, evaluation, gates, publish, state rebuild), with the phases;
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
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { execSync } from "node:child_process";
import pg from "pg";
import { openDatabase, migrate, type Database } from "../src/persistence/database.js";
import { createServices } from "../src/services/index.js";
import { ProfileCipher } from "../src/services/learner/profile-cipher.js";
import { createLogger } from "../src/shared/logger.js";
import { ConsentPurpose } from "../src/persistence/learner/consent.entity.js";
import { createSchool, DEFAULT_BATCH, MARK_FOR_REBUILD_SQL, TraceImportService, WRITE_ATTEMPTS_SQL, type ImportSummary } from "../src/services/import/trace-import.service.js";
import { createProgressBar } from "./lib/progress.js";
import { uuidv7s } from "../src/shared/ids.js";
import { generateFolder, type GeneratedData } from "./jobs/generate.js";
import { QueryTimer, type StatementStat } from "./jobs/query-timer.js";
import { PgCpu } from "./jobs/pg-cpu.js";
import { loadVersion } from "../src/services/personalisation/active-models.js";
import { ModelVersion } from "../src/persistence/model/model-version.entity.js";
import { REBUILD_BATCH, REBUILD_IN_FLIGHT, STALE_STATES_SQL } from "../src/services/training/state-rebuild.service.js";
import { statePrefix } from "../src/persistence/learner/learner-state-codec.js";
import { REBUILD_READ_SQL, REBUILD_WRITE_SQL } from "../src/services/personalisation/learner-model.service.js";
import { packJson } from "../src/persistence/json-pack.js";
import { markdownReport, printTable, type JobsReport, type Phase, type PromotionRun } from "./jobs/report.js";

export const TARGETS = { importPerSecond: 20_000, retrainSeconds: 600, rebuildPerSecond: 5_000 };

interface Args {
  data?: string;
  attempts: number;
  json?: string;
  keep: boolean;
  out: string;
  seed: number;
  pgUrl: string;
  /** Re-render the Markdown report from a JSON of an earlier run (no measurement). */
  render?: string;
}

const USAGE = "usage: npm run bench:jobs -- [--data <folder>] [--attempts 1000000] [--json <file>] [--keep] [--out .bench/jobs-report.md|none] [--seed 7] [--pg-url postgres://postgres@127.0.0.1:5432]";

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { attempts: 1_000_000, keep: false, out: ".bench/jobs-report.md", seed: 7, pgUrl: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${k} needs a value\n${USAGE}`);
      return v;
    };
    if (k === "--data") a.data = val();
    else if (k === "--attempts") a.attempts = Number(val().replace(/_/g, ""));
    else if (k === "--json") a.json = val();
    else if (k === "--keep") a.keep = true;
    else if (k === "--out") a.out = val();
    else if (k === "--seed") a.seed = Number(val());
    else if (k === "--pg-url") a.pgUrl = val().replace(/\/+$/, "");
    else if (k === "--render") a.render = val();
    else if (k === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  if (!Number.isInteger(a.attempts) || a.attempts < 2_500) throw new Error(`--attempts must be an integer ≥ 2500\n${USAGE}`);
  if (!Number.isInteger(a.seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
  return a;
}

const log = (msg: string) => process.stderr.write(`[bench:jobs ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const load1 = () => Number(loadavg()[0]!.toFixed(2));
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

async function admin<T>(pgUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Phases of a job from its progress messages: each message starts a phase, ended by the next one. */
class PhaseClock {
  readonly phases: Phase[] = [];
  private current: { name: string; t: number; cpu: NodeJS.CpuUsage; pg: number; load: number; dbMs: number } | null = null;

  constructor(private readonly timer: QueryTimer, private readonly prefix: string, private readonly pgCpu: PgCpu) {}

  enter(name: string): void {
    if (this.current?.name === name) return;
    this.close();
    this.timer.phase = `${this.prefix}:${name}`;
    this.current = { name, t: performance.now(), cpu: process.cpuUsage(), pg: this.pgCpu.seconds(), load: load1(), dbMs: this.timer.totalMs(`${this.prefix}:${name}`) };
  }

  close(): void {
    const c = this.current;
    if (!c) return;
    const existing = this.phases.find((p) => p.name === c.name);
    const seconds = (performance.now() - c.t) / 1000;
    const dbSeconds = (this.timer.totalMs(`${this.prefix}:${c.name}`) - c.dbMs) / 1000;
    const cpu = cpuSeconds(c.cpu);
    const pgCpu = this.pgCpu.seconds() - c.pg;
    if (existing) {
      existing.seconds += seconds;
      existing.nodeCpuSeconds += cpu;
      existing.pgCpuSeconds += pgCpu;
      existing.sqlSeconds += dbSeconds;
    } else this.phases.push({ name: c.name, seconds, nodeCpuSeconds: cpu, pgCpuSeconds: pgCpu, sqlSeconds: dbSeconds, loadAtStart: c.load });
    this.current = null;
    this.timer.phase = "-";
  }
}

function gitCommit(): string {
  try {
    const head = execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    return dirty ? `${head} + uncommitted changes in the tree` : head;
  } catch {
    return "unknown";
  }
}

/** Promotions measured in a row; the median is the figure of record. */
const PROMOTION_RUNS = 3;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const r = JSON.parse(readFileSync(args.render, "utf8")) as JobsReport;
    if (r.rebuild) r.rebuild.plans = r.rebuild.plans.map((p) => ({ ...p, plan: compactPlan([{ "QUERY PLAN": p.plan }]) }));
    console.log(printTable(r, TARGETS));
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, markdownReport(r, TARGETS));
    log(`wrote ${args.out} from ${args.render}`);
    return;
  }
  const started = new Date();
  const loadStart = loadavg().map((x) => Number(x.toFixed(2)));
  const commit = gitCommit();
  const tAll = performance.now();
  log(`load average at start: ${loadStart.join(", ")} on ${cpus().length} cores`);

  // 1. The data.
  let data: GeneratedData | { folder: string; learners: null; tasks: null; skills: null; attempts: null; simulateSeconds: null; writeSeconds: null };
  let tmp: string | null = null;
  if (args.data) {
    data = { folder: resolve(args.data), learners: null, tasks: null, skills: null, attempts: null, simulateSeconds: null, writeSeconds: null };
    log(`data: ${data.folder} (import only)`);
  } else {
    tmp = mkdtempSync(join(tmpdir(), "zpd-bench-jobs-"));
    const folder = join(tmp, `sim-${args.attempts}`);
    log(`simulating a school of ~${args.attempts.toLocaleString("en-US")} attempts into ${folder}`);
    data = generateFolder(folder, args.attempts, args.seed);
    log(`simulated ${data.learners} learners, ${data.tasks} tasks, ${data.skills} skills, ${data.attempts} attempts in ${data.simulateSeconds.toFixed(1)} s; written in ${data.writeSeconds.toFixed(1)} s`);
  }

  // 2. A scratch database.
  const dbName = `zpd_bench_jobs_${process.pid}`;
  await admin(args.pgUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await c.query(`CREATE DATABASE ${dbName}`);
  });
  const serverVersion = await admin(args.pgUrl, async (c) => ((await c.query("SHOW server_version")).rows[0] as { server_version: string }).server_version);
  log(`created database ${dbName} (PostgreSQL ${serverVersion})`);
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

    // 3. Import (as the CLI runs it on PostgreSQL: default batch, two batches in flight).
    const importClock = new PhaseClock(timer, "import", pgCpu);
    const bar = createProgressBar("import ");
    const importLoad = load1();
    const tImport = performance.now();
    const importCpu = process.cpuUsage();
    const ATTEMPTS_PHASE = "attempts (+ learner states marked)";
    // The attempts phase starts with the first attempt batch (its progress event comes only when it commits).
    timer.before = (sql) => {
      if (/^\s*WITH ins AS \(\s*INSERT INTO attempt/.test(sql)) importClock.enter(ATTEMPTS_PHASE);
    };
    const summary: ImportSummary = await new TraceImportService(ds).run({
      folder: data.folder,
      schoolId,
      batchSize: DEFAULT_BATCH,
      concurrency: 2,
      consent: [ConsentPurpose.Training, ConsentPurpose.Personalisation],
      label: args.data ? basename(data.folder) : "bench",
      onProgress: (p) => {
        importClock.enter(p.phase === "scan" ? "read and check the files" : p.phase === "catalog" ? "catalogue (skills, tasks, learners, consents)" : ATTEMPTS_PHASE);
        bar.update(p.total ? p.done / p.total : 0, p.phase);
      },
    });
    importClock.close();
    timer.before = null;
    const importSeconds = (performance.now() - tImport) / 1000;
    const importNodeCpu = cpuSeconds(importCpu);
    const importPgCpu = importClock.phases.reduce((a, p) => a + p.pgCpuSeconds, 0);
    bar.done(`${summary.attempts.added} attempts in ${importSeconds.toFixed(1)} s`);
    const importRate = (summary.attempts.added + summary.attempts.present) / importSeconds;
    log(`import: ${summary.attempts.added} attempts, ${summary.learners.added} learners in ${importSeconds.toFixed(1)} s = ${Math.round(importRate)} attempts/s`);

    const sizes = (await ds.query(
      `SELECT (SELECT count(*) FROM attempt)::int AS attempts, (SELECT count(*) FROM learner)::int AS learners,
              (SELECT count(*) FROM task)::int AS tasks, (SELECT count(*) FROM skill)::int AS skills`,
    ))[0] as { attempts: number; learners: number; tasks: number; skills: number };

    report = {
      date: started.toISOString(),
      command: `npm run bench:jobs${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
      commit,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? "unknown", memGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: [process.version, ...process.execArgv].join(" "), postgres: serverVersion },
      load: { start: loadStart, end: [] },
      data: {
        source: args.data ? data.folder : `simulator (seed ${args.seed}, ${args.attempts.toLocaleString("en-US")} attempts asked)`,
        learners: sizes.learners, tasks: sizes.tasks, skills: sizes.skills, attempts: sizes.attempts,
        simulateSeconds: data.simulateSeconds, writeSeconds: data.writeSeconds,
      },
      import: {
        seconds: importSeconds, attemptsPerSecond: importRate, nodeCpuSeconds: importNodeCpu, pgCpuSeconds: importPgCpu, loadAtStart: importLoad,
        batchSize: DEFAULT_BATCH, concurrency: 2,
        added: summary.attempts.added, learners: summary.learners.added, consents: summary.consents.added, statesMarked: summary.statesMarked,
        phases: importClock.phases, statements: top(timer, importClock.phases.map((p) => `import:${p.name}`)),
      },
      retrain: null,
      rebuild: null,
      promotion: null,
      totalSeconds: 0,
    };

    if (!args.data) {
      // Statistics and visibility map as autovacuum leaves them by the night's retrain: a million
      // inserted attempts trigger its insert-driven VACUUM (autovacuum_vacuum_insert_threshold), which
      // makes the history reads index-only (without it every attempt read visits the heap too).
      const tAnalyze = performance.now();
      await ds.query("VACUUM ANALYZE");
      const analyzeSeconds = (performance.now() - tAnalyze) / 1000;
      log(`VACUUM ANALYZE in ${analyzeSeconds.toFixed(1)} s`);
      report.import.plans = await explainImportBatch(ds, schoolId);

      // 4. Retrain on everything.
      const services = createServices({ dataSource: ds, cipher: new ProfileCipher(randomBytes(32)), logger: createLogger("warn"), maxPageSize: 100 });
      const clock = new PhaseClock(timer, "retrain", pgCpu);
      const names: Record<string, string> = {
        snapshot: "snapshot (+ split)",
        "training the candidate": "training (Meta candidate)",
        "training the task embedding": "task embedding",
        "evaluating on held-out learners": "evaluation + gates",
        promoting: "publish (promote)",
        rejecting: "publish (reject)",
        "rebuilding learner states under the candidate": "state rebuild (stage + switch)",
      };
      const rbar = createProgressBar("retrain");
      const retrainLoad = load1();
      const tRetrain = performance.now();
      const retrainCpu = process.cpuUsage();
      const result = await services.retraining.retrain(schoolId, {
        seed: 1,
        cutoff: new Date(),
        onProgress: (f, msg) => {
          if (msg && msg !== "done") clock.enter(names[msg] ?? msg);
          rbar.update(f, msg);
        },
      });
      clock.close();
      const retrainSeconds = (performance.now() - tRetrain) / 1000;
      const retrainNodeCpu = cpuSeconds(retrainCpu);
      const retrainPgCpu = clock.phases.reduce((a, p) => a + p.pgCpuSeconds, 0);
      rbar.done(`${result.status} in ${retrainSeconds.toFixed(1)} s`);
      const [mv] = (await ds.query(`SELECT version, status, metrics FROM model_version WHERE id = $1`, [result.modelVersionId])) as {
        version: number; status: string; metrics: { trainingLearners?: number; heldOutLearners?: number; trainingAttempts?: number; trainSeconds?: number; backend?: string; candidate?: { auc?: number; rmse?: number; attempts?: number } };
      }[];
      log(`retrain: ${result.status} v${result.version} in ${retrainSeconds.toFixed(1)} s`);
      report.retrain = {
        seconds: retrainSeconds, nodeCpuSeconds: retrainNodeCpu, pgCpuSeconds: retrainPgCpu, loadAtStart: retrainLoad, analyzeSeconds,
        status: result.status, version: result.version, reasons: result.reasons,
        trainingAttempts: mv?.metrics.trainingAttempts ?? null, trainingLearners: mv?.metrics.trainingLearners ?? null, heldOutLearners: mv?.metrics.heldOutLearners ?? null,
        heldOutAttempts: mv?.metrics.candidate?.attempts ?? null, auc: mv?.metrics.candidate?.auc ?? null, rmse: mv?.metrics.candidate?.rmse ?? null,
        backend: mv?.metrics.backend ?? null,
        phases: clock.phases, statements: top(timer, clock.phases.map((p) => `retrain:${p.name}`)),
      };

      // 5. The rebuild on its own: every state invalidated, then a full rebuild.
      if (result.promoted) {
        await ds.query(`UPDATE learner_state SET model_version_id = NULL`);
        await ds.query(`VACUUM ANALYZE learner_state`);
        const plans = await explainRebuild(ds, schoolId);
        const bClock = new PhaseClock(timer, "rebuild", pgCpu);
        const bbar = createProgressBar("rebuild");
        const rebuildLoad = load1();
        bClock.enter("rebuildStates");
        const tRebuild = performance.now();
        const rebuildCpu = process.cpuUsage();
        const learners = await services.training.rebuildStates(schoolId, (f) => bbar.update(f, "learners"));
        const rebuildSeconds = (performance.now() - tRebuild) / 1000;
        const rebuildNodeCpu = cpuSeconds(rebuildCpu);
        bClock.close();
        bbar.done(`${learners} learners in ${rebuildSeconds.toFixed(1)} s`);
        const [left] = (await ds.query(
          `SELECT count(*)::int AS n FROM learner_state s JOIN model_version v ON v.school_id = s.school_id AND v.status = 'ACTIVE' WHERE s.model_version_id IS DISTINCT FROM v.id`,
        )) as { n: number }[];
        const rebuildAttempts = (await ds.query(`SELECT count(*)::int AS n FROM attempt a JOIN consent c ON c.learner_id = a.learner_id AND c.purpose = $1 AND c.granted`, [ConsentPurpose.Personalisation]))[0].n as number;
        log(`rebuild: ${learners} learners in ${rebuildSeconds.toFixed(1)} s = ${Math.round(learners / rebuildSeconds)} learners/s (${left?.n ?? "?"} states left stale)`);
        report.rebuild = {
          learners, attempts: rebuildAttempts, seconds: rebuildSeconds, learnersPerSecond: learners / rebuildSeconds, nodeCpuSeconds: rebuildNodeCpu, pgCpuSeconds: bClock.phases[0]?.pgCpuSeconds ?? 0,
          sqlSeconds: timer.totalMs("rebuild:rebuildStates") / 1000, loadAtStart: rebuildLoad, staleAfter: left?.n ?? null,
          statements: top(timer, ["rebuild:rebuildStates"], 12), plans, batchSize: REBUILD_BATCH, inFlight: REBUILD_IN_FLIGHT,
        };
      }
      // 6. A promotion's rebuild on its own: stage every learner under the active version, switch, catch
      // up — PROMOTION_RUNS times (one run's figure moves by ±10 % on this shared machine); the median run is the figure.
      if (result.promoted && result.modelVersionId) {
        const version = await ds.getRepository(ModelVersion).findOneByOrFail({ id: result.modelVersionId });
        const runs: PromotionRun[] = [];
        for (let run = 1; run <= PROMOTION_RUNS; run++) {
          // What autovacuum does between two nightly promotions (a promotion's adoption leaves its staged
          // rows deleted; the one before ran a minute ago): without it the staging's inserts meet every
          // dead row of the last one in the staging table's key index.
          await ds.query(`VACUUM ANALYZE learner_state, learner_state_staged`);
          const pClock = new PhaseClock(timer, `promotion ${run}`, pgCpu);
          const pbar = createProgressBar(`promotion ${run}/${PROMOTION_RUNS}`);
          const promotionLoad = load1();
          pClock.enter("stage");
          const tStage = performance.now();
          const promotionCpu = process.cpuUsage();
          const staged = await services.training.states.stage(schoolId, loadVersion(version), (f) => pbar.update(f, "learners"));
          const stageSeconds = (performance.now() - tStage) / 1000;
          pClock.enter("switch");
          const tSwitch = performance.now();
          const { adopted, caughtUp } = await services.training.states.commit(schoolId, version);
          const switchSeconds = (performance.now() - tSwitch) / 1000;
          pClock.close();
          const seconds = stageSeconds + switchSeconds;
          pbar.done(`${staged} staged, ${adopted} adopted in ${seconds.toFixed(1)} s`);
          log(`promotion ${run}: ${staged} learners staged in ${stageSeconds.toFixed(1)} s, ${adopted} adopted in ${switchSeconds.toFixed(1)} s = ${Math.round(staged / seconds)} learners/s`);
          runs.push({
            learners: staged, adopted, caughtUp, seconds, stageSeconds, switchSeconds, learnersPerSecond: staged / seconds,
            nodeCpuSeconds: cpuSeconds(promotionCpu), pgCpuSeconds: pClock.phases.reduce((a, ph) => a + ph.pgCpuSeconds, 0), loadAtStart: promotionLoad,
          });
        }
        const byRate = [...runs].sort((a, b) => a.learnersPerSecond - b.learnersPerSecond);
        report.promotion = { ...byRate[Math.floor(byRate.length / 2)]!, runs };
      }
      await services.jobs.close();
    }
  } finally {
    pgCpu.stop();
    await db?.close().catch(() => {});
    if (args.keep) log(`kept database ${dbName} (drop it with: psql ${args.pgUrl}/postgres -c 'DROP DATABASE ${dbName}')`);
    else {
      await admin(args.pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch((e) => log(`could not drop ${dbName}: ${(e as Error).message}`));
      log(`dropped database ${dbName}`);
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
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
    writeFileSync(args.json, JSON.stringify({ targets: TARGETS, ...report }, null, 2) + "\n");
    log(`wrote ${args.json}`);
  }
}

function top(timer: QueryTimer, phases: string[], n = 6): StatementStat[] {
  return phases.flatMap((p) => timer.of(p).slice(0, n)).map((s) => ({ ...s, ms: Math.round(s.ms) }));
}

/**
 * EXPLAIN ANALYZE of the rebuild's statements on its first batch of 500 learners (what
 * TrainingService.rebuildStates and LearnerModelService.rebuildMany send). Writes are explained
 * inside a transaction that is rolled back.
 */
async function explainRebuild(ds: Database["dataSource"], schoolId: string): Promise<{ statement: string; plan: string }[]> {
  const [active] = (await ds.query(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [schoolId])) as { id: string }[];
  const out: { statement: string; plan: string }[] = [];
  const explain = async (statement: string, sql: string, params: unknown[]) => {
    const rows = (await ds.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as { "QUERY PLAN": string }[];
    out.push({ statement, plan: compactPlan(rows) });
  };
  const tag = active ? loadVersion(await ds.getRepository(ModelVersion).findOneByOrFail({ id: active.id })).stateTag : "";
  const selectParams = [schoolId, ConsentPurpose.Personalisation, active?.id ?? null, statePrefix(tag)];
  await explain("rebuildStates: learners to rebuild", STALE_STATES_SQL, selectParams);
  const ids = ((await ds.query(`${STALE_STATES_SQL} LIMIT ${REBUILD_BATCH}`, selectParams)) as { learner_id: string }[]).map((r) => r.learner_id);
  await explain(`rebuildMany: the learners' rows with their histories (${ids.length} learners)`, REBUILD_READ_SQL, [ids]);
  const taskIds = ((await ds.query(`SELECT DISTINCT task_id FROM attempt WHERE learner_id = ANY($1::uuid[])`, [ids])) as { task_id: string }[]).map((r) => r.task_id);
  await explain("rebuildMany: Q-matrix of the tasks", `SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [taskIds]);
  // The write, on the rows as they are (same shape as rebuildMany's), rolled back.
  const qr = ds.createQueryRunner();
  try {
    await qr.startTransaction();
    const states = (await qr.query(
      `SELECT learner_id, state, mastery::text AS mastery, attempt_count, version, (extract(epoch FROM last_attempt_at) * 1000)::float8 AS last
       FROM learner_state WHERE learner_id = ANY($1::uuid[])`, [ids])) as { learner_id: string; state: string; mastery: string; attempt_count: number; version: number; last: number | null }[];
    const rows = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${REBUILD_WRITE_SQL}`,
      [active?.id ?? null, states.map((s) => s.learner_id), packJson(states.map((s) => s.state)), packJson(states.map((s) => s.mastery)),
        states.map((s) => s.attempt_count), states.map((s) => s.version), states.map((s) => s.last), ConsentPurpose.Personalisation],
    )) as { "QUERY PLAN": string }[];
    out.push({ statement: `rebuildMany: UPDATE learner_state, state + mastery (${states.length} rows)`, plan: compactPlan(rows) });
  } finally {
    await qr.rollbackTransaction().catch(() => {});
    await qr.release();
  }
  return out;
}

/**
 * EXPLAIN ANALYZE of one import batch, exactly as TraceImportService.writeAttempts sends it: 5,000
 * attempts of the school copied with new ids and keys (so they are new rows), then the learner-state
 * marking; in a transaction rolled back. The triggers' lines are the foreign-key checks.
 */
async function explainImportBatch(ds: Database["dataSource"], schoolId: string): Promise<{ statement: string; plan: string }[]> {
  const qr = ds.createQueryRunner();
  const out: { statement: string; plan: string }[] = [];
  try {
    await qr.startTransaction();
    const rows = (await qr.query(
      `SELECT learner_id, task_id, correct, idempotency_key AS key FROM attempt WHERE school_id = $1 ORDER BY learner_id, occurred_at LIMIT ${DEFAULT_BATCH}`,
      [schoolId],
    )) as { learner_id: string; task_id: string; correct: boolean; key: string }[];
    const plan = (await qr.query(
      `EXPLAIN (ANALYZE, BUFFERS) ${WRITE_ATTEMPTS_SQL}`,
      [schoolId, "2000-01-01T00:00:00.000Z", "import", "bench-explain:", uuidv7s(rows.length), rows.map((r) => r.learner_id), rows.map((r) => r.task_id),
        rows.map((r) => r.correct), rows.map((_, i) => i + 1), rows.map((r) => r.key)],
    )) as { "QUERY PLAN": string }[];
    out.push({ statement: `INSERT of one batch of ${rows.length} attempts (writeAttempts)`, plan: compactPlan(plan) });
    const learners = [...new Set(rows.map((r) => r.learner_id))];
    const mark = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${MARK_FOR_REBUILD_SQL}`, [schoolId, learners])) as { "QUERY PLAN": string }[];
    out.push({ statement: `learner states marked for rebuild (${learners.length} learners)`, plan: compactPlan(mark) });
  } finally {
    await qr.rollbackTransaction().catch(() => {});
    await qr.release();
  }
  return out;
}

/** The plan's lines, with long literal arrays (the batch's ids) shortened. */
function compactPlan(rows: { "QUERY PLAN": string }[]): string {
  return rows
    .map((r) => r["QUERY PLAN"].replace(/'\{([^}]{120,})\}'/g, (_m, inner: string) => `'{… ${inner.split(",").length} values …}'`))
    .join("\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
