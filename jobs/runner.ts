/**
 * Runs one attempt of a job and records it in `job_run`: RUNNING at start, progress at most every
 * PROGRESS_INTERVAL_MS, then SUCCEEDED, RETRYING (pg-boss will try again) or FAILED. Used by the
 * worker (for each pg-boss job) and by `npm run job` (in-process, no queue).
 */
import type { Services } from "../src/services/index.js";
import type { Logger } from "../src/shared/logger.js";
import type { JobQueue } from "../src/services/jobs/job-queue.js";
import { JobStatus } from "../src/services/jobs/job-run.service.js";
import { isPermanent, JobContext, JobDefinition, JobFailure, JobSettings } from "./job.js";

export const PROGRESS_INTERVAL_MS = 2_000;

export interface RunOptions {
  /** The job's id (pg-boss's), and its run's. */
  readonly id: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** How many retries pg-boss allows after the first attempt (0: none). */
  readonly retryLimit: number;
  readonly services: Services;
  readonly logger: Logger;
  readonly settings: JobSettings;
  readonly signal?: AbortSignal;
  /** The queue a fan-out sends with (the worker's own); default the services' send-only queue. */
  readonly queue?: JobQueue;
  /** Also told of every progress report, unthrottled (the CLI's progress bar). */
  readonly onProgress?: (fraction: number, message?: string) => void;
  readonly progressIntervalMs?: number;
}

export interface RunOutcome {
  /** As pg-boss settles it: completed; failed (retried while attempts remain); deadletter (failed for good, no retry). */
  readonly status: "completed" | "failed" | "deadletter";
  readonly message: string;
  readonly result?: Record<string, unknown>;
  readonly error?: string;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e));

/** Throttled, ordered progress writes; never awaited by the job (a write waits for the pool, not the job for it). */
class ProgressWriter {
  private last = 0;
  private pending: { fraction: number; message?: string } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly write: (fraction: number, message?: string) => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  report(fraction: number, message?: string): void {
    if (this.closed) return;
    this.pending = { fraction, message };
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const p = this.pending;
    if (!p || this.closed) return;
    this.pending = null;
    this.last = Date.now();
    this.chain = this.chain
      .then(() => this.write(p.fraction, p.message))
      .catch((err) => this.logger.warn({ err }, "a job's progress could not be recorded"));
  }

  /** Stops reporting and waits for the writes in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
  }
}

/** Tells the services' observer (the /metrics counter of job runs) how a run it recorded ended. */
function settled(o: RunOptions, name: string, status: JobStatus): void {
  o.services.deps.events?.jobSettled?.(name, status);
}

export async function executeJob(def: JobDefinition, raw: unknown, o: RunOptions): Promise<RunOutcome> {
  const runs = o.services.jobs;
  const log = o.logger.child({ job: def.name, jobId: o.id, attempt: o.attempt });
  let payload: object;
  try {
    payload = def.parse(raw);
  } catch (e) {
    const error = errorText(e);
    await runs.failed(o.id, { schoolId: null, name: def.name, payload: raw, attempt: o.attempt }, error, false);
    settled(o, def.name, JobStatus.Failed);
    log.error({ error }, "job refused: bad payload");
    return { status: "deadletter", message: "bad payload", error };
  }
  const run = { schoolId: def.schoolId(payload), name: def.name, payload: raw, attempt: o.attempt };
  if (!def.quiet) await runs.started(o.id, run);
  const writer = new ProgressWriter((f, m) => runs.progressed(o.id, f, m), o.progressIntervalMs ?? PROGRESS_INTERVAL_MS, log);
  const signal = o.signal ?? new AbortController().signal;
  const ctx: JobContext = {
    id: o.id,
    attempt: o.attempt,
    services: o.services,
    logger: log,
    settings: o.settings,
    signal,
    progress: (fraction, message) => {
      o.onProgress?.(fraction, message);
      if (!def.quiet) writer.report(fraction, message);
    },
    enqueue: (name, p, opts) => runs.enqueue(name, p, { ...opts, queue: o.queue }),
    now: () => new Date(),
  };
  const t0 = Date.now();
  try {
    const outcome = await def.run(payload, ctx);
    await writer.close();
    if (!def.quiet || !outcome.idle) {
      if (def.quiet) await runs.started(o.id, run);
      await runs.succeeded(o.id, outcome.message, outcome.result ?? null);
      settled(o, def.name, JobStatus.Succeeded);
    }
    // A quiet job's idle run (the minute tick of nightly-retrain with nothing due) logs at debug: it would fill the log every minute.
    log[def.quiet && outcome.idle ? "debug" : "info"]({ ms: Date.now() - t0, outcome: outcome.message }, "job done");
    return { status: "completed", message: outcome.message, result: outcome.result };
  } catch (e) {
    await writer.close();
    const error = errorText(e);
    const permanent = isPermanent(e);
    const retrying = !permanent && o.attempt <= o.retryLimit;
    await runs.failed(o.id, run, error, retrying, e instanceof JobFailure ? e.result : undefined);
    settled(o, def.name, retrying ? JobStatus.Retrying : JobStatus.Failed);
    if (retrying) log.warn({ err: e, ms: Date.now() - t0 }, "job failed; pg-boss retries it with backoff");
    else log.error({ err: e, ms: Date.now() - t0, permanent }, "job failed");
    return { status: permanent ? "deadletter" : "failed", message: retrying ? "failed; retrying" : "failed", error };
  }
}
