/**
 * What a job is (house style, graphile-worker): a plain async function `(payload, ctx) => outcome`
 * with a checked payload. The runner (runner.ts) records its run, throttles its progress writes and
 * tells pg-boss whether a failure is worth a retry; the job itself only calls services.
 */
import type { Services } from "../src/services/index.js";
import type { Logger } from "../src/shared/logger.js";
import type { Enqueued } from "../src/services/jobs/job-run.service.js";
import { DomainError, ErrorCode } from "../src/services/common/domain-error.js";
import { isUuid } from "../src/shared/ids.js";

/** Settings the jobs read (from the configuration; tests set their own). */
export interface JobSettings {
  /** The retraining schedule, a cron expression read in each school's time zone; null = off. */
  readonly retrainCron: string | null;
  /** The weekly fairness audits' schedule (UTC); null or absent = off. */
  readonly auditCron?: string | null;
  /** ZPD_RETENTION_DAYS: the `retention` job deletes attempts older than this; null or absent = keep every attempt. */
  readonly retentionDays?: number | null;
  /** ZPD_ACCESS_LOG_RETENTION_DAYS: the `retention` job deletes access-log rows older than this; null or absent = keep them. */
  readonly accessLogRetentionDays?: number | null;
  /** The model the nightly retraining trains (default: the retrain service's, "meta"). */
  readonly retrainKind?: string;
  /** Restrict the nightly fan-out to these schools (tests sharing a database with others). */
  readonly schoolIds?: readonly string[];
}

export interface JobContext {
  /** The job's id (pg-boss's), also its run's id. */
  readonly id: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly services: Services;
  readonly logger: Logger;
  readonly settings: JobSettings;
  /** Aborted when the worker stops: a long job checks it at each progress report. */
  readonly signal: AbortSignal;
  /** Reports progress (0..1) with what is being done; cheap to call often (writes are throttled). */
  progress(fraction: number, message?: string): void;
  /** Enqueues another job (a fan-out); idempotent when given an id. */
  enqueue(name: string, payload: Record<string, unknown>, opts: { schoolId: string | null; id?: string }): Promise<Enqueued>;
  now(): Date;
}

/**
 * The progress callback a long job hands to its service: stops the job (throws the abort) at the
 * first report after its worker began stopping, then reports as `ctx.progress` does.
 */
export function abortableProgress(ctx: JobContext, message?: string): (fraction: number, message?: string) => void {
  return (fraction, said) => {
    ctx.signal.throwIfAborted();
    ctx.progress(fraction, said ?? message);
  };
}

export interface JobOutcome {
  /** One line for operators (stored on the run). */
  readonly message: string;
  readonly result?: Record<string, unknown>;
  /** Nothing was done (a tick with nothing due): a quiet job leaves no run for it. */
  readonly idle?: boolean;
}

export interface JobDefinition<P extends object = object> {
  readonly name: string;
  readonly description: string;
  /** Checks a raw payload; throws PayloadError naming the field. */
  parse(raw: unknown): P;
  /** The school a run belongs to (null: a fan-out across schools). */
  schoolId(payload: P): string | null;
  run(payload: P, ctx: JobContext): Promise<JobOutcome>;
  /** Record a run only when it did something or failed (the minute tick of the nightly fan-out). */
  readonly quiet?: boolean;
}

/**
 * A failure no retry can fix: the job is failed at once (pg-boss dead-letters it, no retries).
 * `result` is stored on the run with the error (a refused promotion: the gates' verdicts).
 */
export class JobFailure extends Error {
  constructor(
    message: string,
    readonly result?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class PayloadError extends JobFailure {}

/** Whether an error is permanent: a refused payload, or a service's own refusal (bad input, not found). */
export function isPermanent(e: unknown): boolean {
  if (e instanceof JobFailure) return true;
  return e instanceof DomainError && (e.code === ErrorCode.BadUserInput || e.code === ErrorCode.NotFound);
}

// ---- payload checks ----

export type Payload = Record<string, unknown>;

/** The payload as an object with only the allowed keys. */
export function payloadObject(job: string, raw: unknown, allowed: readonly string[]): Payload {
  const obj = raw ?? {};
  if (typeof obj !== "object" || Array.isArray(obj)) throw new PayloadError(`${job}: the payload must be an object`);
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new PayloadError(`${job}: unknown payload field(s) ${unknown.join(", ")} (allowed: ${allowed.join(", ") || "none"})`);
  return obj as Payload;
}

export function uuidField(job: string, p: Payload, key: string): string {
  const v = p[key];
  if (typeof v !== "string" || !isUuid(v)) throw new PayloadError(`${job}: ${key} must be a UUID, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

export function optionalInt(job: string, p: Payload, key: string, min: number, max: number): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new PayloadError(`${job}: ${key} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalInstant(job: string, p: Payload, key: string): Date | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  const d = typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new PayloadError(`${job}: ${key} must be an ISO 8601 instant, got ${JSON.stringify(v)}`);
  return d;
}

export function optionalName(job: string, p: Payload, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !/^[a-z][a-z0-9-]{0,31}$/.test(v))
    throw new PayloadError(`${job}: ${key} must be a model name such as "meta", got ${JSON.stringify(v)}`);
  return v;
}
