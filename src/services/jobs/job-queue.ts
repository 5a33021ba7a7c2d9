/**
 * The job queue: pg-boss over the system of record. On a real server pg-boss has its own small pool
 * (the connection string); on embedded PGlite it goes through TypeORM's one-connection pool with an
 * adapter that takes the connection for each statement and gives it back (never the same
 * PGlite handle, or a job sent while a TypeORM transaction is open would run inside it and vanish
 * with its rollback).
 *
 * pg-boss is loaded on first use (loadPgBoss). Started lazily, once; a "client" queue only
 * sends (no cron pass, no maintenance), a "worker" queue also runs schedules and supervision.
 */
import type { DataSource } from "typeorm";
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode is valid TypeScript (5.3+); pg-boss is ESM-only
import type { PgBoss, ConstructorOptions, Db, SendOptions } from "pg-boss" with { "resolution-mode": "import" };
import type { Logger } from "../../shared/logger.js";
import { DEFAULT_JOB_TIMING, type JobTiming, queueOptions, type QueueOptions } from "./queues.js";

export interface JobQueueOptions {
  readonly dataSource: DataSource;
  readonly logger: Logger;
  /** "client" sends only; "worker" also runs the cron pass and pg-boss's supervision and maintenance. */
  readonly role: "client" | "worker";
  /** Heartbeat, supervision and first retry delay (queues.ts; the configuration's ZPD_JOB_*); default DEFAULT_JOB_TIMING. */
  readonly timing?: JobTiming;
  /** Queues to create besides the product's (tests add their own). */
  readonly extraQueues?: Readonly<Record<string, QueueOptions>>;
  /** How often a worker polls each queue (default 2 s). */
  readonly pollingIntervalSeconds?: number;
  /** Run pg-boss's cron pass (default: a worker does). */
  readonly schedule?: boolean;
  /** How often the cron pass and the tick forwarding run (pg-boss defaults 30 s and 5 s; tests: 1). */
  readonly cronIntervalSeconds?: number;
}

type PgBossModule = typeof import("pg-boss", { with: { "resolution-mode": "import" }});
let moduleLoading: Promise<PgBossModule> | undefined;
/**
 * pg-boss, loaded on first use. It is ESM-only; Node ≥ 20.19 (our engines floor) loads an ES module
 * with require() — as it does jose — and so does Jest's module system, which `import()` would bypass.
 */
export const loadPgBoss = (): Promise<PgBossModule> => (moduleLoading ??= Promise.resolve().then(() => require("pg-boss") as PgBossModule));

/** The postgres:// URL of a real server behind this data source; undefined when embedded. */
export function connectionStringOf(ds: DataSource): string | undefined {
  return (ds.options as { url?: string }).url || undefined;
}

/**
 * pg-boss's database interface over TypeORM's pool: one pool connection per statement. A statement
 * that fails inside one of pg-boss's multi-statement blocks (BEGIN … COMMIT) would leave the one
 * embedded session in an aborted transaction, so a failure is followed by a ROLLBACK.
 */
export function typeormPoolDb(ds: DataSource): Db {
  const driver = ds.driver as unknown as {
    obtainMasterConnection(): Promise<[{ query(text: string, values?: unknown[]): Promise<unknown> }, (err?: unknown) => void]>;
  };
  return {
    async executeSql(text: string, values?: unknown[]) {
      const [client, release] = await driver.obtainMasterConnection();
      try {
        const result = await client.query(text, values);
        // A multi-statement text answers with one result per statement (as pg-boss's own pool does).
        if (Array.isArray(result)) return { rows: result.flatMap((r: { rows?: unknown[] }) => r?.rows ?? []) };
        return result as { rows: unknown[] };
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        release();
      }
    },
  };
}

export class JobQueue {
  private starting?: Promise<PgBoss>;
  private stopped = false;

  constructor(private readonly opts: JobQueueOptions) {}

  /** Every queue this instance creates, with its options. */
  queues(): Record<string, QueueOptions> {
    return { ...queueOptions(this.timing), ...this.opts.extraQueues };
  }

  get timing(): JobTiming {
    return this.opts.timing ?? DEFAULT_JOB_TIMING;
  }

  get pollingIntervalSeconds(): number {
    return this.opts.pollingIntervalSeconds ?? 2;
  }

