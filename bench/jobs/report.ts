/** The jobs benchmark's table (stdout) and full Markdown report (default .bench/jobs-report.md). */
import type { StatementStat } from "./query-timer.js";
import type { PrivacyAuditFigures } from "./audit-phase.js";

export interface Phase {
  readonly name: string;
  seconds: number;
  /** CPU seconds of the Node process (user + system, all its threads) during the phase. */
  nodeCpuSeconds: number;
  /** CPU seconds of the PostgreSQL backends serving the benchmark's database during the phase. */
  pgCpuSeconds: number;
  /** Seconds spent waiting on SQL statements (summed over connections: may exceed wall time with two in flight). */
  sqlSeconds: number;
  readonly loadAtStart: number;
}

export interface JobsReport {
  readonly date: string;
  readonly command: string;
  readonly commit: string;
  readonly machine: { cores: number; cpu: string; memGiB: number; node: string; postgres: string };
  readonly load: { start: number[]; end: number[] };
  readonly data: {
    source: string;
    learners: number;
    tasks: number;
    skills: number;
    attempts: number;
    simulateSeconds: number | null;
    writeSeconds: number | null;
  };
  readonly import: {
    seconds: number;
    attemptsPerSecond: number;
    nodeCpuSeconds: number;
    pgCpuSeconds: number;
    loadAtStart: number;
    batchSize: number;
    concurrency: number;
    added: number;
    learners: number;
    consents: number;
    statesMarked: number;
    phases: Phase[];
    statements: StatementStat[];
    plans?: { statement: string; plan: string }[];
  };
  retrain: {
    seconds: number;
    nodeCpuSeconds: number;
    pgCpuSeconds: number;
    loadAtStart: number;
    analyzeSeconds: number;
    status: string;
    version: number | null;
    reasons: string[];
    trainingAttempts: number | null;
    trainingLearners: number | null;
    heldOutLearners: number | null;
    heldOutAttempts: number | null;
    auc: number | null;
    rmse: number | null;
    backend: string | null;
    /** The promotion gates' verdicts (absent in older reports). */
    gates?: { gate: string; passed: boolean; detail: string }[];
    phases: Phase[];
    statements: StatementStat[];
  } | null;
  /** The privacy audit of the retrain's version (absent in older reports). */
  privacyAudit?: PrivacyAuditFigures;
  /** The fairness audit of the retrain's version (absent in older reports). */
  audit?: {
    seconds: number;
    nodeCpuSeconds: number;
    pgCpuSeconds: number;
    loadAtStart: number;
    version: number;
    status: string;
    passed: boolean;
    reason: string;
    learners: number | null;
    attempts: number | null;
    comparisons: number | null;
    checks: { pass: number; fail: number; insufficient: number; notAuditable: number };
    phases: Phase[];
    statements: StatementStat[];
  } | null;
  rebuild: {
    learners: number;
    attempts: number;
    seconds: number;
    learnersPerSecond: number;
    nodeCpuSeconds: number;
    pgCpuSeconds: number;
    sqlSeconds: number;
    loadAtStart: number;
    staleAfter: number | null;
    statements: StatementStat[];
    plans: { statement: string; plan: string }[];
    /** Learners per batch and batches in flight (absent in older reports: 500, one at a time). */
    batchSize?: number;
    inFlight?: number;
  } | null;
  /** A promotion's rebuild on its own: every learner staged under the version, then the switch adopting them. */
  promotion?:
    | (PromotionRun & {
        /** Every run of the promotion (absent in older reports: one run); the fields above are the median run's. */
        runs?: PromotionRun[];
      })
    | null;
  totalSeconds: number;
}

/** One measured promotion: staging, then the switch (adoption and catch-up). */
export interface PromotionRun {
  learners: number;
  adopted: number;
  caughtUp: number;
  seconds: number;
  stageSeconds: number;
  switchSeconds: number;
  learnersPerSecond: number;
  nodeCpuSeconds: number;
  pgCpuSeconds: number;
  loadAtStart: number;
}

