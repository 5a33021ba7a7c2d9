/**
 * Phase 1 of the jobs benchmark: the trace import, as `npm run import` runs it on PostgreSQL (default
 * batch, two batches in flight, consent training + personalisation recorded), with its steps timed
 * from the import's own progress events.
 */
import { ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";
import { DEFAULT_BATCH, TraceImportService, type ImportSummary } from "../../src/services/import/trace-import.service.js";
import { createProgressBar } from "../lib/progress.js";
import { cpuSeconds, load1, log, PhaseClock, top, type PhaseContext } from "./phase-clock.js";
import type { JobsReport } from "./report.js";

/** Attempt batches in flight, as the CLI writes them on PostgreSQL. */
const CONCURRENCY = 2;

export interface ImportPhaseResult {
  readonly summary: ImportSummary;
  readonly report: JobsReport["import"];
}

export async function runImportPhase(ctx: PhaseContext, folder: string, label: string): Promise<ImportPhaseResult> {
  const { ds, schoolId, timer, pgCpu } = ctx;
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
    folder,
    schoolId,
    batchSize: DEFAULT_BATCH,
    concurrency: CONCURRENCY,
    consent: [ConsentPurpose.Training, ConsentPurpose.Personalisation],
    label,
    onProgress: (p) => {
      importClock.enter(
        p.phase === "scan"
          ? "read and check the files"
          : p.phase === "catalog"
            ? "catalogue (skills, tasks, learners, consents)"
            : ATTEMPTS_PHASE,
      );
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
  log(
    `import: ${summary.attempts.added} attempts, ${summary.learners.added} learners in ${importSeconds.toFixed(1)} s = ${Math.round(importRate)} attempts/s`,
  );
  return {
    summary,
    report: {
      seconds: importSeconds,
      attemptsPerSecond: importRate,
      nodeCpuSeconds: importNodeCpu,
      pgCpuSeconds: importPgCpu,
      loadAtStart: importLoad,
      batchSize: DEFAULT_BATCH,
      concurrency: CONCURRENCY,
      added: summary.attempts.added,
      learners: summary.learners.added,
      consents: summary.consents.added,
      statesMarked: summary.statesMarked,
      phases: importClock.phases,
      statements: top(
        timer,
        importClock.phases.map((p) => `import:${p.name}`),
      ),
    },
  };
}