  get started(): boolean {
    return this.starting !== undefined;
  }

  /** The started pg-boss instance (started on first use). */
  boss(): Promise<PgBoss> {
    if (this.stopped) return Promise.reject(new Error("the job queue is stopped"));
    this.starting ??= this.start().catch((e) => {
      this.starting = undefined;
      throw e;
    });
    return this.starting;
  }

  private async start(): Promise<PgBoss> {
    const { PgBoss } = await loadPgBoss();
    const worker = this.opts.role === "worker";
    const url = connectionStringOf(this.opts.dataSource);
    const common: ConstructorOptions = {
      schedule: worker && (this.opts.schedule ?? true),
      supervise: worker,
      ...(this.opts.cronIntervalSeconds
        ? { cronMonitorIntervalSeconds: this.opts.cronIntervalSeconds, cronWorkerIntervalSeconds: this.opts.cronIntervalSeconds }
        : {}),
      // pg-boss fails the jobs whose heartbeat lapsed in its monitor step, which runs on a pass of the
      // supervision timer once the queue's monitor interval has passed: both at the configured interval.
      superviseIntervalSeconds: this.timing.superviseIntervalSeconds,
      monitorIntervalSeconds: this.timing.superviseIntervalSeconds,
      migrate: true,
      registerInstance: worker,
      instanceName: worker ? "zpd-worker" : "zpd-client",
      application_name: "zpd-jobs",
      // Our own telemetry is the job_run table; no OpenTelemetry spans.
      openTelemetry: { enabled: false },
    };
    const boss = url
      ? new PgBoss({ ...common, connectionString: url, max: worker ? 4 : 2 })
      : new PgBoss({ ...common, db: typeormPoolDb(this.opts.dataSource), backend: "pglite" });
    boss.on("error", (err) => this.opts.logger.error({ err }, "job queue error"));
    await boss.start();
    for (const [name, options] of Object.entries(this.queues())) {
      await boss.createQueue(name, options);
      // createQueue leaves an existing queue as it is: the options that may change (retries, expiry,
      // heartbeat) are brought up to this configuration; a policy is fixed at creation.
      const { policy: _policy, partition: _partition, ...updatable } = options;
      await boss.updateQueue(name, updatable);
      // Warms pg-boss's queue cache now rather than on the first send.
      await boss.findJobs(name, { id: "00000000-0000-4000-8000-000000000000", limit: 1 });
    }
    return boss;
  }

  /**
   * Enqueues a job; resolves to its id, or null when a job with this id already exists (pg-boss
   * inserts with ON CONFLICT DO NOTHING: a deterministic id makes a send idempotent).
   */
  async send(name: string, data: object, options: SendOptions = {}): Promise<string | null> {
    return (await this.boss()).send(name, data, options);
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    const starting = this.starting;
    if (!starting) return;
    const boss = await starting.catch(() => undefined);
    await boss?.stop({ graceful: true, timeout: timeoutMs, close: true });
  }
}

let preview: Promise<PgBoss> | undefined;
/** A pg-boss instance that is never started: previewSchedule() is arithmetic and needs no database. */
function previewer(): Promise<PgBoss> {
  preview ??= loadPgBoss().then(
    ({ PgBoss }) =>
      new PgBoss({
        db: {
          executeSql: async () => {
            throw new Error("the schedule previewer has no database");
          },
        },
        schedule: false,
        supervise: false,
        migrate: false,
        registerInstance: false,
        openTelemetry: { enabled: false },
      }),
  );
  return preview;
}

/**
 * The occurrences of a cron expression in (from, to] in a time zone, read the way pg-boss reads a
 * schedule (its previewSchedule: pure arithmetic, no database). At most `max`, earliest first.
 */
export async function cronOccurrences(cron: string, tz: string, from: Date, to: Date, max = 100): Promise<Date[]> {
  const boss = await previewer();
  const out: Date[] = [];
  let cursor = from;
  while (out.length < max) {
    const [next] = boss.previewSchedule(cron, { tz, from: cursor, count: 1 });
    if (!next || next.getTime() > to.getTime()) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/** Checks a cron expression and a time zone as pg-boss will read them; throws with the reason. */
export async function checkCron(cron: string, tz = "UTC"): Promise<void> {
  (await previewer()).previewSchedule(cron, { tz, count: 1 });
}
