/**
 * What the data folder's lock file says about its holder: the pid, the process's start time (field 22
 * of /proc/<pid>/stat, in clock ticks since boot) and the boot id (/proc/sys/kernel/random/boot_id).
 * A pid alone cannot tell the holder from a live process that merely has the same number — pid 1
 * again in a restarted container, a pid reused after a kill -9, any process after a reboot — nor
 * from the holder's zombie, which a supervisor has not reaped yet. With the start time and the boot
 * id it can. Without /proc (macOS, BSDs), a record has the pid only and a live pid counts as the holder.
 * A pid means something only in its own pid namespace: processes in different ones (a container and
 * its host) are kept apart by the advisory lock (data-dir-lock.ts), not by the record.
 */
import fs from "node:fs";

export interface LockRecord {
  readonly pid: number;
  /** Clock ticks after boot when the process started (/proc only). */
  readonly startTime?: string;
  /** The kernel's boot id (/proc only). */
  readonly bootId?: string;
  /** A bare pid, as versions before this record wrote (judged by the pid alone). */
  readonly legacy?: boolean;
}

const hasProc = () => fs.existsSync("/proc/self/stat");

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A process's state letter (field 3) and start time (field 22), or null when there is no such process. */
function procStat(pid: number): { state: string; startTime: string } | null {
  const text = readTrimmed(`/proc/${pid}/stat`);
  if (!text) return null;
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
}

/** This process's record. */
export function currentRecord(): LockRecord {
  if (!hasProc()) return { pid: process.pid };
  return { pid: process.pid, startTime: procStat(process.pid)?.startTime, bootId: readTrimmed("/proc/sys/kernel/random/boot_id") };
}

export function formatRecord(record: LockRecord): string {
  return `${JSON.stringify({ pid: record.pid, startTime: record.startTime, bootId: record.bootId })}\n`;
}

/** The record in a lock file's text; null when it holds none (empty, or not one). */
export function parseRecord(text: string): LockRecord | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), legacy: true };
  try {
    const r = JSON.parse(trimmed) as Partial<Record<keyof LockRecord, unknown>>;
    if (typeof r.pid !== "number" || !Number.isInteger(r.pid) || r.pid <= 0) return null;
    return {
      pid: r.pid,
      startTime: typeof r.startTime === "string" ? r.startTime : undefined,
      bootId: typeof r.bootId === "string" ? r.bootId : undefined,
    };
  } catch {
    return null;
  }
}

export function readRecord(file: string): LockRecord | null {
  const text = readTrimmed(file);
  return text === undefined ? null : parseRecord(text);
}

/** Whether the process a record names is still running: the same process, not another with its pid. */
export function holderIsAlive(record: LockRecord): boolean {
  if (!hasProc()) return signalReaches(record.pid);
  const bootId = readTrimmed("/proc/sys/kernel/random/boot_id");
  if (record.bootId && bootId && record.bootId !== bootId) return false; // written before a reboot
  const stat = procStat(record.pid);
  if (!stat) return false;
  if (stat.state === "Z" || stat.state === "X") return false; // exited, not reaped yet: it holds nothing
  return record.startTime === undefined || record.startTime === stat.startTime;
}

function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