export interface Targets {
  readonly importPerSecond: number;
  readonly retrainSeconds: number;
  readonly rebuildPerSecond: number;
  readonly auditSeconds: number;
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const s1 = (x: number | undefined | null) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(1) : "n/a");
const s2 = (x: number) => x.toFixed(2);
const verdict = (ok: boolean) => (ok ? "met" : "**MISSED**");
const SQL_NOTE =
  "Node CPU: the benchmark process (user + system, all threads). PostgreSQL CPU: the backends serving the scratch database (/proc; WAL writer and checkpointer not included). SQL wait: time spent waiting on statements, summed over connections (two import batches are in flight, so it can exceed the wall time).";

export function figureRows(r: JobsReport, t: Targets): string[][] {
  const rows: string[][] = [];
  rows.push([
    "import",
    `${n0(r.import.attemptsPerSecond)} attempts/s (${n0(r.import.added)} attempts in ${s1(r.import.seconds)} s)`,
    `≥ ${n0(t.importPerSecond)} attempts/s`,
    verdict(r.import.attemptsPerSecond >= t.importPerSecond),
  ]);
  if (r.retrain)
    rows.push([
      "retrain",
      `${s1(r.retrain.seconds)} s on ${n0(r.data.attempts)} attempts (${r.retrain.status})`,
      `≤ ${t.retrainSeconds} s`,
      verdict(r.retrain.seconds <= t.retrainSeconds && r.retrain.status === "ACTIVE"),
    ]);
  if (r.audit)
    rows.push([
      "fairness audit",
      `${s1(r.audit.seconds)} s on ${r.audit.learners === null ? "?" : n0(r.audit.learners)} held-out learners, ${r.audit.attempts === null ? "?" : n0(r.audit.attempts)} attempts (${r.audit.status})`,
      `≤ ${t.auditSeconds} s`,
      verdict(r.audit.seconds <= t.auditSeconds && r.audit.status !== "NOT_AUDITABLE"),
    ]);
  if (r.privacyAudit)
    rows.push([
      "privacy audit",
      `${s1(r.privacyAudit.seconds)} s, ${r.privacyAudit.members ?? "?"} members / ${r.privacyAudit.nonMembers ?? "?"} held-out learners attacked (${r.privacyAudit.status}; ${r.privacyAudit.attacks.map((a) => `${a.attack} AUC ${a.auc === null ? "—" : a.auc.toFixed(3)}`).join(", ")})`,
      `≤ ${t.auditSeconds} s`,
      verdict(r.privacyAudit.seconds <= t.auditSeconds && r.privacyAudit.status !== "NOT_AUDITABLE"),
    ]);
  if (r.promotion)
    rows.push([
      "promotion's state rebuild (stage + switch)",
      `${n0(r.promotion.learnersPerSecond)} learners/s${r.promotion.runs && r.promotion.runs.length > 1 ? ` (median of ${r.promotion.runs.map((x) => n0(x.learnersPerSecond)).join(", ")})` : ""} (${n0(r.promotion.learners)} staged in ${s1(r.promotion.stageSeconds)} s, ${n0(r.promotion.adopted)} adopted in a ${s1(r.promotion.switchSeconds)} s switch)`,
      `≥ ${n0(t.rebuildPerSecond)} learners/s`,
      verdict(r.promotion.learnersPerSecond >= t.rebuildPerSecond),
    ]);
  if (r.rebuild)
    rows.push([
      "state rebuild in place",
      `${n0(r.rebuild.learnersPerSecond)} learners/s (${n0(r.rebuild.learners)} learners, ${n0(r.rebuild.attempts)} attempts replayed, in ${s1(r.rebuild.seconds)} s)`,
      `≥ ${n0(t.rebuildPerSecond)} learners/s`,
      verdict(r.rebuild.learnersPerSecond >= t.rebuildPerSecond),
    ]);
  return rows;
}

