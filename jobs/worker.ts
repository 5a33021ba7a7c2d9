/**
 * The worker: takes jobs from pg-boss and runs them (runner.ts), one at a time per queue, and keeps
 * the schedules (schedules.ts). Any number of workers may share a database: pg-boss hands each job
 * to one of them, runs each cron tick once, and retries a failed job with backoff on whichever
 * worker polls next. A worker refreshes the heartbeat of the job it runs every
 * HEARTBEAT_REFRESH_SECONDS; when a worker dies, the others' supervision fails its job once the
 * heartbeat lapses, and it is retried (src/services/jobs/queues.ts, JobTiming). `npm run worker` runs
 * one as a process; in embedded mode `npm start` runs one in the server process (unless ZPD_WORKER=false).
 */
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode is valid TypeScript (5.3+); pg-boss is ESM-only
import type { JobWithMetadata, JobResult } from "pg-boss" with { "resolution-mode": "import" };
import type { Services } from "../src/services/index.js";
import type { Logger } from "../src/shared/logger.js";
import { checkCron, JobQueue } from "../src/services/jobs/job-queue.js";
import { HEARTBEAT_REFRESH_SECONDS, type QueueOptions } from "../src/services/jobs/queues.js";
import { JOBS } from "./index.js";
import type { JobDefinition, JobSettings } from "./job.js";
import { executeJob } from "./runner.js";
import { applySchedules, schedules } from "./schedules.js";

export interface WorkerOptions {
  readonly services: Services;
  readonly logger: Logger;
  readonly settings: JobSettings;
  /** The jobs this worker runs (default all). */
  readonly jobs?: readonly JobDefinition[];
  /** Extra queues, for jobs not among the product's (tests). */
  readonly extraQueues?: Readonly<Record<string, QueueOptions>>;
  /** Keep the schedules (default true). */
  readonly schedule?: boolean;
  /** The tick's cron expression (tests). */
  readonly tickCron?: string;
  readonly pollingIntervalSeconds?: number;
  /** pg-boss's cron pass interval (tests). */
  readonly cronIntervalSeconds?: number;
  readonly progressIntervalMs?: number;
}

export class Worker {
  readonly queue: JobQueue;
  private readonly inFlight = new Set<AbortController>();
  private running = false;

  constructor(private readonly o: WorkerOptions) {
    this.queue = new JobQueue({
      dataSource: o.services.deps.dataSource,
      logger: o.logger,
      role: "worker",
      // The same heartbeat, supervision and retries as the services' own sending queue (the configuration's ZPD_JOB_*).
      timing: o.services.deps.jobTiming,
      extraQueues: o.extraQueues,
      pollingIntervalSeconds: o.pollingIntervalSeconds,
      schedule: o.schedule ?? true,
      cronIntervalSeconds: o.cronIntervalSeconds,
    });
  }

  async start(): Promise<void> {
    for (const [name, cron] of [
      ["ZPD_RETRAIN_CRON", this.o.settings.retrainCron],
      ["ZPD_AUDIT_CRON", this.o.settings.auditCron],
    ] as const) {
      if (cron)
        await checkCron(cron).catch((e) => {
          throw new Error(`invalid configuration: ${name}: "${cron}": ${(e as Error).message}`);
        });
    }
    const boss = await this.queue.boss();
    const jobs = this.o.jobs ?? JOBS;
    for (const def of jobs) {
      await boss.work(
        def.name,
        {
          includeMetadata: true as const,
          perJobResults: true as const,
          batchSize: 1,
          pollingIntervalSeconds: this.queue.pollingIntervalSeconds,
          heartbeatRefreshSeconds: HEARTBEAT_REFRESH_SECONDS,
        },
        (batch: JobWithMetadata<object>[]) => Promise.all(batch.map((job) => this.handle(def, job))),
      );
    }
    const specs = schedules({
      retrainCron: this.o.settings.retrainCron,
      auditCron: this.o.settings.auditCron,
      retentionDays: this.o.settings.retentionDays,
      accessLogRetentionDays: this.o.settings.accessLogRetentionDays,
      tickCron: this.o.tickCron,
    });
    if (this.o.schedule ?? true) await applySchedules(boss, specs);
    this.running = true;
    this.o.logger.info(
      {
        jobs: jobs.map((j) => j.name),
        schedules: specs.map((s) => `${s.name} ${s.cron} ${s.tz}`),
        retrainCron: this.o.settings.retrainCron ?? "off",
      },
      "worker started",
    );
  }

  private async handle(def: JobDefinition, job: JobWithMetadata<object>): Promise<JobResult> {
    const ac = new AbortController();
    const onAbort = () => ac.abort(job.signal.reason);
    job.signal.addEventListener("abort", onAbort, { once: true });
    this.inFlight.add(ac);
    try {
      const out = await executeJob(def, job.data, {
        id: job.id,
        attempt: job.retryCount + 1,
        retryLimit: job.retryLimit,
        services: this.o.services,
        logger: this.o.logger,
        settings: this.o.settings,
        signal: ac.signal,
        queue: this.queue,
        progressIntervalMs: this.o.progressIntervalMs,
      });
      return { id: job.id, status: out.status, output: { message: out.message, ...(out.error ? { error: out.error } : {}) } };
    } finally {
      job.signal.removeEventListener("abort", onAbort);
      this.inFlight.delete(ac);
    }
  }

  /**
   * Stops taking jobs; a job in flight is aborted at its next progress report (its attempt fails and
   * pg-boss retries it later, on this worker or another), then waits up to `timeoutMs` for it.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.running) this.o.logger.info({ inFlight: this.inFlight.size }, "worker stopping");
    this.running = false;
    for (const ac of this.inFlight) ac.abort(new Error("the worker is stopping"));
    await this.queue.stop(timeoutMs);
  }
}
