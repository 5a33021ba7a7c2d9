/**
 * The job queues (pg-boss) and how each retries. One place, read by the sender (API, CLI) and the
 * worker alike, so a queue is created the same way whoever starts first.
 */
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode is valid TypeScript (5.3+); pg-boss is ESM-only
import type { Queue } from "pg-boss" with { "resolution-mode": "import" };

export const JobName = {
  Retrain: "retrain",
  RebuildStates: "rebuild-states",
  NightlyRetrain: "nightly-retrain",
  PromoteModel: "promote-model",
  RollbackModel: "rollback-model",
  FairnessAudit: "fairness-audit",
  PrivacyAudit: "privacy-audit",
  WeeklyAudits: "weekly-audits",
  Retention: "retention",
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export type QueueOptions = Omit<Queue, "name">;

/**
 * A crashing job is retried with exponential backoff (retryDelay·2^n with jitter, capped); a job
 * whose payload is bad, or whose school is gone, fails at once without retries (the worker settles
 * it as dead-lettered). `expireInSeconds` bounds one attempt. A worker's pg-boss refreshes the
 * heartbeat of the job it runs every `heartbeatSeconds / 2`; a worker killed mid-job (SIGKILL, a
 * lost machine) stops refreshing, and another worker's supervision fails the attempt once the
 * heartbeat is `heartbeatSeconds` old and retries it — minutes after the kill, not at the hour's
 * expiry. Training yields to the event loop between steps, so a busy job keeps its heartbeat. The per-school queues are
 * `singleton` with the school as key (JobRunService.enqueue): one school's retrainings (or rebuilds,
 * promotions, rollbacks) never run two at a time, whichever workers hold them. A policy orders only
 * its own queue: a promotion, a rollback and a retraining's promotion of one school are kept apart by
 * the school's switch lock (services/training/switch-lock.ts).
 */
/** A long job's heartbeat: generous, since one training step on a busy machine may hold the event loop for seconds. */
const HEARTBEAT_SECONDS = 120;

/**
 * A per-school job that may run long: one at a time per school, retried with exponential backoff from
 * `retryDelay` seconds up to `retryDelayMax`, an hour per attempt, a heartbeat while it runs.
 */
const perSchool = (retryDelay: number, retryDelayMax: number): QueueOptions => ({
  policy: "singleton",
  retryLimit: 3,
  retryDelay,
  retryBackoff: true,
  retryDelayMax,
  expireInSeconds: 3600,
  heartbeatSeconds: HEARTBEAT_SECONDS,
});

export const QUEUES: Readonly<Record<JobName, QueueOptions>> = {
  [JobName.Retrain]: perSchool(60, 3600),
  [JobName.RebuildStates]: perSchool(30, 1800),
  // An admin's promotion or rollback: the switch is resumable, so a crash is simply retried.
  [JobName.PromoteModel]: perSchool(30, 1800),
  [JobName.RollbackModel]: perSchool(30, 1800),
  // An audit reads and writes one report: a crash is simply retried.
  [JobName.FairnessAudit]: perSchool(30, 1800),
  [JobName.PrivacyAudit]: perSchool(30, 1800),
  // The daily retention pass: each UTC day deleted is its own transaction, so a retry goes on where a crash stopped.
  [JobName.Retention]: perSchool(60, 3600),
  // The weekly fan-out: one audit per school with an active model.
  [JobName.WeeklyAudits]: { retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 },
  // The cron tick: quick, retried quickly, and its finished jobs kept an hour only (one a minute).
  [JobName.NightlyRetrain]: { retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, deleteAfterSeconds: 3600 },
};

export const isJobName = (s: string): s is JobName => Object.hasOwn(QUEUES, s);