function md(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function phaseTable(phases: Phase[], total: number): string {
  return md(
    ["phase", "wall s", "share", "Node CPU s", "PostgreSQL CPU s", "SQL wait s", "load at start"],
    phases.map((p) => [
      p.name,
      s1(p.seconds),
      `${((100 * p.seconds) / total).toFixed(0)} %`,
      s1(p.nodeCpuSeconds),
      s1(p.pgCpuSeconds),
      s1(p.sqlSeconds),
      p.loadAtStart.toFixed(1),
    ]),
  );
}

export function statementTable(stats: StatementStat[]): string {
  return md(
    ["phase", "statement (opening)", "count", "total s", "mean ms"],
    stats.map((s) => [
      s.phase,
      `\`${s.statement.replace(/\|/g, "\\|")}…\``,
      n0(s.count),
      (s.ms / 1000).toFixed(1),
      (s.ms / s.count).toFixed(1),
    ]),
  );
}

export function printTable(r: JobsReport, t: Targets): string {
  const rows = figureRows(r, t).map((x) => x.map((c) => c.replace(/\*\*/g, "")));
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i]!.length), ["job", "measured", "target", ""][i]!.length));
  const line = (x: string[]) => x.map((c, i) => c.padEnd(w[i]!)).join("  ");
  const out = [line(["job", "measured", "target", ""]), line(w.map((k) => "-".repeat(k))), ...rows.map(line)];
  if (r.retrain)
    out.push(
      "",
      "retrain phases:",
      ...r.retrain.phases.map(
        (p) =>
          `  ${p.name.padEnd(28)} ${s1(p.seconds).padStart(7)} s   (Node CPU ${s1(p.nodeCpuSeconds)} s, PostgreSQL CPU ${s1(p.pgCpuSeconds)} s, SQL wait ${s1(p.sqlSeconds)} s)`,
      ),
    );
  if (r.audit)
    out.push(
      "",
      "audit steps:",
      ...r.audit.phases.map(
        (p) =>
          `  ${p.name.padEnd(36)} ${s1(p.seconds).padStart(7)} s   (Node CPU ${s1(p.nodeCpuSeconds)} s, PostgreSQL CPU ${s1(p.pgCpuSeconds)} s, SQL wait ${s1(p.sqlSeconds)} s)`,
      ),
    );
  out.push("", `load average: start ${r.load.start.join(", ")}; end ${r.load.end.join(", ")} (${r.machine.cores} cores)`);
  return out.join("\n");
}

