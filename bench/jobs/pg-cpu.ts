/**
 * CPU seconds used by the PostgreSQL backends serving one database (Linux /proc; the server runs on
 * this machine). Polled every second so that a backend the pool closes while idle keeps counting
 * with its last reading. With the Node process's own CPU time this says what a phase costs in CPU,
 * whatever else the shared machine runs: wall time ÷ CPU time shows how much the run waited for a core.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

export class PgCpu {
  private readonly seen = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  readonly available: boolean;

  constructor(private readonly database: string) {
    let ok = false;
    try {
      readdirSync("/proc");
      ok = true;
    } catch {
      ok = false;
    }
    this.available = ok;
  }

  start(): void {
    if (!this.available || this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Cumulative CPU seconds of the database's backends (fresh reading). */
  seconds(): number {
    this.sample();
    let s = 0;
    for (const v of this.seen.values()) s += v;
    return s / TICKS;
  }

  private sample(): void {
    if (!this.available) return;
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      try {
        if (!this.seen.has(pid)) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
          if (!cmd.startsWith("postgres: ") || !cmd.includes(` ${this.database} `)) continue;
        }
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        this.seen.set(pid, Number(fields[11]) + Number(fields[12])); // utime + stime (fields 14, 15)
      } catch {
        // gone, or not ours
      }
    }
  }
}
