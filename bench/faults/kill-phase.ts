/**
 * Phase 1, kill -9 during ingestion: the server ingests single attempts and batches from the load
 * process; at a random moment (0.5–3 s after it answered /healthz) it is killed with SIGKILL and
 * restarted at once; `cycles` times. Then the load stops, the server stops gracefully, and the
 * ledger is checked against the database. Once with the server started directly, once as pid 1 of
 * a fresh pid namespace (server.ts).
 */
import { join } from "node:path";
import { freePort } from "../api/server.js";
import { startForked } from "../api/fork.js";
import { checkLedger, type LedgerCheck } from "./ledger.js";
import type { IngestPlan, IngestResults } from "./load.js";
import { FaultServer } from "./server.js";
import type { PreparedSchool } from "./school.js";
import type { Log, Session } from "./session.js";
import { quantile } from "./session.js";

export interface KillFigures {
  readonly db: string;
  /** deferred: started directly, the batches by ingestAttempts. */
  readonly variant: "direct" | "pid1" | "deferred";
  readonly cycles: number;
  readonly ledger: LedgerCheck;
  /** Requests cut by a kill (sent, no answer): their attempts were re-sent unchanged. */
  readonly cutRequests: number;
  readonly ackedOnResend: number;
  /** Re-sent attempts answered duplicate: true — written before the kill, answer lost, not written twice. */
  readonly duplicateOnResend: number;
  readonly duplicateOnFirstSend: number;
  /** From the killed server's exit to the new one's healthy /healthz, seconds. */
  readonly restartSeconds: { median: number; max: number };
  /** Restarts refused at least once, refused tries in all, and restarts that needed the lock removed by hand. */
  readonly refusedRestarts: number;
  readonly refusedTries: number;
  readonly lockRemovals: number;
  readonly refusalReasons: string[];
  /** Requests acknowledged between two kills (each cycle should ingest something). */
  readonly ackedRequestsPerCycle: { min: number; median: number };
  readonly seconds: number;
}

export async function killPhase(
  session: Session,
  school: PreparedSchool,
  variant: "direct" | "pid1" | "deferred",
  cycles: number,
  log: Log,
): Promise<KillFigures> {
  const t0 = Date.now();
  const name = `kill_${school.db}_${variant}`;
  const copy = await school.copy(name);
  const server = new FaultServer({
    env: { ...copy.env, ...session.serverEnv(school) },
    port: await freePort(),
    pid1: variant === "pid1",
    logDir: join(session.scratch, "logs"),
    label: name,
    dataDir: copy.env.ZPD_DATA_DIR,
  });
  const keyPrefix = `${name}-${session.stamp}`;
  const restarts: number[] = [];
  const killTimes: number[] = [];
  const refusalReasons = new Set<string>();
  let refusedRestarts = 0;
  let refusedTries = 0;
  let lockRemovals = 0;
  try {
    const first = await server.start();
    log(
      `server healthy in ${first.seconds.toFixed(1)} s (${variant === "pid1" ? `pid 1 of a new namespace, host pid ${server.pid}` : `pid ${server.pid}`})`,
    );
    const plan: IngestPlan = {
      url: server.url,
      token: await session.adminToken(school),
      learners: school.info.learners,
      taskIds: school.info.taskIds,
      keyPrefix,
      concurrency: 4,
      // The deferred variant: most writes are batches, so that kills land between acknowledgements and applies.
      batchShare: variant === "deferred" ? 0.8 : 0.3,
      deferred: variant === "deferred",
      maxBatch: 20,
      readShare: 0,
      pauseMs: 20,
      retryPauseMs: 100,
      timeoutMs: 10_000,
      seed: session.seed + cycles,
    };
    const load = startForked<IngestPlan, IngestResults>("dist/bench/faults/load.js", plan, (m) => log(`  load: ${m}`));
    load.results.catch(() => {}); // awaited below; not left unhandled if a cycle fails first
    try {
      for (let c = 1; c <= cycles; c++) {
        await session.sleep(500 + session.rand() * 2500);
        killTimes.push(Date.now());
        await server.kill9();
        const r = await server.start();
        restarts.push(r.seconds);
        if (r.refusals.length) {
          refusedRestarts++;
          refusedTries += r.refusals.length;
          for (const x of r.refusals) refusalReasons.add(x.replace(/\/tmp\/\S+/g, "<folder>"));
        }
        if (r.lockRemoved) lockRemovals++;
        log(
          `cycle ${c}/${cycles}: killed, healthy again in ${r.seconds.toFixed(2)} s${r.refusals.length ? ` after ${r.refusals.length} refused tries${r.lockRemoved ? " and removing the stale lock by hand" : ""}` : ""}`,
        );
      }
      await session.sleep(2000);
    } finally {
      load.send({ type: "stop" });
    }
    const ledger = await load.results;
    // The deferred path's applier takes what was acknowledged ZPD_APPLY_DELAY_MS (1 s) after it: let it finish.
    if (variant === "deferred") await session.sleep(3000);
    await server.stop();
    const check = await checkLedger(copy.open, school.info.schoolId, keyPrefix, ledger);
    // Acknowledgements between consecutive kills (the last window runs to the end).
    const bounds = [...killTimes, Number.POSITIVE_INFINITY];
    const perCycle = bounds.map(() => 0);
    for (const o of ledger.outcomes) {
      if (!o.ok || o.op === "read") continue;
      const i = bounds.findIndex((b) => o.t <= b);
      perCycle[i]! += 1;
    }
    const figures: KillFigures = {
      db: school.db,
      variant,
      cycles,
      ledger: check,
      cutRequests: ledger.outcomes.filter((o) => o.transport && o.transport !== "ECONNREFUSED").length,
      ackedOnResend: ledger.ackedOnResend,
      duplicateOnResend: ledger.duplicateOnResend,
      duplicateOnFirstSend: ledger.duplicateOnFirstSend,
      restartSeconds: { median: quantile(restarts, 0.5), max: Math.max(...restarts) },
      refusedRestarts,
      refusedTries,
      lockRemovals,
      refusalReasons: [...refusalReasons],
      ackedRequestsPerCycle: { min: Math.min(...perCycle.slice(0, cycles)), median: quantile(perCycle.slice(0, cycles), 0.5) },
      seconds: (Date.now() - t0) / 1000,
    };
    log(
      `${school.db} ${variant}: ${check.acknowledged} acknowledged, ${check.lost} lost, ${check.duplicated} duplicated; ${figures.cutRequests} requests cut by a kill; restarts median ${figures.restartSeconds.median.toFixed(2)} s, ${refusedRestarts} refused`,
    );
    return figures;
  } finally {
    await server.stop().catch(() => {});
    await copy.dispose().catch((e) => log(`could not remove ${name}: ${(e as Error).message}`));
  }
}