export function markdownReport(r: JobsReport, t: Targets): string {
  const parts: string[] = [];
  parts.push(`# Jobs benchmark (issue 5): import, retrain, state rebuild on PostgreSQL

Command: \`${r.command}\`
Date: ${r.date.slice(0, 16).replace("T", " ")} UTC; commit ${r.commit}
Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memGiB} GiB, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres} on the same machine (127.0.0.1)
Load average (1, 5, 15 min): ${r.load.start.join(", ")} at the start, ${r.load.end.join(", ")} at the end — **the machine is shared** with other sessions' work, so a
load above ${r.machine.cores} means this run had less than the ${r.machine.cores} cores; Node CPU seconds are given beside wall times for that reason.
Data: ${r.data.source}: ${n0(r.data.learners)} learners, ${n0(r.data.tasks)} tasks, ${n0(r.data.skills)} skills, ${n0(r.data.attempts)} attempts${r.data.simulateSeconds !== null ? ` (simulated in ${s1(r.data.simulateSeconds)} s, written as attempts.csv + items.csv in ${s1(r.data.writeSeconds ?? 0)} s, not timed)` : ""}.
Total run: ${s1(r.totalSeconds)} s, in a scratch database dropped at the end.

## Figures against the targets

${md(["job", "measured", "target", ""], figureRows(r, t))}
`);
  parts.push(`## Import

\`TraceImportService.run\` as \`npm run import\` runs it on PostgreSQL: batches of ${n0(r.import.batchSize)} attempts, ${r.import.concurrency} batches in flight, consent
TRAINING and PERSONALISATION recorded for every learner (${n0(r.import.consents)} consent rows), ${n0(r.import.statesMarked)} learner states marked for rebuild. The rate is
attempts over the whole run: reading and checking the files, the catalogue, the attempts. It used ${s1(r.import.nodeCpuSeconds)} s of Node CPU and ${s1(r.import.pgCpuSeconds)} s of
PostgreSQL CPU: ${r.import.pgCpuSeconds ? `${n0((1e6 * (r.import.nodeCpuSeconds + r.import.pgCpuSeconds)) / Math.max(1, r.import.added))} CPU ms per 1,000 attempts, so even with both cores to itself the import could not exceed ~${n0((2 * Math.max(1, r.import.added)) / (r.import.nodeCpuSeconds + r.import.pgCpuSeconds))} attempts/s (an estimate)` : "the CPU split is not available for this run"}.

${phaseTable(r.import.phases, r.import.seconds)}

${SQL_NOTE}

Slowest statements:

${statementTable(r.import.statements)}
${r.import.plans?.length ? `\nEXPLAIN (ANALYZE, BUFFERS) of one import batch as \`writeAttempts\` sends it (5,000 of the school's attempts copied under new ids and keys, after \`ANALYZE\`; rolled back):\n\n${r.import.plans.map((p) => `**${p.statement}**\n\n\`\`\`\n${p.plan}\n\`\`\``).join("\n\n")}\n` : ""}`);
  if (r.retrain) {
    const rt = r.retrain;
    parts.push(`## Retrain

\`services.retraining.retrain(schoolId, { seed: 1, cutoff: now })\` on every attempt (first model of the school: no active model to compare with, so the
metric gate checks that the candidate beats chance). Candidate: ${rt.status}, version ${rt.version}; trained on ${rt.trainingLearners === null ? "?" : n0(rt.trainingLearners)} learners
(${rt.trainingAttempts === null ? "?" : n0(rt.trainingAttempts)} attempts in the snapshot), evaluated on ${rt.heldOutLearners === null ? "?" : n0(rt.heldOutLearners)} held-out learners: AUC ${rt.auc?.toFixed(4) ?? "?"}, RMSE ${rt.rmse?.toFixed(4) ?? "?"};
TensorFlow.js backend ${rt.backend ?? "?"}. ${rt.reasons.length ? `Reasons: ${rt.reasons.join("; ")}.` : ""}${rt.gates?.length ? ` Gates: ${rt.gates.map((g) => `${g.gate} ${g.passed ? "passed" : "failed"} (${g.detail})`).join("; ")}.` : ""} \`VACUUM ANALYZE\` after the import (${s1(rt.analyzeSeconds)} s, not in the figure), as
autovacuum would have done by the night's retrain. Total ${s1(rt.seconds)} s (Node CPU ${s1(rt.nodeCpuSeconds)} s, PostgreSQL CPU ${s1(rt.pgCpuSeconds)} s). Phases, from the job's progress messages:

${phaseTable(rt.phases, rt.seconds)}

${SQL_NOTE}

Slowest statements:

${statementTable(rt.statements)}
`);
  }
  if (r.audit) {
    const a = r.audit;
    parts.push(`## Fairness audit

\`services.audits.runFairnessAudit(schoolId, version ${a.version})\`, as the \`fairness-audit\` job runs it: the school's evaluation learners the version was not
trained on (snapshot and split again, as the data stands now), their predictions, their recommendations replayed, grouped by the protected attribute
\`group\` (the simulator's, recorded for every learner after the import), the permutation tests, the report stored. ${a.status}${a.passed ? "" : " (not passed)"}: ${a.reason}.
${a.learners === null ? "?" : n0(a.learners)} learners, ${a.attempts === null ? "?" : n0(a.attempts)} attempts (2nd onwards), ${a.comparisons ?? "?"} comparison${a.comparisons === 1 ? "" : "s"}; checks: ${a.checks.pass} passed, ${a.checks.fail} failed,
${a.checks.insufficient} with insufficient data, ${a.checks.notAuditable} not auditable. Total ${s1(a.seconds)} s (Node CPU ${s1(a.nodeCpuSeconds)} s, PostgreSQL CPU ${s1(a.pgCpuSeconds)} s, load ${a.loadAtStart.toFixed(1)} at the start).
Steps, from the audit's progress messages:

${phaseTable(a.phases, a.seconds)}

${SQL_NOTE}

Slowest statements:

${statementTable(a.statements)}
`);
  }
  if (r.rebuild) {
    const rb = r.rebuild;
    parts.push(`## State rebuild on its own

\`UPDATE learner_state SET model_version_id = NULL\` (every state stale), \`VACUUM ANALYZE\`, then \`services.training.rebuildStates(schoolId)\`: batches of ${n0(rb.batchSize ?? 500)} learners,
${rb.inFlight ?? 1} in flight on as many pooled connections, each one transaction of \`LearnerModelService.rebuildMany\` (one SELECT of the learners' rows with their
histories aggregated per learner, the replay through \`model.update\` in Node, one UPDATE writing state and mastery into each learner's row).
${n0(rb.learners)} learners and ${n0(rb.attempts)} attempts in ${s1(rb.seconds)} s = **${n0(rb.learnersPerSecond)} learners/s**
(${n0(rb.attempts / rb.seconds)} attempts replayed a second); states left stale afterwards: ${rb.staleAfter ?? "?"}. Of the wall time, ${s1(rb.sqlSeconds)} s were spent waiting on SQL
(summed over the connections) and the Node process used ${s1(rb.nodeCpuSeconds)} s of CPU, the PostgreSQL backends ${s1(rb.pgCpuSeconds)} s (load ${rb.loadAtStart.toFixed(1)} at the start).
With both cores to itself the rebuild could not go faster than learners ÷ max(Node CPU, (Node CPU + PostgreSQL CPU) ÷ 2) =
${rb.nodeCpuSeconds > 0 ? n0(rb.learners / Math.max(rb.nodeCpuSeconds, (rb.nodeCpuSeconds + (rb.pgCpuSeconds ?? 0)) / 2)) : "n/a"} learners/s (Node is one thread; an estimate, not a measurement).

${statementTable(rb.statements)}

EXPLAIN (ANALYZE, BUFFERS) of the rebuild's statements on one batch of 500 learners (writes rolled back):

${rb.plans.map((p) => `**${p.statement}**\n\n\`\`\`\n${p.plan}\n\`\`\``).join("\n\n")}
`);
  }
  if (r.promotion) {
    const p = r.promotion;
    parts.push(`## A promotion's state rebuild on its own

