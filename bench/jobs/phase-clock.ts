/**
 * What every phase of the jobs benchmark measures with: wall time, the CPU of Node and of the
 * database's backends, the load average, and the SQL statements timed per phase — so that a missed
 * target says where its time went.
 */
import { loadavg } from "node:os";
import type { Database } from "../../src/persistence/database.js";
import type { QueryTimer, StatementStat } from "./query-timer.js";
import type { PgCpu } from "./pg-cpu.js";
import type { Phase } from "./report.js";

export const log = (msg: string) => process.stderr.write(`[bench:jobs ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const load1 = () => Number(loadavg()[0]!.toFixed(2));
export const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** The scratch database and the meters every phase shares. */
export interface PhaseContext {
  readonly ds: Database["dataSource"];
  readonly schoolId: string;
  readonly timer: QueryTimer;
  readonly pgCpu: PgCpu;
}

/** Phases of a job from its progress messages: each message starts a phase, ended by the next one. */
export class PhaseClock {
  readonly phases: Phase[] = [];
  private current: { name: string; t: number; cpu: NodeJS.CpuUsage; pg: number; load: number; dbMs: number } | null = null;

  constructor(
    private readonly timer: QueryTimer,
    private readonly prefix: string,
    private readonly pgCpu: PgCpu,
  ) {}

  enter(name: string): void {
    if (this.current?.name === name) return;
    this.close();
    this.timer.phase = `${this.prefix}:${name}`;
    this.current = {
      name,
      t: performance.now(),
      cpu: process.cpuUsage(),
      pg: this.pgCpu.seconds(),
      load: load1(),
      dbMs: this.timer.totalMs(`${this.prefix}:${name}`),
    };
  }

  close(): void {
    const c = this.current;
    if (!c) return;
    const existing = this.phases.find((p) => p.name === c.name);
    const seconds = (performance.now() - c.t) / 1000;
    const dbSeconds = (this.timer.totalMs(`${this.prefix}:${c.name}`) - c.dbMs) / 1000;
    const cpu = cpuSeconds(c.cpu);
    const pgCpu = this.pgCpu.seconds() - c.pg;
    if (existing) {
      existing.seconds += seconds;
      existing.nodeCpuSeconds += cpu;
      existing.pgCpuSeconds += pgCpu;
      existing.sqlSeconds += dbSeconds;
    } else
      this.phases.push({ name: c.name, seconds, nodeCpuSeconds: cpu, pgCpuSeconds: pgCpu, sqlSeconds: dbSeconds, loadAtStart: c.load });
    this.current = null;
    this.timer.phase = "-";
  }
}

/** The `n` slowest statements of each of the timer's phases, in whole milliseconds. */
export function top(timer: QueryTimer, phases: string[], n = 6): StatementStat[] {
  return phases.flatMap((p) => timer.of(p).slice(0, n)).map((s) => ({ ...s, ms: Math.round(s.ms) }));
}
