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
  TrainPolicy: "train-policy",
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export type QueueOptions = Omit<Queue, "name">;

/**
 * How soon a job whose worker died is run again (configuration: ZPD_JOB_HEARTBEAT_SECONDS,
 * ZPD_JOB_SUPERVISE_SECONDS, ZPD_JOB_RETRY_DELAY_SECONDS). A worker killed mid-job (SIGKILL, a lost
 * machine) stops refreshing its job's heartbeat; once the heartbeat is `heartbeatSeconds` old, the
 * next supervision pass of any live worker (every `superviseIntervalSeconds`) fails the attempt, and
 * pg-boss runs it again after the retry delay, plus a poll (2 s). A job that throws is retried after the
 * same delay, doubling (with jitter) at each further retry up to its queue's cap.
 */
export interface JobTiming {
  /** A running job's heartbeat lapses after this many seconds without a refresh (pg-boss: at least 10). */
  readonly heartbeatSeconds: number;
  /** How often a worker's supervision fails the jobs whose heartbeat lapsed (or whose attempt expired). */
  readonly superviseIntervalSeconds: number;
  /** The first retry's delay in seconds; each further retry doubles it, with jitter, up to the queue's cap. */
  readonly retryDelaySeconds: number;
}

/**
 * The heartbeat is refreshed on the worker's event loop (pg-boss's timer), so it must outlast the
 * longest stretch a healthy job holds that loop: measured on a retraining of 1,000,000 attempts
 * (bench:jobs, 2 shared cores), 20.5 s at the start of Meta's training, 4–5 s per training epoch, 14.2 s
 * in the fairness gate's replay, 13.2 s in a fairness audit's. 60 s leaves that worst hold a factor of
 * almost three, for a busier machine or a larger school; a dead worker's job then runs again about
 * 65–77 s after the kill (60 + ≤ 5 + 5–10 s + a poll). Where no job holds the loop for more than a few
 * seconds (small schools), ZPD_JOB_HEARTBEAT_SECONDS=10 brings that to 15–25 s.
 */
export const DEFAULT_JOB_TIMING: JobTiming = { heartbeatSeconds: 60, superviseIntervalSeconds: 5, retryDelaySeconds: 5 };

/** pg-boss refuses a shorter heartbeat (heartbeatSeconds must be an integer ≥ 10). */
export const MIN_HEARTBEAT_SECONDS = 10;

/**
 * How often a worker refreshes the heartbeat of the job it runs: fixed, and far under the shortest
 * heartbeat pg-boss accepts, so a heartbeat set by another process's configuration never lapses under a
 * live worker. A live job is failed only if its process cannot write for heartbeatSeconds − 2 s on end:
 * its event loop held that long (see DEFAULT_JOB_TIMING), or, embedded, the one database connection held
 * that long by another statement.
 */
export const HEARTBEAT_REFRESH_SECONDS = 2;

/**
 * One attempt's bound: pg-boss's longest (24 h). It is not how a dead worker is noticed (the heartbeat
 * is), so a long healthy retraining, which keeps its heartbeat, is never expired in practice; only an
 * attempt alive but stuck for a day is failed and retried.
 */
export const ATTEMPT_LIMIT_SECONDS = 24 * 3600;

/**
 * A per-school job that may run long: `singleton` with the school as key (JobRunService.enqueue), so
 * one school's retrainings (or rebuilds, promotions, rollbacks) never run two at a time, whichever
 * workers hold them; a heartbeat while it runs; retried with exponential backoff from the configured
 * delay up to `retryDelayMax`. Six retries: from the 5 s default they span 5–10 minutes in all, about
 * what three from a minute did, so a database down for a few minutes is still outlasted. A job whose
 * payload is bad, or whose school is gone, fails at once without retries (the worker settles it as
 * dead-lettered). A policy orders only its own queue: a promotion, a rollback and a retraining's
 * promotion of one school are kept apart by the school's switch lock (services/training/switch-lock.ts).
 */
const perSchool = (t: JobTiming, retryDelayMax: number): QueueOptions => ({
  policy: "singleton",
  retryLimit: 6,
  retryDelay: t.retryDelaySeconds,
  retryBackoff: true,
  retryDelayMax: Math.max(retryDelayMax, t.retryDelaySeconds),
  expireInSeconds: ATTEMPT_LIMIT_SECONDS,
  heartbeatSeconds: t.heartbeatSeconds,
});

/** A quick fan-out (a cron tick, the weekly audits): a short attempt, a heartbeat, retried quickly. */
const fanOut = (t: JobTiming): QueueOptions => ({
  retryLimit: 2,
  retryDelay: t.retryDelaySeconds,
  retryBackoff: true,
  expireInSeconds: 300,
  heartbeatSeconds: t.heartbeatSeconds,
});

/** Every product queue with its options, for this timing. */
export function queueOptions(t: JobTiming = DEFAULT_JOB_TIMING): Record<JobName, QueueOptions> {
  return {
    [JobName.Retrain]: perSchool(t, 3600),
    [JobName.RebuildStates]: perSchool(t, 1800),
    // An admin's promotion or rollback: the switch is resumable, so a crash is simply retried.
    [JobName.PromoteModel]: perSchool(t, 1800),
    [JobName.RollbackModel]: perSchool(t, 1800),
    // An audit reads and writes one report: a crash is simply retried.
    [JobName.FairnessAudit]: perSchool(t, 1800),
    [JobName.PrivacyAudit]: perSchool(t, 1800),
    // The daily retention pass: each UTC day deleted is its own transaction, so a retry goes on where a crash stopped.
    [JobName.Retention]: perSchool(t, 3600),
    // A policy's training (minutes): a crash is retried from the start with the same seed (the same policy).
    [JobName.TrainPolicy]: perSchool(t, 3600),
    // The weekly fan-out: one audit per school with an active model.
    [JobName.WeeklyAudits]: fanOut(t),
    // The cron tick: its finished jobs kept an hour only (one a minute).
    [JobName.NightlyRetrain]: { ...fanOut(t), deleteAfterSeconds: 3600 },
  };
}
