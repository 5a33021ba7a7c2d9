/**
 * Times every SQL statement TypeORM sends on PostgreSQL (a wrapper around the query runner's
 * `query`), grouped by the benchmark's current phase and the statement's opening words: how much of
 * a phase is the database and how much is Node. Benchmark-only instrumentation; nothing in src/.
 */
import type { DataSource } from "typeorm";

export interface StatementStat {
  readonly phase: string;
  readonly statement: string;
  count: number;
  ms: number;
}

export class QueryTimer {
  phase = "-";
  /** Called with each statement before it is sent (lets a phase start on its first statement). */
  before: ((sql: string) => void) | null = null;
  private readonly stats = new Map<string, StatementStat>();

  /** Installs the wrapper on the data source's query-runner class (once). */
  install(ds: DataSource): void {
    const runner = ds.createQueryRunner();
    const proto = Object.getPrototypeOf(runner) as { query: (...a: unknown[]) => Promise<unknown>; __benchTimed?: boolean };
    void runner.release();
    if (proto.__benchTimed) return;
    const original = proto.query;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const timer = this;
    proto.query = async function (this: unknown, ...args: unknown[]) {
      timer.before?.(String(args[0]));
      const t = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        timer.add(String(args[0]), performance.now() - t);
      }
    };
    proto.__benchTimed = true;
  }

  add(sql: string, ms: number): void {
    const statement = sql.replace(/\s+/g, " ").trim().slice(0, 90);
    const key = `${this.phase}\u0000${statement}`;
    const s = this.stats.get(key) ?? { phase: this.phase, statement, count: 0, ms: 0 };
    s.count++;
    s.ms += ms;
    this.stats.set(key, s);
  }

  /** Statements of one phase, slowest total first. */
  of(phase: string): StatementStat[] {
    return [...this.stats.values()].filter((s) => s.phase === phase).sort((a, b) => b.ms - a.ms);
  }

  totalMs(phase: string): number {
    return this.of(phase).reduce((a, s) => a + s.ms, 0);
  }
}
