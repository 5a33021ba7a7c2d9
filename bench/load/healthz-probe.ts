/**
 * A liveness probe as an orchestrator runs one, in its own process (forked by hostile.ts), so that
 * neither the load nor the hostile sender delays it: GET /healthz on a new connection every `everyMs`
 * from `startAt` (epoch ms) for `seconds`, whatever earlier probes do; each probe's latency counts
 * from its scheduled time, so a server that stops answering shows in every probe it held up.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { serveForked } from "../api/fork.js";

export interface ProbePlan {
  /** The server's /healthz URL. */
  readonly url: string;
  readonly startAt: number;
  readonly seconds: number;
  readonly everyMs: number;
  /** A probe not answered within this failed. */
  readonly timeoutMs: number;
}

export interface Probe {
  /** Scheduled time, ms after startAt. */
  readonly atMs: number;
  readonly ms: number;
  readonly ok: boolean;
}

function probe(url: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
  });
}

export async function runProbes(plan: ProbePlan): Promise<Probe[]> {
  const url = new URL(plan.url);
  const n = Math.max(1, Math.floor((plan.seconds * 1000) / plan.everyMs));
  await new Promise((r) => setTimeout(r, Math.max(0, plan.startAt - Date.now())));
  const start = performance.now();
  const pending: Promise<Probe>[] = [];
  for (let i = 0; i < n; i++) {
    const scheduled = start + i * plan.everyMs;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(probe(url, plan.timeoutMs).then((ok) => ({ atMs: i * plan.everyMs, ms: performance.now() - scheduled, ok })));
  }
  return Promise.all(pending);
}

if (require.main === module) serveForked((plan: ProbePlan) => runProbes(plan));
