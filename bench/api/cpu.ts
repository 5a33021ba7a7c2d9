/**
 * CPU accounting from /proc (Linux): the CPU time the server process, the PostgreSQL backends of the
 * benchmark's database and the load process used during a phase, against the whole machine's busy
 * time — so that the report can tell the cost of a request from the contention of other work on a
 * shared machine. Returns zeros where /proc is not readable.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ = 100 on Linux

function procTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

/** PostgreSQL backends whose process title names the database. */
function backendPids(dbName: string): number[] {
  const out: number[] = [];
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
        if (cmd.startsWith("postgres:") && cmd.includes(` ${dbName} `)) out.push(Number(d));
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (line[3] ?? 0) + (line[4] ?? 0);
    const total = line.reduce((s, x) => s + x, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export interface CpuSnapshot {
  readonly server: number;
  readonly backends: Map<number, number>;
  readonly load: number;
  readonly machine: { busy: number; total: number };
}

export function snapshot(serverPid: number, dbName: string | null): CpuSnapshot {
  const backends = new Map<number, number>();
  if (dbName) for (const pid of backendPids(dbName)) backends.set(pid, procTicks(pid));
  const u = process.cpuUsage();
  return { server: procTicks(serverPid), backends, load: (u.user + u.system) / 1000 / TICK_MS, machine: machineTicks() };
}

export interface CpuUse {
  /** CPU milliseconds used during the phase. */
  readonly serverMs: number;
  readonly dbMs: number;
  readonly loadMs: number;
  /** Busy CPU milliseconds of the whole machine (all cores) and of everything else. */
  readonly machineMs: number;
  readonly othersMs: number;
}

export function usage(before: CpuSnapshot, serverPid: number, dbName: string | null): CpuUse {
  const after = snapshot(serverPid, dbName);
  let db = 0;
  for (const [pid, t] of after.backends) db += t - (before.backends.get(pid) ?? 0);
  const serverMs = (after.server - before.server) * TICK_MS;
  const dbMs = db * TICK_MS;
  const loadMs = (after.load - before.load) * TICK_MS;
  const machineMs = (after.machine.busy - before.machine.busy) * TICK_MS;
  return { serverMs, dbMs, loadMs, machineMs, othersMs: Math.max(0, machineMs - serverMs - dbMs - loadMs) };
}
