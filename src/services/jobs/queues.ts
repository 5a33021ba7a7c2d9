/**
 * The job queues (pg-boss) and how each retries. One place, read by the sender (API, CLI) and the
 * worker alike, so a queue is created the same way whoever starts first.
 */
import type { Queue } from "pg-boss" with { "resolution-mode": "import" };

export const JobName = {
  Retrain: "retrain",
  RebuildStates: "rebuild-states",
  NightlyRetrain: "nightly-retrain",
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export type QueueOptions = Omit<Queue, "name">;

/**
 * A crashing job is retried with exponential backoff (retryDelay·2^n with jitter, capped); a job
 * whose payload is bad, or whose school is gone, fails at once without retries (the worker settles
 * it as dead-lettered). `expireInSeconds` bounds one attempt: a worker that dies mid-job leaves it
 * active until then, and pg-boss then retries it elsewhere.
 */
export const QUEUES: Readonly<Record<JobName, QueueOptions>> = {
  [JobName.Retrain]: { retryLimit: 3, retryDelay: 60, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 4 * 3600 },
  [JobName.RebuildStates]: { retryLimit: 3, retryDelay: 30, retryBackoff: true, retryDelayMax: 1800, expireInSeconds: 2 * 3600 },
  // The cron tick: quick, retried quickly, and its finished jobs kept an hour only (one a minute).
  [JobName.NightlyRetrain]: { retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, deleteAfterSeconds: 3600 },
};

export const isJobName = (s: string): s is JobName => Object.prototype.hasOwnProperty.call(QUEUES, s);