The promotion's steps run again on the version just promoted (StateRebuildService, \`stage\` then \`commit\`, nothing staged before): every consenting
learner's history replayed under the version into \`learner_state_staged\` (batches of ${r.rebuild?.batchSize ?? 500}, ${r.rebuild?.inFlight ?? 3} in flight; \`LearnerModelService.stageMany\`), then the switch: one
transaction activating the version, the staged states still current adopted into \`learner_state\` in batches (rows locked in learner id order),
then the catch-up. ${n0(p.learners)} learners staged in ${s1(p.stageSeconds)} s, ${n0(p.adopted)} adopted in a
${s1(p.switchSeconds)} s switch (${p.caughtUp} caught up): ${s1(p.seconds)} s in all = **${n0(p.learnersPerSecond)} learners/s**. Node CPU ${s1(p.nodeCpuSeconds)} s,
PostgreSQL backends ${s1(p.pgCpuSeconds)} s (load ${p.loadAtStart.toFixed(1)} at the start).${
      p.runs && p.runs.length > 1
        ? `

That is the median of ${p.runs.length} promotions in a row, each after \`VACUUM ANALYZE\` of the two state tables (what autovacuum does between two
nightly runs):

| run | learners/s | stage s | switch s | Node CPU s | PostgreSQL CPU s | load at start |
|---|---|---|---|---|---|---|
${p.runs.map((x, i) => `| ${i + 1} | ${n0(x.learnersPerSecond)} | ${s2(x.stageSeconds)} | ${s2(x.switchSeconds)} | ${s2(x.nodeCpuSeconds)} | ${s2(x.pgCpuSeconds)} | ${x.loadAtStart.toFixed(1)} |`).join("\n")}`
        : ""
    }
`);
  }
  return parts.join("\n");
}
