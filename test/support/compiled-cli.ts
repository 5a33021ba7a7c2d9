/**
 * The project's commands as a user runs them: compiled (dist/, by the package's own build script) and
 * spawned as processes with an environment of their own — nothing of the test runner's leaks in
 * (jest's NODE_OPTIONS, its DATABASE_URL) but what the test passes.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");

/** Compiles the sources into dist/ when they changed since the last build (the launcher's check, as `npm start` does); throws with tsc's output when it fails. */
export function buildDist(): void {
  const r = spawnSync(process.execPath, ["src/cli/launch.mjs", "--build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  });
  if (r.status !== 0) throw new Error(`the build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a command gets: PATH and HOME, plus `env`. */
const childEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env });

/** Runs `node dist/<script> ...args` to its end. */
export function runCli(script: string, args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "dist", script), ...args],
      { cwd: ROOT, env: childEnv(env), timeout: timeoutMs, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
        if (err && code === -1) reject(new Error(`${script} did not finish: ${err.message}\n${stderr}`));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the first output line that `match` accepts; rejects if the process exits first or on timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts `node dist/<script>` as a long-running process (the server, the worker). */
export function startCli(script: string, env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [path.join(ROOT, "dist", script)], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<(line: string) => void>();
  let partial = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    out += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    for (const line of lines) for (const l of listeners) l(line);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitForLine: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(listener);
          f();
        };
        const listener = (line: string) => {
          if (match(line)) done(() => resolve(line));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${script}: no expected line within ${timeoutMs} ms; output:\n${out}`))),
          timeoutMs,
        );
        listeners.add(listener);
        void exited.then((code) => done(() => reject(new Error(`${script} exited (${code}) before the expected line; output:\n${out}`))));
      }),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The GraphQL URL of a started server (`startCli("src/main.js", …)`, LOG_LEVEL info or lower), once it says it is ready. */
export async function serverUrl(server: RunningProcess, timeoutMs = 120_000): Promise<string> {
  const ready = await server.waitForLine((l) => l.includes('"GraphQL API ready"'), timeoutMs);
  return (JSON.parse(ready) as { url: string }).url;
}
