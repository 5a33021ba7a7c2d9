/**
 * Phase 2 of the jobs benchmark: a retrain on everything imported (services.retraining.retrain:
 * snapshot, split, Meta candidate, task embedding, evaluation, gates, publish, state rebuild), with
 * its steps timed from the job's progress messages.
 */
import type { Services } from "../../src/services/index.js";
import { createProgressBar } from "../lib/progress.js";
import { cpuSeconds, load1, log, PhaseClock, top, type PhaseContext } from "./phase-clock.js";
import type { JobsReport } from "./report.js";

/** The retrain's progress messages, under the names the report gives its phases. */
const PHASE_NAMES: Record<string, string> = {
  snapshot: "snapshot (+ split)",
  "training the candidate": "training (Meta candidate)",
  "training the task embedding": "task embedding",
  // The held-out predictions and scores; each gate then says when it starts (judge's onGate). Reports
  // from before the gates said so have one "evaluation + gates" phase.
  "evaluating on held-out learners": "evaluation",
  "checking the metrics gate": "metric gate",
  "checking the fairness gate": "fairness gate",
  promoting: "publish (promote)",
  rejecting: "publish (reject)",
  "rebuilding learner states under the candidate": "state rebuild (stage + switch)",
};

/**
 * Statistics and visibility map as autovacuum leaves them by the night's retrain: a million
 * inserted attempts trigger its insert-driven VACUUM (autovacuum_vacuum_insert_threshold), which
 * makes the history reads index-only (without it every attempt read visits the heap too).
 * Returns its seconds (reported with the retrain).
 */
export async function analyzeAsAutovacuumWould(ctx: PhaseContext): Promise<number> {
  const tAnalyze = performance.now();
  await ctx.ds.query("VACUUM ANALYZE");
  const analyzeSeconds = (performance.now() - tAnalyze) / 1000;
  log(`VACUUM ANALYZE in ${analyzeSeconds.toFixed(1)} s`);
  return analyzeSeconds;
}

export type RetrainResult = Awaited<ReturnType<Services["retraining"]["retrain"]>>;

export interface RetrainPhaseResult {
  readonly result: RetrainResult;
  readonly report: NonNullable<JobsReport["retrain"]>;
}

export async function runRetrainPhase(ctx: PhaseContext, services: Services, analyzeSeconds: number): Promise<RetrainPhaseResult> {
  const { ds, schoolId, timer, pgCpu } = ctx;
  const clock = new PhaseClock(timer, "retrain", pgCpu);
  const rbar = createProgressBar("retrain");
  const retrainLoad = load1();
  const tRetrain = performance.now();
  const retrainCpu = process.cpuUsage();
  const result = await services.retraining.retrain(schoolId, {
    seed: 1,
    cutoff: new Date(),
    onProgress: (f, msg) => {
      if (msg && msg !== "done") clock.enter(PHASE_NAMES[msg] ?? msg);
      rbar.update(f, msg);
    },
  });
  clock.close();
  const retrainSeconds = (performance.now() - tRetrain) / 1000;
  const retrainNodeCpu = cpuSeconds(retrainCpu);
  const retrainPgCpu = clock.phases.reduce((a, p) => a + p.pgCpuSeconds, 0);
  rbar.done(`${result.status} in ${retrainSeconds.toFixed(1)} s`);
  const [mv] = (await ds.query(`SELECT version, status, metrics FROM model_version WHERE id = $1`, [result.modelVersionId])) as {
    version: number;
    status: string;
    metrics: {
      trainingLearners?: number;
      heldOutLearners?: number;
      trainingAttempts?: number;
      trainSeconds?: number;
      backend?: string;
      candidate?: { auc?: number; rmse?: number; attempts?: number };
      gates?: { gate: string; passed: boolean; detail: string }[];
    };
  }[];
  log(`retrain: ${result.status} v${result.version} in ${retrainSeconds.toFixed(1)} s`);
  return {
    result,
    report: {
      seconds: retrainSeconds,
      nodeCpuSeconds: retrainNodeCpu,
      pgCpuSeconds: retrainPgCpu,
      loadAtStart: retrainLoad,
      analyzeSeconds,
      status: result.status,
      version: result.version,
      reasons: result.reasons,
      trainingAttempts: mv?.metrics.trainingAttempts ?? null,
      trainingLearners: mv?.metrics.trainingLearners ?? null,
      heldOutLearners: mv?.metrics.heldOutLearners ?? null,
      heldOutAttempts: mv?.metrics.candidate?.attempts ?? null,
      auc: mv?.metrics.candidate?.auc ?? null,
      rmse: mv?.metrics.candidate?.rmse ?? null,
      backend: mv?.metrics.backend ?? null,
      gates: (mv?.metrics.gates ?? []).map(({ gate, passed, detail }) => ({ gate, passed, detail })),
      phases: clock.phases,
      statements: top(
        timer,
        clock.phases.map((p) => `retrain:${p.name}`),
      ),
    },
  };
}
