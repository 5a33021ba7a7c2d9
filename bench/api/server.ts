/** The real server as a separate process (`node dist/src/main.js`), started on a free port of 127.0.0.1. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";

export interface ServerHandle {
  readonly url: string;
  readonly pid: number;
  /** Seconds from spawn to a healthy /healthz. */
  readonly startSeconds: number;
  /** The spawned process (with `wrap`, the wrapper) and when it has exited (and been reaped). */
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Listen on this port (default a free one): a restarted server keeps its clients' address. */
  readonly port?: number;
  /** A command the server runs under, e.g. `unshare --pid --fork --mount-proc` (bench:faults). */
  readonly wrap?: readonly string[];
}

/** The server exited before it answered /healthz (a refused start: a locked data folder, bad configuration…). */
export class ServerExitedError extends Error {
  constructor(
    readonly code: number,
    readonly logFile: string,
  ) {
    super(`the server exited with code ${code} before it was healthy (log: ${logFile})`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

export function healthy(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 1000 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on("error", () => res(false));
    req.on("timeout", () => {
      req.destroy();
      res(false);
    });
  });
}

export async function startServer(
  env: Record<string, string>,
  logFile: string,
  timeoutMs = 180_000,
  options: StartOptions = {},
): Promise<ServerHandle> {
  const port = options.port ?? (await freePort());
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const t0 = performance.now();
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  // Node's own options for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p" to profile it; NODE_OPTIONS refuses those).
  const nodeArgs = (process.env.ZPD_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(command!, [...prefix, ...nodeArgs, resolve("dist/src/main.js")], {
    // ZPD_PGLITE_THREAD passes through, to compare the embedded database on and off the server's thread.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      ...(process.env.ZPD_PGLITE_THREAD ? { ZPD_PGLITE_THREAD: process.env.ZPD_PGLITE_THREAD } : {}),
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
      ZPD_SEED_DEMO: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Both streams write into one log, which is ended once the process has exited and both have closed.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: number | null = null;
  const exit = new Promise<void>((res) =>
    child.once("close", (code) => {
      exited = code ?? -1;
      log.end(res);
    }),
  );
  while (!(await healthy(port))) {
    if (exited !== null) {
      await exit;
      throw new ServerExitedError(exited, logFile);
    }
    if (performance.now() - t0 > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`the server was not healthy after ${timeoutMs / 1000} s (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startSeconds = (performance.now() - t0) / 1000;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    startSeconds,
    child,
    exited: exit,
    stop: async () => {
      if (exited === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
