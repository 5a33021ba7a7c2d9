/**
 * Phase 3 of the jobs benchmark: the state rebuild on its own (services.training.rebuildStates) after
 * every state was invalidated, with its statements explained on one batch beforehand.
 */
import { ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";
import type { Services } from "../../src/services/index.js";
import { REBUILD_BATCH, REBUILD_IN_FLIGHT } from "../../src/services/training/state-rebuild.service.js";
import { createProgressBar } from "../lib/progress.js";
import { explainRebuild } from "./explain.js";
import { cpuSeconds, load1, log, PhaseClock, top, type PhaseContext } from "./phase-clock.js";
import type { JobsReport } from "./report.js";

export async function runRebuildPhase(ctx: PhaseContext, services: Services): Promise<NonNullable<JobsReport["rebuild"]>> {
  const { ds, schoolId, timer, pgCpu } = ctx;
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
  const rebuildAttempts = (
    await ds.query(
      `SELECT count(*)::int AS n FROM attempt a JOIN consent c ON c.learner_id = a.learner_id AND c.purpose = $1 AND c.granted`,
      [ConsentPurpose.Personalisation],
    )
  )[0].n as number;
  log(
    `rebuild: ${learners} learners in ${rebuildSeconds.toFixed(1)} s = ${Math.round(learners / rebuildSeconds)} learners/s (${left?.n ?? "?"} states left stale)`,
  );
  return {
    learners,
    attempts: rebuildAttempts,
    seconds: rebuildSeconds,
    learnersPerSecond: learners / rebuildSeconds,
    nodeCpuSeconds: rebuildNodeCpu,
    pgCpuSeconds: bClock.phases[0]?.pgCpuSeconds ?? 0,
    sqlSeconds: timer.totalMs("rebuild:rebuildStates") / 1000,
    loadAtStart: rebuildLoad,
    staleAfter: left?.n ?? null,
    statements: top(timer, ["rebuild:rebuildStates"], 12),
    plans,
    batchSize: REBUILD_BATCH,
    inFlight: REBUILD_IN_FLIGHT,
  };
}
