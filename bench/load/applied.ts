/**
 * The deferred path's applier as the load sees it: the server's /metrics counter of attempts applied to
 * the learners' states (`zpd_attempts_applied_total`). After an ingestAttempts level, how long the server
 * took to apply what it acknowledged (the backlog's drain), and so the rate at which ingestion was
 * acknowledged AND applied.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

function metricsText(url: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = http.get(new URL("/metrics", url), (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c: string) => (body += c));
      r.on("end", () => (r.statusCode === 200 ? res(body) : rej(new Error(`/metrics answered HTTP ${r.statusCode}`))));
    });
    req.on("error", rej);
  });
}

/** The server's count of attempts applied so far. */
export async function appliedSoFar(url: string): Promise<number> {
  const line = (await metricsText(url)).split("\n").find((l) => l.startsWith("zpd_attempts_applied_total "));
  if (!line) throw new Error("/metrics has no zpd_attempts_applied_total");
  return Number(line.split(" ")[1]);
}

/** Waits until the count stops moving for `quietMs` (nothing left to apply); returns it. */
export async function settled(url: string, quietMs = 1000, timeoutMs = 300_000): Promise<number> {
  const start = performance.now();
  let last = await appliedSoFar(url);
  let since = performance.now();
  while (performance.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await appliedSoFar(url);
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return now;
  }
  throw new Error(`the applier was still applying after ${timeoutMs / 1000} s`);
}

/** Seconds until `target` attempts are counted applied (polled every 50 ms). */
export async function secondsUntilApplied(url: string, target: number, timeoutMs = 600_000): Promise<number> {
  const start = performance.now();
  while ((await appliedSoFar(url)) < target) {
    if (performance.now() - start > timeoutMs) throw new Error(`fewer than ${target} attempts applied after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return (performance.now() - start) / 1000;
}
