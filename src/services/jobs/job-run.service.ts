/**
 * Job runs: what operators see of the job system. Each job gets a `job_run` row under the pg-boss
 * job's id — QUEUED when it is sent, then RUNNING, RETRYING, SUCCEEDED or FAILED as the worker (or
 * `npm run job`) runs it, with its progress (0..1), message, error and attempts. Admins read their
 * school's runs and trigger a retraining (a promotion or rollback: ModelSwitchService); rows of fan-out jobs (no school) are seen by nobody's API.
 */
import { createHash } from "node:crypto";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { formatBound, MAX_JOB_NAME_LENGTH, MAX_SEED, OVERRIDE_REASON_LENGTH } from "../common/input-bounds.js";
import { checkPageSize, decodeCursor, encodeCursor, Page, PageArgs } from "../common/pagination.js";
import { uuidv7, isUuid } from "../../shared/ids.js";
import type { ServiceDeps } from "../service-deps.js";
import { JobQueue } from "./job-queue.js";
import { JobName } from "./queues.js";

export enum JobStatus {
  Queued = "QUEUED",
  Running = "RUNNING",
  Succeeded = "SUCCEEDED",
  Failed = "FAILED",
  Retrying = "RETRYING",
}

export interface JobRun {
  readonly id: string;
  readonly schoolId: string | null;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly status: JobStatus;
  readonly progress: number;
  readonly message: string;
  readonly error: string | null;
  readonly result: Record<string, unknown> | null;
  readonly attempts: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface JobRunFilter {
  readonly name?: string | null;
  readonly status?: JobStatus | null;
}

export interface Enqueued {
  readonly id: string;
  /** False when a job with this id existed already (an idempotent send found it). */
  readonly created: boolean;
}

const COLUMNS = `id, school_id, name, payload, status, progress, message, error, result, attempts, started_at, finished_at, created_at, updated_at`;

interface Row {
  id: string;
  school_id: string | null;
  name: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  progress: number;
  message: string;
  error: string | null;
  result: Record<string, unknown> | null;
  attempts: number;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toRun = (r: Row): JobRun => ({
  id: r.id,
  schoolId: r.school_id,
  name: r.name,
  payload: r.payload ?? {},
  status: r.status,
  progress: Number(r.progress),
  message: r.message,
  error: r.error,
  result: r.result,
  attempts: Number(r.attempts),
  startedAt: r.started_at ? new Date(r.started_at) : null,
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** Longest error text kept on a run (a stack trace is for the logs). */
const MAX_ERROR = 4000;

/**
 * A deterministic job id for a piece of work that must be enqueued once only (a school's retraining
 * for one occurrence of its schedule): a UUID v7 whose time is the occurrence (so runs still sort by
 * time) and whose other bits hash the key. Two workers, or two ticks, computing it send one job.
 */
export function onceId(key: string, at: Date): string {
  const b = createHash("sha256").update(`zpd:job:${key}`).digest().subarray(0, 16);
  b.writeUIntBE(at.getTime(), 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class JobRunService {
  private clientQueue?: JobQueue;

  constructor(private readonly deps: ServiceDeps) {}

  /** The queue this process sends with (a send-only pg-boss, started on first use). */
  queue(): JobQueue {
    this.clientQueue ??= new JobQueue({
      dataSource: this.deps.dataSource,
      logger: this.deps.logger,
      role: "client",
      timing: this.deps.jobTiming,
    });
    return this.clientQueue;
  }

  /** Stops the send-only queue if it was started. */
  async close(): Promise<void> {
    await this.clientQueue?.stop(5_000);
  }

  /**
   * Sends a job and records its run as QUEUED. `id` makes the send idempotent: pg-boss inserts with
   * ON CONFLICT DO NOTHING, and so does the run, so the same id sent twice is one job and one run.
   */
  async enqueue(
    name: string,
    payload: Record<string, unknown>,
    opts: { schoolId: string | null; id?: string; queue?: JobQueue },
  ): Promise<Enqueued> {
    const id = opts.id ?? uuidv7();
    // The school is the singleton key: its jobs on a `singleton` queue run one at a time (queues.ts).
    const sent = await (opts.queue ?? this.queue()).send(name, payload, { id, ...(opts.schoolId ? { singletonKey: opts.schoolId } : {}) });
    if (sent === null) return { id, created: false };
    await this.deps.dataSource.query(
      `INSERT INTO job_run (id, school_id, name, payload, status) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [id, opts.schoolId, name, JSON.stringify(payload), JobStatus.Queued],
    );
    return { id, created: true };
  }

  /** An admin's "retrain now" for their school: enqueues a `retrain` job and returns its run. */
  async triggerRetrain(actor: Actor, opts: { seed?: number | null } = {}): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    if (opts.seed != null && (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED)) {
      throw new BadInputError(`seed must be an integer from 0 to ${formatBound(MAX_SEED)}`, { argument: "seed" });
    }
    const payload = { schoolId: actor.schoolId, ...(opts.seed != null ? { seed: opts.seed } : {}) };
    const { id } = await this.enqueue(JobName.Retrain, payload, { schoolId: actor.schoolId });
    return this.get(actor, id);
  }

  /** Enqueues a train-policy run of the actor's school (admins); the override reason is checked by the service when it runs, and here. */
  async triggerPolicyTraining(actor: Actor, opts: { seed?: number | null; overrideReason?: string | null } = {}): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    if (opts.seed != null && (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED)) {
      throw new BadInputError(`seed must be an integer from 0 to ${formatBound(MAX_SEED)}`, { argument: "seed" });
    }
    const reason = opts.overrideReason?.trim();
    if (reason != null && (reason.length < OVERRIDE_REASON_LENGTH.min || reason.length > OVERRIDE_REASON_LENGTH.max)) {
      throw new BadInputError(
        `overrideReason must hold at least ${OVERRIDE_REASON_LENGTH.min} and at most ${formatBound(OVERRIDE_REASON_LENGTH.max)} characters`,
        { argument: "overrideReason" },
      );
    }
    const payload = {
      schoolId: actor.schoolId,
      ...(opts.seed != null ? { seed: opts.seed } : {}),
      ...(reason != null ? { overrideReason: reason } : {}),
    };
    const { id } = await this.enqueue(JobName.TrainPolicy, payload, { schoolId: actor.schoolId });
    return this.get(actor, id);
  }

  async list(actor: Actor, filter: JobRunFilter, page: PageArgs): Promise<Page<JobRun>> {
    requireRole(actor, Role.Admin);
    const first = checkPageSize(page.first, this.deps.maxPageSize);
    const params: unknown[] = [actor.schoolId];
    const where = [`school_id = $1`];
    if (filter.name) {
      if (filter.name.length > MAX_JOB_NAME_LENGTH)
        throw new BadInputError(`name must hold at most ${MAX_JOB_NAME_LENGTH} characters`, { argument: "name" });
      params.push(filter.name);
      where.push(`name = $${params.length}`);
    }
    if (filter.status) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (page.after) {
      const [after] = decodeCursor(page.after, 1);
      if (typeof after !== "string" || !isUuid(after))
        throw new BadInputError("after is not a cursor this server returned", { argument: "after" });
      params.push(after);
      where.push(`id > $${params.length}`);
    }
    params.push(first + 1);
    const rows: Row[] = await this.deps.dataSource.query(
      `SELECT ${COLUMNS} FROM job_run WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const nodes = rows.slice(0, first).map(toRun);
    return {
      nodes,
      cursors: nodes.map((n) => encodeCursor([n.id])),
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(page.after),
    };
  }

  async get(actor: Actor, id: string): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    const [row]: Row[] = await this.deps.dataSource.query(`SELECT ${COLUMNS} FROM job_run WHERE id = $1 AND school_id = $2`, [
      id,
      actor.schoolId,
    ]);
    if (!row) throw new NotFoundError("JobRun", id);
    return toRun(row);
  }

  /** A run by id, whatever its school (the worker and the CLI). */
  async find(id: string): Promise<JobRun | null> {
    const [row]: Row[] = await this.deps.dataSource.query(`SELECT ${COLUMNS} FROM job_run WHERE id = $1`, [id]);
    return row ? toRun(row) : null;
  }

  /** Every school with its time zone (the nightly fan-out reads its schedule in each). */
  async schools(): Promise<{ id: string; timeZone: string }[]> {
    const rows: { id: string; time_zone: string }[] = await this.deps.dataSource.query(`SELECT id, time_zone FROM school ORDER BY id`);
    return rows.map((r) => ({ id: r.id, timeZone: r.time_zone }));
  }

  async schoolExists(id: string): Promise<boolean> {
    return (await this.deps.dataSource.query(`SELECT 1 FROM school WHERE id = $1`, [id])).length > 0;
  }

  // ---- written by the runner as a job runs ----

  /** An attempt starts (the row is created if the job did not come through `enqueue`, e.g. a cron tick). */
  async started(id: string, run: { schoolId: string | null; name: string; payload: unknown; attempt: number }): Promise<void> {
    await this.deps.dataSource.query(
      `INSERT INTO job_run (id, school_id, name, payload, status, attempts, started_at, message, error, progress)
       VALUES ($1, (SELECT s.id FROM school s WHERE s.id = $2::uuid), $3, $4, $5, $6, now(), '', NULL, 0)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, started_at = now(), finished_at = NULL,
         progress = 0, message = '', updated_at = now()`,
      [id, run.schoolId, run.name, JSON.stringify(run.payload ?? {}), JobStatus.Running, run.attempt],
    );
  }

  async progressed(id: string, fraction: number, message: string | undefined): Promise<void> {
    const p = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
    await this.deps.dataSource.query(
      `UPDATE job_run SET progress = $2, message = COALESCE($3, message), updated_at = now() WHERE id = $1 AND status = $4`,
      [id, p, message ?? null, JobStatus.Running],
    );
  }

  async succeeded(id: string, message: string, result: Record<string, unknown> | null): Promise<void> {
    await this.deps.dataSource.query(
      `UPDATE job_run SET status = $2, progress = 1, message = $3, result = $4, error = NULL, finished_at = now(), updated_at = now() WHERE id = $1`,
      [id, JobStatus.Succeeded, message, result ? JSON.stringify(result) : null],
    );
  }

  /**
   * An attempt failed: RETRYING when pg-boss will try again, else FAILED (with what a refusal
   * returned, if anything). Also records runs that never started (a payload refused before any row existed).
   */
  async failed(
    id: string,
    run: { schoolId: string | null; name: string; payload: unknown; attempt: number },
    error: string,
    retrying: boolean,
    result?: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.dataSource.query(
      `INSERT INTO job_run (id, school_id, name, payload, status, attempts, error, result, started_at, finished_at)
       VALUES ($1, (SELECT s.id FROM school s WHERE s.id = $2::uuid), $3, $4, $5::varchar, $6, $7, $8, now(), CASE WHEN $5::varchar = 'FAILED' THEN now() END)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, error = EXCLUDED.error, result = EXCLUDED.result,
         finished_at = EXCLUDED.finished_at, updated_at = now()`,
      [
        id,
        run.schoolId,
        run.name,
        JSON.stringify(run.payload ?? {}),
        retrying ? JobStatus.Retrying : JobStatus.Failed,
        run.attempt,
        error.slice(0, MAX_ERROR),
        result ? JSON.stringify(result) : null,
      ],
    );
  }
}
