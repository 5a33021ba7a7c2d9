/** The faults benchmark's tables (Markdown, also printed) and its JSON of figures, each figure judged against its target. */
import type { KillFigures } from "./kill-phase.js";
import type { OutageFigures } from "./outage-phase.js";
import type { WorkerFigures } from "./worker-phase.js";

export interface FaultsRun {
  readonly command: string;
  readonly commit: string;
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly databases: Record<string, string>;
  readonly loadAverage: { start: number[]; end: number[] };
  readonly seconds: number;
  readonly school: string;
  readonly kill: KillFigures[];
  readonly outage?: OutageFigures;
  readonly worker?: WorkerFigures;
  /** Phases that could not run to the end, with why. */
  readonly failures: { phase: string; error: string }[];
  /** Every target: met or not. */
  readonly targets: { phase: string; target: string; met: boolean; figure: string }[];
}

const s1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(1));
const s2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(2));
const verdict = (met: boolean) => (met ? "met" : "**not met**");
const server = (k: KillFigures) =>
  k.variant === "pid1" ? "pid 1 (unshare)" : k.variant === "deferred" ? "direct, batches by ingestAttempts" : "direct";

export function judge(kill: KillFigures[], outage?: OutageFigures, worker?: WorkerFigures): FaultsRun["targets"] {
  const out: FaultsRun["targets"] = [];
  for (const k of kill) {
    const where = `${k.db}, ${server(k)}`;
    const l = k.ledger;
    out.push({
      phase: "kill",
      target: `${where}: 0 acknowledged attempts lost, 0 duplicated`,
      met: l.lost === 0 && l.duplicated === 0 && l.unknown === 0 && k.duplicateOnFirstSend === 0 && l.acknowledged > 0,
      figure: `${l.acknowledged} acknowledged, ${l.lost} lost, ${l.duplicated} duplicated${l.unknown ? `, ${l.unknown} stored never sent` : ""}`,
    });
    if (k.variant === "deferred")
      out.push({
        phase: "kill",
        target: `${where}: every acknowledged attempt in its learner's state exactly once`,
        met: l.stateMismatches === 0 && l.pending === 0,
        figure: `${l.stateMismatches} learners whose state's count differs from their applied attempts; ${l.pending} attempts still pending`,
      });
    out.push({
      phase: "kill",
      target: `${where}: every restart right after the kill accepted`,
      met: k.refusedRestarts === 0,
      figure: `${k.refusedRestarts} of ${k.cycles} restarts refused${k.lockRemovals ? `, ${k.lockRemovals} needed the lock removed by hand` : ""}`,
    });
  }
  if (outage) {
    const d = outage.duringOutage;
    out.push({
      phase: "outage",
      target: "every client error during the outage UNAVAILABLE and retryable",
      met: d.errors > 0 && d.unavailableRetryable === d.errors,
      figure: `${d.unavailableRetryable} of ${d.errors} errors`,
    });
    out.push({
      phase: "outage",
      target: "the server recovers without a restart",
      met: outage.serverSurvived && outage.recoverySeconds !== null,
      figure: outage.serverSurvived
        ? `first success ${s2(outage.recoverySeconds)} s after PostgreSQL was back, same process`
        : "the server process died",
    });
    out.push({
      phase: "outage",
      target: "0 acknowledged attempts lost, 0 duplicated",
      met: outage.ledger.lost === 0 && outage.ledger.duplicated === 0 && outage.ledger.unknown === 0 && outage.ledger.acknowledged > 0,
      figure: `${outage.ledger.acknowledged} acknowledged, ${outage.ledger.lost} lost, ${outage.ledger.duplicated} duplicated`,
    });
  }
  if (worker) {
    out.push({
      phase: "worker",
      target: "the active model unchanged after the kill",
      met: worker.activeUnchangedUntilRetry && worker.activeAfterKill === worker.activeBefore,
      figure: `v${worker.activeBefore} before, v${worker.activeAfterKill} after the kill${worker.activeUnchangedUntilRetry ? ", until the retry" : ", changed before the retry"}`,
    });
    out.push({
      phase: "worker",
      target: "the job completes after the restart, and a model version results",
      met: worker.run.status === "SUCCEEDED" && worker.run.attempts > 1 && worker.newVersions.length > 0,
      figure: `${worker.run.status} on attempt ${worker.run.attempts}, ${s1(worker.completedSeconds)} s after the kill; new versions: ${
        worker.newVersions.map((v) => `v${v.version} ${v.status}`).join(", ") || "none"
      }`,
    });
    const bound = retryBoundSeconds(worker.timing);
    out.push({
      phase: "worker",
      target: `the job runs again within ${bound} s of the kill (heartbeat + supervision + twice the first retry delay + a poll and start-up: ${worker.timing.heartbeatSeconds} + ${worker.timing.superviseIntervalSeconds} + ${2 * worker.timing.retryDelaySeconds} + 5)`,
      met: worker.retryStartedSeconds !== null && worker.retryStartedSeconds <= bound,
      figure:
        worker.retryStartedSeconds === null
          ? `no retry within ${worker.waitLimitSeconds} s`
          : `retry started ${s1(worker.retryStartedSeconds)} s after the kill`,
    });
  }
  return out;
}

/**
 * Issue #13: a killed worker's job runs again as soon as its settings allow: once the heartbeat lapsed,
 * at the next supervision pass, after the first retry delay (at most twice it, with pg-boss's jitter),
 * plus the next poll (2 s) and the run's start (3 s).
 */
const retryBoundSeconds = (t: WorkerFigures["timing"]): number =>
  t.heartbeatSeconds + t.superviseIntervalSeconds + 2 * t.retryDelaySeconds + 5;

