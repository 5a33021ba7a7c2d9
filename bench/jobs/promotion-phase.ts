/**
 * Phase 4 of the jobs benchmark: a promotion's rebuild on its own — stage every learner under the
 * active version, switch, catch up — PROMOTION_RUNS times (one run's figure moves by ±10 % on this
 * shared machine); the median run is the figure.
 */
import { ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import type { Services } from "../../src/services/index.js";
import { loadVersion } from "../../src/services/personalisation/active-models.js";
import { createProgressBar } from "../lib/progress.js";
import { cpuSeconds, load1, log, PhaseClock, type PhaseContext } from "./phase-clock.js";
import type { JobsReport, PromotionRun } from "./report.js";

/** Promotions measured in a row; the median is the figure of record. */
const PROMOTION_RUNS = 3;

export async function runPromotionPhase(
  ctx: PhaseContext,
  services: Services,
  modelVersionId: string,
): Promise<NonNullable<JobsReport["promotion"]>> {
  const { ds, schoolId, timer, pgCpu } = ctx;
  const version = await ds.getRepository(ModelVersion).findOneByOrFail({ id: modelVersionId });
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
    log(
      `promotion ${run}: ${staged} learners staged in ${stageSeconds.toFixed(1)} s, ${adopted} adopted in ${switchSeconds.toFixed(1)} s = ${Math.round(staged / seconds)} learners/s`,
    );
    runs.push({
      learners: staged,
      adopted,
      caughtUp,
      seconds,
      stageSeconds,
      switchSeconds,
      learnersPerSecond: staged / seconds,
      nodeCpuSeconds: cpuSeconds(promotionCpu),
      pgCpuSeconds: pClock.phases.reduce((a, ph) => a + ph.pgCpuSeconds, 0),
      loadAtStart: promotionLoad,
    });
  }
  const byRate = [...runs].sort((a, b) => a.learnersPerSecond - b.learnersPerSecond);
  return { ...byRate[Math.floor(byRate.length / 2)]!, runs };
}
