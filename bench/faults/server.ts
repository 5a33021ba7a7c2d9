/**
 * The real server (`node dist/src/main.js`, bench/api/server.ts) on a fixed port, killed with SIGKILL
 * and restarted at once, as a supervisor (systemd, a container runtime) would: the restart begins as
 * soon as the killed process has been reaped, on the same port, so the load keeps its address.
 *
 * With `pid1`, the server runs as pid 1 of a fresh pid namespace (`unshare --pid --fork --mount-proc`,
 * root only), as in a container: every new server is pid 1 again. The process spawned is then
 * `unshare`, which ignores SIGTERM; signals go to the server itself, its child.
 *
 * A start that exits before answering /healthz is a refused restart: it is retried at once, twice;
 * if the refusal is the data folder's lock, the lock file is then removed, as an operator would by
 * hand, and counted, so that the cycles go on and what they measure (lost attempts) is still measured.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ServerExitedError, startServer, type ServerHandle } from "../api/server.js";

const PID1_WRAP = ["unshare", "--pid", "--fork", "--mount-proc"] as const;
/** Immediate retries of a refused start before the lock is removed by hand. */
const RETRIES = 2;
const LOCK_REFUSAL = /in use by another live process/;

export interface Restart {
  /** Seconds from spawning the first try to a healthy /healthz (refused tries included). */
  readonly seconds: number;
  /** Why each refused try exited (the server's last words). */
  readonly refusals: string[];
  /** The stale lock file had to be removed by hand. */
  readonly lockRemoved: boolean;
}

export interface FaultServerOptions {
  readonly env: Record<string, string>;
  readonly port: number;
  readonly pid1: boolean;
  /** Folder of the per-start logs (<label>-<n>.log). */
  readonly logDir: string;
  readonly label: string;
  /** Embedded: the data folder whose lock an operator would remove. */
  readonly dataDir?: string;
}

/** Sends a signal to a process that may have exited already. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

function refusalReason(logFile: string): string {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return "(no log)";
  }
  const lines = text.trim().split("\n");
  return (lines.find((l) => l.startsWith("zpd")) ?? lines.at(-1) ?? "(empty log)").slice(0, 300);
}

/** The server's own pid: the spawned process's, or with pid1 its child's (unshare forks it). */
function serverPid(spawned: number, pid1: boolean): number {
  if (!pid1) return spawned;
  const children = readFileSync(`/proc/${spawned}/task/${spawned}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`unshare (pid ${spawned}) has ${children.length} children, expected the server`);
  return Number(children[0]);
}

export class FaultServer {
  private handle: ServerHandle | null = null;
  private starts = 0;
  /** Every log file written, in order. */
  readonly logs: string[] = [];

  constructor(private readonly o: FaultServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.o.port}/graphql`;
  }

  /** The running server's pid (as seen from here), or null. */
  get pid(): number | null {
    return this.handle ? serverPid(this.handle.pid, this.o.pid1) : null;
  }

  async start(): Promise<Restart> {
    if (this.handle) throw new Error("the server is running");
    const t = performance.now();
    const refusals: string[] = [];
    let lockRemoved = false;
    for (;;) {
      const logFile = join(this.o.logDir, `${this.o.label}-${++this.starts}.log`);
      this.logs.push(logFile);
      try {
        this.handle = await startServer(this.o.env, logFile, 120_000, {
          port: this.o.port,
          wrap: this.o.pid1 ? PID1_WRAP : undefined,
        });
        return { seconds: (performance.now() - t) / 1000, refusals, lockRemoved };
      } catch (e) {
        if (!(e instanceof ServerExitedError)) throw e;
        const reason = refusalReason(logFile);
        refusals.push(reason);
        if (refusals.length <= RETRIES) continue;
        if (lockRemoved || !this.o.dataDir || !LOCK_REFUSAL.test(reason))
          throw new Error(`the server refused to start ${refusals.length} times in a row; last: ${reason} (log: ${logFile})`);
        rmSync(join(this.o.dataDir, "zpd.lock"), { force: true });
        lockRemoved = true;
      }
    }
  }

  /** SIGKILL; resolves once the server is gone and reaped. */
  async kill9(): Promise<void> {
    const h = this.handle;
    if (!h) throw new Error("the server is not running");
    signal(serverPid(h.pid, this.o.pid1), "SIGKILL");
    await h.exited;
    this.handle = null;
  }

  /** Graceful stop (SIGTERM to the server itself; SIGKILL after 20 s). */
  async stop(): Promise<void> {
    const h = this.handle;
    if (!h) return;
    this.handle = null;
    if (h.child.exitCode !== null || h.child.signalCode !== null) return void (await h.exited);
    const pid = serverPid(h.pid, this.o.pid1);
    signal(pid, "SIGTERM");
    const timer = setTimeout(() => signal(pid, "SIGKILL"), 20_000);
    await h.exited;
    clearTimeout(timer);
  }

  /** Still running (not exited by itself)? */
  alive(): boolean {
    return this.handle !== null && this.handle.child.exitCode === null && this.handle.child.signalCode === null;
  }
}
