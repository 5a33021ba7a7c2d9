/**
 * The fairness audit of the version the retrain produced (issue #15: its cost on the 1M-attempt school
 * ≤ 60 s on 2 cores), as the `fairness-audit` job runs it: services.audits.runAudit (the
 * school's evaluation learners the version was not trained on, predicted, their recommendations
 * replayed, grouped by the protected attribute `group` recorded after the import, the report stored),
 * with its steps timed from the audit's progress messages.
 */
import type { Services } from "../../src/services/index.js";
import { AuditKind } from "../../src/persistence/model/audit-report.entity.js";
import { createProgressBar } from "../lib/progress.js";
import { cpuSeconds, load1, log, PhaseClock, top, type PhaseContext } from "./phase-clock.js";
import type { JobsReport } from "./report.js";

/** The audit's progress messages, under the names the report gives its steps (others, e.g. the verdict, start none). */
const PHASE_NAMES: Record<string, string> = {
  "reading the held-out learners": "held-out learners (snapshot + split)",
  "predicting the held-out learners": "prediction",
  "replaying the held-out learners' recommendations": "recommendation replay",
  "reading the protected attributes": "protected attributes",
  "comparing groups": "group comparison (permutation tests)",
  "storing the report": "store the report",
};

export async function runAuditPhase(
  ctx: PhaseContext,
  services: Services,
  versionId: string | null,
): Promise<NonNullable<JobsReport["audit"]>> {
  const { ds, timer, pgCpu, schoolId } = ctx;
  const clock = new PhaseClock(timer, "audit", pgCpu);
  const bar = createProgressBar("audit  ");
  const loadAtStart = load1();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const outcome = await services.audits.runAudit(AuditKind.Fairness, schoolId, versionId, (f, msg) => {
    const phase = msg ? PHASE_NAMES[msg] : undefined;
    if (phase) clock.enter(phase);
    bar.update(f, msg);
  });
  clock.close();
  const seconds = (performance.now() - t0) / 1000;
  const nodeCpuSeconds = cpuSeconds(cpu0);
  if (!outcome) throw new Error("no version to audit");
  bar.done(`${outcome.status} in ${seconds.toFixed(1)} s`);
  const [row] = (await ds.query(`SELECT figures, checks FROM audit_report WHERE id = $1`, [outcome.reportId])) as {
    figures: { learners?: number; attempts?: number; comparisons?: unknown[] };
    checks: { status: string }[];
  }[];
  const count = (status: string) => row?.checks.filter((c) => c.status === status).length ?? 0;
  log(`audit: ${outcome.status} v${outcome.version} in ${seconds.toFixed(1)} s (${outcome.reason})`);
  return {
    seconds,
    nodeCpuSeconds,
    pgCpuSeconds: clock.phases.reduce((a, p) => a + p.pgCpuSeconds, 0),
    loadAtStart,
    version: outcome.version,
    status: outcome.status,
    passed: outcome.passed,
    reason: outcome.reason,
    learners: row?.figures.learners ?? null,
    attempts: row?.figures.attempts ?? null,
    comparisons: row?.figures.comparisons?.length ?? null,
    checks: { pass: count("PASS"), fail: count("FAIL"), insufficient: count("INSUFFICIENT_DATA"), notAuditable: count("NOT_AUDITABLE") },
    phases: clock.phases,
    statements: top(
      timer,
      clock.phases.map((p) => `audit:${p.name}`),
    ),
  };
}

/** The privacy audit of the retrain's version (issue #14: ≤ 60 s on the 1M-attempt school), as the `privacy-audit` job runs it. */
export interface PrivacyAuditFigures {
  readonly seconds: number;
  readonly status: string;
  readonly passed: boolean;
  readonly reason: string;
  readonly members: number | null;
  readonly nonMembers: number | null;
  readonly attacks: { attack: string; auc: number | null }[];
  readonly checks: { name: string; status: string }[];
}

export async function runPrivacyAuditPhase(ctx: PhaseContext, services: Services, versionId: string | null): Promise<PrivacyAuditFigures> {
  const bar = createProgressBar("privacy");
  const t0 = performance.now();
  const outcome = await services.audits.runAudit(AuditKind.Privacy, ctx.schoolId, versionId, (f, msg) => bar.update(f, msg));
  const seconds = (performance.now() - t0) / 1000;
  if (!outcome) throw new Error("no version to audit");
  bar.done(`${outcome.status} in ${seconds.toFixed(1)} s`);
  const [row] = (await ctx.ds.query(`SELECT figures FROM audit_report WHERE id = $1`, [outcome.reportId])) as {
    figures: {
      membership: { members: number; nonMembers: number; attacks: { attack: string; result: { auc: number } | null }[] } | null;
      checks: { name: string; status: string }[];
    };
  }[];
  const m = row?.figures.membership ?? null;
  log(`privacy audit: ${outcome.status} v${outcome.version} in ${seconds.toFixed(1)} s (${outcome.reason})`);
  return {
    seconds,
    status: outcome.status,
    passed: outcome.passed,
    reason: outcome.reason,
    members: m?.members ?? null,
    nonMembers: m?.nonMembers ?? null,
    attacks: (m?.attacks ?? []).map((a) => ({ attack: a.attack, auc: a.result?.auc ?? null })),
    checks: (row?.figures.checks ?? []).map((c) => ({ name: c.name, status: c.status })),
  };
}
