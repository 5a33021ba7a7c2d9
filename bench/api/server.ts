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
  stop(): Promise<void>;
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

function healthy(port: number): Promise<boolean> {
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

export async function startServer(env: Record<string, string>, logFile: string, timeoutMs = 180_000): Promise<ServerHandle> {
  const port = await freePort();
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [resolve("dist/src/main.js")], {
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
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: number | null = null;
  const exit = new Promise<void>((res) =>
    child.once("exit", (code) => {
      exited = code ?? -1;
      res();
    }),
  );
  while (!(await healthy(port))) {
    if (exited !== null) throw new Error(`the server exited with code ${exited} before it was healthy (log: ${logFile})`);
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
    stop: async () => {
      if (exited === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exit;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}
