/**
 * PGlite has no lock across processes: two processes on one data folder lose writes. We hold
 * `<dataDir>/zpd.lock` while open and refuse a folder that another live process holds.
 *
 * The lock must never outlive its holder: after a kill -9 the next start — at once, by a supervisor, as
 * pid 1 again in a container — gets it, and nobody has to delete a file by hand. Two ways, the stronger
 * first:
 * 1. An advisory OS lock, flock(2), on the open file (Node has none in core: the small native package
 *    `fs-ext`, an optional dependency built by node-gyp at install). The kernel releases it when the
 *    holder's descriptors close, however the process ends, so no pid is ever judged and a restart right
 *    after a kill -9 gets it. Chosen over `proper-lockfile`, whose lock is an mtime refreshed on a timer
 *    and judged stale after some seconds: a restart within them is refused, and a stalled event loop
 *    loses the lock to another process. Node opens files close-on-exec: a child process does not inherit it.
 * 2. Where `fs-ext` is not installed (its build needs a compiler), the record in the file judges:
 *    the pid with the process's start time and the boot id (lock-record.ts), so that a live process
 *    that only has the same pid is not taken for the holder; without /proc, the pid alone.
 * Either way the file holds the holder's record, which names it in messages and in `lockHolder`, and
 * is removed when the holder releases the lock.
 */
import fs from "node:fs";
import path from "node:path";
import { currentRecord, formatRecord, holderIsAlive, type LockRecord, readRecord } from "./lock-record.js";

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    /** The holder's pid; 0 when it has not written its record yet (it is starting). */
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by another live process${pid ? ` (pid ${pid})` : ""}; stop it or set ZPD_DATA_DIR to another folder`,
    );
    this.name = "DataDirLockedError";
  }
}

/** How the lock is held: "advisory" (flock, when `fs-ext` is installed) or "record" (the fallback). */
export type LockMode = "advisory" | "record";

interface Flock {
  flockSync(fd: number, flags: "exnb" | "un"): void;
}

function loadFlock(): Flock | null {
  try {
    // A variable module name: the TypeScript compiler must not insist that an optional dependency exists.
    const name = "fs-ext";
    return require(name) as Flock;
  } catch {
    return null;
  }
}

const flock = loadFlock();

/** The mode this installation uses. */
export const defaultLockMode: LockMode = flock ? "advisory" : "record";

const lockFile = (dataDir: string) => path.join(dataDir, "zpd.lock");

const isBusy = (e: unknown) => ["EAGAIN", "EWOULDBLOCK"].includes((e as NodeJS.ErrnoException).code ?? "");

/**
 * A lock file of a version before the advisory lock (a bare pid) is honoured as that version did: an
 * upgrade must not open a folder that a still-running older server holds.
 */
const olderVersionHolds = (record: LockRecord | null) => !!record?.legacy && record.pid !== process.pid && holderIsAlive(record);

/** Takes the lock; returns a function that releases it. `mode` (tests): force a way of holding it. */
export function lockDataDir(dataDir: string, mode: LockMode = defaultLockMode): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  return mode === "advisory" ? lockAdvisory(dataDir, required(flock)) : lockByRecord(dataDir);
}

/** The pid of the live process (not this one) that holds the data folder, or null. */
export function lockHolder(dataDir: string, mode: LockMode = defaultLockMode): number | null {
  const file = lockFile(dataDir);
  if (mode === "record") {
    const record = readRecord(file);
    return record && record.pid !== process.pid && holderIsAlive(record) ? record.pid : null;
  }
  const fd = flockFile(file, required(flock), false);
  if (fd === null) return null;
  if (fd === "busy") {
    const pid = recordedPid(file);
    return pid === process.pid ? null : pid;
  }
  fs.closeSync(fd); // releases the probe's lock
  const record = readRecord(file);
  return olderVersionHolds(record) ? record!.pid : null;
}

function lockAdvisory(dataDir: string, os: Flock): () => void {
  const file = lockFile(dataDir);
  const fd = flockFile(file, os, true);
  if (fd === "busy") throw new DataDirLockedError(dataDir, recordedPid(file));
  if (fd === null) throw new Error(`could not create ${file}`);
  const previous = readRecord(file);
  if (olderVersionHolds(previous)) {
    fs.closeSync(fd);
    throw new DataDirLockedError(dataDir, previous!.pid);
  }
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, formatRecord(currentRecord()), 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      fs.rmSync(file, { force: true }); // removed while still held: see flockFile
    } finally {
      fs.closeSync(fd); // closing the descriptor releases the lock
    }
  };
}

/**
 * Opens the lock file (`create`: creating it) and takes its advisory lock: the descriptor that holds it,
 * "busy" when another process holds it, null when there is no file (and `create` is off). Within a second
 * it tries again when
 * - the file was removed or replaced after it was opened (a holder removes it on release: the lock
 *   just taken is on a file nobody else sees);
 * - the holder's record names a process that has ended: the lock is the kernel's to release, which it
 *   does as the process's last thread exits — a few milliseconds after a killed process shows as a zombie.
 */
function flockFile(file: string, os: Flock, create: boolean): number | "busy" | null {
  const deadline = Date.now() + 1000;
  for (;;) {
    let fd: number;
    try {
      fd = fs.openSync(file, create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDONLY, 0o644);
    } catch (e) {
      if (!create && (e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
    try {
      os.flockSync(fd, "exnb");
    } catch (e) {
      fs.closeSync(fd);
      if (!isBusy(e)) throw e;
      const holder = readRecord(file);
      if (holder === null || holderIsAlive(holder) || Date.now() > deadline) return "busy";
      sleep(10);
      continue;
    }
    if (isAtPath(fd, file)) return fd;
    fs.closeSync(fd);
    if (Date.now() > deadline) throw new Error(`could not lock ${file}: it keeps being replaced`);
  }
}

/** Whether the open file is still the one at `file` (not removed or replaced since it was opened). */
function isAtPath(fd: number, file: string): boolean {
  try {
    const open = fs.fstatSync(fd);
    const now = fs.statSync(file);
    return open.ino === now.ino && open.dev === now.dev;
  } catch {
    return false;
  }
}

function lockByRecord(dataDir: string): () => void {
  const file = lockFile(dataDir);
  const mine = formatRecord(currentRecord());
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx" });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(file, "utf8") === mine) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const held = readRecord(file);
      // A bare pid naming this process was written by an earlier process that had its pid, not by this one.
      if (held && !(held.legacy && held.pid === process.pid) && holderIsAlive(held)) throw new DataDirLockedError(dataDir, held.pid);
      fs.rmSync(file, { force: true }); // its holder has ended (or an advisory lock's emptied file)
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

/**
 * The holder's pid from its record. A holder writes its record just after taking the lock: a probe in
 * between reads an empty file, so it reads again for a moment before giving up (0).
 */
function recordedPid(file: string): number {
  for (let i = 0; i < 50; i++) {
    const record = readRecord(file);
    if (record) return record.pid;
    sleep(10);
  }
  return 0;
}

/** Blocks this thread (the lock is taken synchronously, once, at start). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function required(os: Flock | null): Flock {
  if (!os) throw new Error("the advisory lock needs the optional package fs-ext, which is not installed");
  return os;
}
