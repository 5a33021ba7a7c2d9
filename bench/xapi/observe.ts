/**
 * What the server and its database did during one phase of `bench:xapi`, to tell where a latency tail
 * comes from: the CPU of the server, of the database's backends and of everything else on the machine
 * (bench/api/cpu.ts); the server's event-loop delay, garbage collection and own view of the requests'
 * latency (its /metrics: prom-client resets the event-loop histogram at each scrape, so a scrape before
 * the phase starts its window); and on PostgreSQL, the checkpoints and autovacuum runs the phase saw and
 * what its backends waited on (pg_stat_activity, sampled).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { snapshot, usage, type CpuUse } from "../api/cpu.js";

export interface PhaseObservation {
  /** How long the phase ran (an open loop waits for its last answers), ms: the CPU figures' window. */
  readonly elapsedMs: number;
  readonly cpu: CpuUse;
  /** Event-loop delay of the server during the phase, ms (10 ms sampling resolution: prom-client's default). */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Garbage collection time of the server during the phase, ms, by kind. */
  readonly gcMs: Record<string, number>;
  /** The server's own count of answered xAPI requests and of those over 25 and 50 ms (its histogram). */
  readonly server: { requests: number; over25ms: number; over50ms: number };
  /** PostgreSQL only: checkpoints (timed + requested) and autovacuum/autoanalyze runs in the bench database. */
  readonly checkpoints?: number;
  readonly autovacuums?: number;
  /**
   * PostgreSQL only, the whole server's (other databases' too): WAL flushes to the disk, full-page images
   * written to the WAL (many after a checkpoint: each page's first change logs the whole page), and
   * buffers the checkpointer wrote (a checkpoint's writes are spread over minutes, past the phase that
   * started it).
   */
  readonly walSyncs?: number;
  readonly walFullPages?: number;
  readonly checkpointBuffers?: number;
  /** PostgreSQL only: sampled backends of the bench database that were active, by wait (`CPU` when none). */
  readonly waits?: Record<string, number>;
}

type Metrics = Map<string, number>;

/** The samples of a Prometheus text exposition, by series (name and labels). */
function parseMetrics(text: string): Metrics {
  const out: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

async function scrape(metricsUrl: string): Promise<Metrics> {
  const res = await fetch(metricsUrl);
  return parseMetrics(await res.text());
}

const REQUESTS = 'operation="xapi statements"';

interface DbCounters {
  checkpoints: number;
  autovacuums: number;
  wal_syncs: number;
  wal_fpi: number;
  buffers_checkpoint: number;
}

async function dbCounters(c: pg.Client): Promise<DbCounters> {
  const { rows } = await c.query(
    `SELECT (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::int AS checkpoints,
            (SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables)::int AS autovacuums,
            (SELECT wal_sync FROM pg_stat_wal)::int AS wal_syncs,
            (SELECT wal_fpi FROM pg_stat_wal)::int AS wal_fpi,
            (SELECT buffers_checkpoint FROM pg_stat_bgwriter)::int AS buffers_checkpoint`,
  );
  return rows[0] as DbCounters;
}

/** Watches one phase: `start` before it, `stop` after it. */
export class PhaseObserver {
  private cpu = snapshot(0, null);
  private t0 = 0;
  private before: Metrics = new Map();
  private db: DbCounters | null = null;
  private waits = new Map<string, number>();
  private sampling: Promise<void> | null = null;
  private running = false;

  constructor(
    private readonly serverPid: number,
    private readonly metricsUrl: string,
    /** PostgreSQL: a connection to the bench database (the stats are per database), and its name. */
    private readonly pgDb: { client: pg.Client; name: string } | null,
  ) {}

  async start(): Promise<void> {
    this.before = await scrape(this.metricsUrl);
    if (this.pgDb) {
      this.db = await dbCounters(this.pgDb.client);
      this.waits = new Map();
      this.running = true;
      this.sampling = this.sample(this.pgDb.client, this.pgDb.name);
    }
    this.cpu = snapshot(this.serverPid, this.pgDb?.name ?? null);
    this.t0 = performance.now();
  }

  /** Every 50 ms, what the bench database's active backends wait on. */
  private async sample(c: pg.Client, name: string): Promise<void> {
    while (this.running) {
      const t = performance.now();
      const { rows } = await c.query(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w, count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1`,
        [name],
      );
      for (const r of rows as { w: string; n: number }[]) this.waits.set(r.w, (this.waits.get(r.w) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (performance.now() - t))));
    }
  }

  async stop(): Promise<PhaseObservation> {
    const cpu = usage(this.cpu, this.serverPid, this.pgDb?.name ?? null);
    const elapsedMs = performance.now() - this.t0;
    this.running = false;
    await this.sampling;
    const after = await scrape(this.metricsUrl);
    const delta = (series: string) => (after.get(series) ?? 0) - (this.before.get(series) ?? 0);
    // A series by its name and some of its labels, whatever their order.
    const matching = (name: string, ...labels: string[]) =>
      [...after.keys()].filter((k) => k.startsWith(`${name}{`) && labels.every((l) => k.includes(l))).reduce((s, k) => s + delta(k), 0);
    const gcMs: Record<string, number> = {};
    for (const kind of ["minor", "major", "incremental", "weakcb"]) {
      const ms = matching("nodejs_gc_duration_seconds_sum", `kind="${kind}"`) * 1000;
      if (ms > 0) gcMs[kind] = Math.round(ms);
    }
    const bucket = (le: string) => matching("zpd_graphql_request_duration_seconds_bucket", `le="${le}"`, REQUESTS);
    const requests = matching("zpd_graphql_request_duration_seconds_count", REQUESTS);
    const observation: PhaseObservation = {
      elapsedMs,
      cpu,
      loopDelayP99Ms: (after.get("nodejs_eventloop_lag_p99_seconds") ?? 0) * 1000,
      loopDelayMaxMs: (after.get("nodejs_eventloop_lag_max_seconds") ?? 0) * 1000,
      gcMs,
      server: { requests, over25ms: requests - bucket("0.025"), over50ms: requests - bucket("0.05") },
    };
    if (!this.pgDb || !this.db) return observation;
    const db = await dbCounters(this.pgDb.client);
    return {
      ...observation,
      checkpoints: db.checkpoints - this.db.checkpoints,
      autovacuums: db.autovacuums - this.db.autovacuums,
      walSyncs: db.wal_syncs - this.db.wal_syncs,
      walFullPages: db.wal_fpi - this.db.wal_fpi,
      checkpointBuffers: db.buffers_checkpoint - this.db.buffers_checkpoint,
      waits: Object.fromEntries([...this.waits].sort((a, b) => b[1] - a[1])),
    };
  }
}