export function killTable(kill: readonly KillFigures[]): string {
  const rows = kill.map((k) => {
    const l = k.ledger;
    const ok = l.lost === 0 && l.duplicated === 0 && l.unknown === 0 && k.duplicateOnFirstSend === 0;
    return `| ${k.db} | ${server(k)} | ${k.cycles} | ${l.acknowledged} | **${l.lost}** | **${l.duplicated}** | ${k.cutRequests} | ${k.duplicateOnResend} of ${k.ackedOnResend} | ${l.unacknowledged} (${l.unacknowledgedStored} stored) | ${s2(k.restartSeconds.median)} / ${s2(k.restartSeconds.max)} | ${k.refusedRestarts} (${k.refusedTries} tries, ${k.lockRemovals} by hand) | ${verdict(ok)} / ${verdict(k.refusedRestarts === 0)} |`;
  });
  return [
    "| database | server | kills | attempts acknowledged | lost | duplicated | requests cut by a kill | re-sent attempts answered duplicate | never acknowledged | restart s, median / max | restarts refused | 0 lost and 0 duplicated / restarts accepted |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

export function outageTable(o: OutageFigures): string {
  const d = o.duringOutage;
  const kinds = Object.entries(d.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} × ${k}`)
    .join("; ");
  return [
    "| figure | value |",
    "|---|---|",
    `| PostgreSQL down (pg_ctl stop -m fast → pg_ctl start) | ${s1(o.downSeconds)} s (stop took ${s1(o.stopSeconds)} s, start ${s1(o.startSeconds)} s) |`,
    `| requests before the stop, errors | ${o.requestsBefore}, ${o.errorsBefore} |`,
    `| requests from the stop to the end, errors | ${d.requests}, ${d.errors} |`,
    `| what the errors said | ${kinds || "—"} |`,
    `| UNAVAILABLE and retryable | ${d.unavailableRetryable} of ${d.errors} |`,
    `| first success after PostgreSQL was back | ${o.recoverySeconds === null ? "never" : `${s2(o.recoverySeconds)} s`}; ${o.errorsAfterRecovery} errors after it |`,
    `| server process | ${o.serverSurvived ? "the same, never restarted" : "died"} |`,
    `| server log from the stop on | ${o.logLines} entries: ${o.errorLogLines} errors, ${o.stackTraceLines} with a stack trace |`,
    `| attempts acknowledged, lost, duplicated | ${o.ledger.acknowledged}, **${o.ledger.lost}**, **${o.ledger.duplicated}** (${o.ackedOnResend} acknowledged on a re-send) |`,
  ].join("\n");
}

export function workerTable(w: WorkerFigures): string {
  return [
    "| figure | value |",
    "|---|---|",
    `| killed (SIGKILL) at | ${(w.killedAt.progress * 100).toFixed(0)} %, "${w.killedAt.message}", ${s1(w.killedAt.trainingSeconds)} s into the run |`,
    `| active model before, right after the kill | v${w.activeBefore}, v${w.activeAfterKill} (${w.activeUnchangedUntilRetry ? "unchanged until the retry" : "changed before the retry"}) |`,
    `| retry started (new worker), after the kill | ${w.retryStartedSeconds === null ? `not within ${w.waitLimitSeconds} s` : `${s1(w.retryStartedSeconds)} s`} |`,
    `| run finished, after the kill; the retry itself | ${w.completedSeconds === null ? "—" : `${s1(w.completedSeconds)} s`}; ${w.retrySeconds === null ? "—" : `${s1(w.retrySeconds)} s`} |`,
    `| run | ${w.run.status}, ${w.run.attempts} attempts: ${w.run.message}${w.run.error ? ` (last error: ${w.run.error.slice(0, 200)})` : ""} |`,
    `| model versions made | ${w.newVersions.map((v) => `v${v.version} ${v.status}`).join(", ") || "none"}; active at the end v${w.activeAfter} |`,
  ].join("\n");
}

export function targetsTable(targets: FaultsRun["targets"]): string {
  return [
    "| phase | target | figure | |",
    "|---|---|---|---|",
    ...targets.map((t) => `| ${t.phase} | ${t.target} | ${t.figure} | ${verdict(t.met)} |`),
  ].join("\n");
}

export function markdown(run: FaultsRun): string {
  const out: string[] = [
    "# Fault benchmark (`npm run bench:faults`)",
    "",
    `- command: \`${run.command}\``,
    `- code: commit ${run.commit}`,
    `- date: ${run.date}; ${s1(run.seconds / 60)} min`,
    `- machine: ${run.machine}, Node ${run.node}; load average ${run.loadAverage.start.map((x) => x.toFixed(2)).join(" ")} at the start, ${run.loadAverage.end.map((x) => x.toFixed(2)).join(" ")} at the end`,
    ...Object.entries(run.databases).map(([k, v]) => `- ${k}: ${v}`),
    `- school: ${run.school}`,
    "",
    "## Targets",
    "",
    targetsTable(run.targets),
  ];
  if (run.failures.length) {
    out.push("", "## Phases that did not finish", "");
    for (const f of run.failures) out.push(`- ${f.phase}: ${f.error.replace(/\n/g, " ")}`);
  }
  if (run.kill.length) {
    out.push("", "## 1. kill -9 of the server during ingestion", "", killTable(run.kill));
    const reasons = [...new Set(run.kill.flatMap((k) => k.refusalReasons))];
    if (reasons.length) out.push("", "Why restarts were refused:", "", ...reasons.map((r) => `- \`${r}\``));
  }
  if (run.outage) out.push("", "## 2. PostgreSQL stopped and restarted under load", "", outageTable(run.outage));
  if (run.worker) out.push("", "## 3. The worker killed mid-retraining", "", workerTable(run.worker));
  return `${out.join("\n")}\n`;
}
