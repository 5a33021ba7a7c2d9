/**
 * Phase 2, PostgreSQL stopped and restarted under load (the benchmark's own cluster, never a shared
 * server): the server ingests and answers recommendations; after a few seconds `pg_ctl stop -m fast`,
 * `outageSeconds` later `pg_ctl start`; the server is NOT restarted. Measured: what clients were told
 * while the database was away (target: every error UNAVAILABLE with `retryable: true`), how long after
 * the database was back the first request succeeded, whether the server process lived through it, what
 * it logged meanwhile, and the ledger (nothing acknowledged lost).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../api/server.js";
import { startForked } from "../api/fork.js";
import type { Cluster } from "./cluster.js";
import { checkLedger, type LedgerCheck } from "./ledger.js";
import type { IngestPlan, IngestResults, Outcome } from "./load.js";
import { FaultServer } from "./server.js";
import type { PreparedSchool } from "./school.js";
import type { Log, Session } from "./session.js";

export interface OutageFigures {
  readonly db: "postgres";
  /** From `pg_ctl stop` returning to `pg_ctl start` being run, and what each took, seconds. */
  readonly downSeconds: number;
  readonly stopSeconds: number;
  readonly startSeconds: number;
  readonly requestsBefore: number;
  readonly errorsBefore: number;
  /** Answers from the stop to the end of the phase (the recovery included: a request may fail on a connection the stop broke). */
  readonly duringOutage: {
    readonly requests: number;
    readonly errors: number;
    /** Errors by what the client saw: the GraphQL code (with the HTTP status), or the transport failure. */
    readonly byKind: Record<string, number>;
    readonly unavailableRetryable: number;
  };
  /** From `pg_ctl start` returning (accepting connections) to the first acknowledged request; null: none. */
  readonly recoverySeconds: number | null;
  /** Errors after that first success. */
  readonly errorsAfterRecovery: number;
  /** The server process was alive at the end, never restarted. */
  readonly serverSurvived: boolean;
  /** The server's log from the stop to the end: every entry, those at level error or above, those with a stack trace. */
  readonly logLines: number;
  readonly errorLogLines: number;
  readonly stackTraceLines: number;
  readonly ledger: LedgerCheck;
  readonly ackedOnResend: number;
  readonly duplicateOnResend: number;
}

const kindOf = (o: Outcome): string =>
  o.transport ? `no answer (${o.transport})` : `${o.code ?? "no code"}${o.retryable ? " retryable" : ""}, HTTP ${o.status}`;

export async function outagePhase(
  session: Session,
  school: PreparedSchool,
  cluster: Cluster,
  outageSeconds: number,
  log: Log,
): Promise<OutageFigures> {
  const copy = await school.copy("outage");
  const server = new FaultServer({
    env: { ...copy.env, ...session.serverEnv(school) },
    port: await freePort(),
    pid1: false,
    logDir: join(session.scratch, "logs"),
    label: "outage",
  });
  const keyPrefix = `outage-${session.stamp}`;
  try {
    await server.start();
    const plan: IngestPlan = {
      url: server.url,
      token: await session.adminToken(school),
      learners: school.info.learners,
      taskIds: school.info.taskIds,
      keyPrefix,
      concurrency: 4,
      batchShare: 0.3,
      maxBatch: 20,
      readShare: 0.2,
      pauseMs: 20,
      retryPauseMs: 100,
      timeoutMs: 15_000,
      seed: session.seed + 1000,
    };
    const load = startForked<IngestPlan, IngestResults>("dist/bench/faults/load.js", plan, (m) => log(`  load: ${m}`));
    load.results.catch(() => {}); // awaited below
    let tStop = 0;
    let tDown = 0;
    let tStart = 0;
    let tReady = 0;
    let stopSeconds = 0;
    let startSeconds = 0;
    try {
      await session.sleep(5000);
      tStop = Date.now();
      stopSeconds = await cluster.stop("fast");
      tDown = Date.now();
      log(`PostgreSQL stopped (pg_ctl stop -m fast: ${stopSeconds.toFixed(1)} s); starting it again in ${outageSeconds} s`);
      await session.sleep(outageSeconds * 1000);
      tStart = Date.now();
      startSeconds = await cluster.start();
      tReady = Date.now();
      log(`PostgreSQL accepting connections again (pg_ctl start: ${startSeconds.toFixed(1)} s)`);
      await session.sleep(15_000);
    } finally {
      load.send({ type: "stop" });
    }
    const ledger = await load.results;
    const serverSurvived = server.alive();
    await server.stop();
    const check = await checkLedger(copy.open, school.info.schoolId, keyPrefix, ledger);

    const firstOk = ledger.outcomes.find((o) => o.ok && o.t >= tReady);
    const recoveredAt = firstOk?.t ?? Number.POSITIVE_INFINITY;
    const before = ledger.outcomes.filter((o) => o.t < tStop);
    const during = ledger.outcomes.filter((o) => o.t >= tStop);
    const after = ledger.outcomes.filter((o) => o.t >= recoveredAt);
    const byKind: Record<string, number> = {};
    for (const o of during) if (!o.ok) byKind[kindOf(o)] = (byKind[kindOf(o)] ?? 0) + 1;
    const logLines = readFileSync(server.logs[0]!, "utf8").split("\n");
    let logEntries = 0;
    let errorLogLines = 0;
    let stackTraceLines = 0;
    for (const line of logLines) {
      let entry: { level?: number; time?: number } | null = null;
      try {
        entry = JSON.parse(line) as { level?: number; time?: number };
      } catch {
        /* not a log entry */
      }
      if (!entry?.time || entry.time < tStop) continue;
      logEntries++;
      if ((entry.level ?? 0) >= 50) errorLogLines++;
      if (line.includes('"stack"') || line.includes("\\n    at ")) stackTraceLines++;
    }
    const figures: OutageFigures = {
      db: "postgres",
      downSeconds: (tStart - tDown) / 1000,
      stopSeconds,
      startSeconds,
      requestsBefore: before.length,
      errorsBefore: before.filter((o) => !o.ok).length,
      duringOutage: {
        requests: during.length,
        errors: during.filter((o) => !o.ok).length,
        byKind,
        unavailableRetryable: during.filter((o) => !o.ok && o.code === "UNAVAILABLE" && o.retryable).length,
      },
      recoverySeconds: firstOk ? (firstOk.t - tReady) / 1000 : null,
      errorsAfterRecovery: after.filter((o) => !o.ok).length,
      serverSurvived,
      logLines: logEntries,
      errorLogLines,
      stackTraceLines,
      ledger: check,
      ackedOnResend: ledger.ackedOnResend,
      duplicateOnResend: ledger.duplicateOnResend,
    };
    log(
      `outage: ${figures.duringOutage.errors} errors (${JSON.stringify(byKind)}); first success ${figures.recoverySeconds?.toFixed(2) ?? "never"} s after PostgreSQL was back; ${check.lost} lost`,
    );
    return figures;
  } finally {
    await server.stop().catch(() => {});
    await copy.dispose().catch((e) => log(`could not drop the outage database: ${(e as Error).message}`));
  }
}
