/**
 * Runs a benchmark script as its own forked process (dist/…js): sends it one plan, forwards its log
 * lines, resolves with the results it sends back. The child's protocol: `{ type: "log", msg }`,
 * `{ type: "results", results }`, `{ type: "error", error }` (bench/api/load.ts, bench/privacy/load.ts).
 */
import { fork } from "node:child_process";
import { resolve } from "node:path";

export function runForked<P, R>(script: string, plan: P, log: (msg: string) => void): Promise<R> {
  return startForked<P, R>(script, plan, log).results;
}

/** As runForked, and the parent may send the running child more messages (bench:faults: "stop"). */
export function startForked<P, R>(
  script: string,
  plan: P,
  log: (msg: string) => void,
): { results: Promise<R>; send: (message: object) => void } {
  const child = fork(resolve(script), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const results = new Promise<R>((res, rej) => {
    let out: R | null = null;
    child.on("message", (m: { type: string; msg?: string; results?: R; error?: string }) => {
      if (m.type === "log") log(m.msg ?? "");
      else if (m.type === "results") out = m.results!;
      else if (m.type === "error") rej(new Error(`${script}: ${m.error}`));
    });
    child.on("exit", (code) => (out ? res(out) : rej(new Error(`${script} exited with code ${code} without results`))));
  });
  child.send(plan as object);
  return { results, send: (message) => void (child.connected && child.send(message)) };
}

/** The child's side: receive the plan, run it, send the results back, exit. */
export function serveForked<P, R>(run: (plan: P, log: (msg: string) => void) => Promise<R>): void {
  if (!process.send) return;
  process.once("message", (plan: P) => {
    run(plan, (msg) => process.send!({ type: "log", msg }))
      .then((results) => process.send!({ type: "results", results }, () => process.exit(0)))
      .catch((e: Error) => process.send!({ type: "error", error: e.stack ?? String(e) }, () => process.exit(1)));
  });
}
