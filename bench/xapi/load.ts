/** The load of `bench:xapi`: POSTs of statements over real HTTP, in closed loops or at a fixed rate. */
import { performance } from "node:perf_hooks";

export interface Target {
  readonly endpoint: string;
  readonly auth: string;
}

export interface PhaseResult {
  readonly name: string;
  readonly statementsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers other than 200. */
  readonly errors: number;
}

async function post(t: Target, body: string): Promise<number> {
  const res = await fetch(t.endpoint, {
    method: "POST",
    headers: { authorization: t.auth, "x-experience-api-version": "1.0.3", "content-type": "application/json" },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function result(latencies: number[], errors: number, perRequest: number, seconds: number): PhaseResult {
  latencies.sort((a, b) => a - b);
  return {
    name: "",
    statementsPerSecond: ((latencies.length - errors) * perRequest) / seconds,
    requests: latencies.length,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    errors,
  };
}

/**
 * `clients` loops, each sending one request after the other for `seconds` (or, with `requests`, that many
 * requests in all): the throughput at saturation.
 */
export async function closedLoop(
  t: Target,
  body: () => string,
  perRequest: number,
  clients: number,
  seconds: number,
  requests?: number,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const more = () => (requests !== undefined ? sent < requests : performance.now() < deadline);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (more()) {
        sent++;
        const b = body();
        const s = performance.now();
        const status = await post(t, b);
        latencies.push(performance.now() - s);
        if (status !== 200) errors++;
      }
    }),
  );
  return result(latencies, errors, perRequest, (performance.now() - t0) / 1000);
}

/**
 * One request every 1/rps seconds for `seconds`, whether or not the earlier ones have answered; each
 * latency is measured from when its request was due (no coordinated omission).
 */
export async function openLoop(t: Target, body: () => string, rps: number, seconds: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const total = Math.round(rps * seconds);
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      post(t, body()).then((status) => {
        latencies.push(performance.now() - due);
        if (status !== 200) errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  return result(latencies, errors, 1, (performance.now() - t0) / 1000);
}
