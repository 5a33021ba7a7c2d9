/**
 * The erasure phase's load process (forked by bench/privacy/erasure.ts): the live API under bench:api's
 * operations mixed in one open loop at a fixed rate (bench/api/load.ts: same client, same requests,
 * same personalisation checks), in three windows of equal length — before, during and after the
 * erasures. During the middle window, learners are erased one after another through the real
 * `eraseLearner` mutation over HTTP, on their own connection, at fixed times (one every `eraseEvery`
 * seconds from 1 s in, whatever the earlier ones did). After the windows: every erased learner is
 * checked to be gone (the mutation again returns the same receipt; `learner(id)` is NOT_FOUND).
 *
 * The mix, per 10 requests: 5 recommendations(count: 10), 4 recordAttempt, 1 planPath — on learners
 * that are never erased (the load's pool excludes them, so the load's errors are the API's own).
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { snapshot, usage } from "../api/cpu.js";
import { serveForked } from "../api/fork.js";
import {
  Client,
  drain,
  failIfNotPersonalised,
  type LoadPlan,
  mixed,
  openLoop,
  operations,
  rng,
  summariseMixed,
  warmUp,
} from "../api/load.js";
import { summarise, type OpResult, type Sample } from "../api/stats.js";

export interface ErasurePlan
  extends Pick<
    LoadPlan,
    | "url"
    | "token"
    | "learners"
    | "taskIds"
    | "rps"
    | "seconds"
    | "warmupSeconds"
    | "warmupCalls"
    | "runId"
    | "seed"
    | "serverPid"
    | "dbName"
  > {
  /** Learners to erase, in order (not in `learners`). */
  readonly victims: readonly string[];
  readonly eraseEvery: number;
}

export const ERASE = `mutation Erase($learnerId: UUID!) {
  eraseLearner(learnerId: $learnerId) { id learnerHash erasedAt erasedBy rows { table rows } modelsToRetrain { modelVersionId version } }
}`;
const LEARNER = `query Learner($id: UUID!) { learner(id: $id) { id } }`;

export interface Receipt {
  readonly id: string;
  readonly learnerHash: string;
  readonly rows: { table: string; rows: number }[];
  readonly modelsToRetrain: { modelVersionId: string; version: number }[];
}

export interface ErasureTiming {
  readonly learnerId: string;
  /** Sent at this many ms into the erasure window (scheduled time). */
  readonly atMs: number;
  /** From send to the full answer, over HTTP. */
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly receipt?: Receipt;
}

export interface ErasureCheck {
  readonly learnerId: string;
  /** The mutation asked again returned the receipt of the erasure (same id). */
  readonly sameReceipt: boolean;
  /** What `learner(id)` answered (the error code, or "FOUND"). */
  readonly learnerQuery: string;
}

export interface LoadWindow {
  readonly name: "before" | "during" | "after";
  /** Per operation of the mix. */
  readonly results: OpResult[];
  /** CPU during the window: the server's share of one core, and everything else's of the 2 cores. */
  readonly serverBusyPct: number;
  readonly othersBusyPct: number;
  readonly loadavg: number;
  /** Per second of the window (by scheduled send time): the median and the highest latency, ms. */
  readonly perSecond: { p50: number; max: number }[];
}

export interface ErasureLoadResults {
  readonly windows: LoadWindow[];
  /** Requests of the erasure window scheduled while an erasure was in flight (all operations). */
  readonly overlapping: OpResult;
  /** The other requests of the erasure window. */
  readonly notOverlapping: OpResult;
  readonly erasures: ErasureTiming[];
  readonly checks: ErasureCheck[];
}

export async function runErasureLoad(plan: ErasurePlan, log: (msg: string) => void): Promise<ErasureLoadResults> {
  const client = new Client(plan.url, plan.token);
  const eraser = new Client(plan.url, plan.token);
  const ops = operations(plan, rng(plan.seed));
  const load = mixed(ops);
  const mode = `mixed open loop, ${plan.rps}/s for ${plan.seconds} s`;
  const windows: LoadWindow[] = [];
  const erasures: ErasureTiming[] = [];
  let during: { samples: Sample[]; startMs: number } | null = null;
  try {
    await warmUp(client, ops, plan, log);
    await drain(client, log);
    for (const name of ["before", "during", "after"] as const) {
      log(
        `window "${name}": ${mode}${name === "during" ? `, erasing ${plan.victims.length} learners, one every ${plan.eraseEvery} s` : ""}`,
      );
      const la = loadavg()[0]!;
      const cpu0 = snapshot(plan.serverPid, plan.dbName);
      const windowStart = performance.now();
      const erasing = name === "during" ? eraseOnSchedule(eraser, plan, windowStart, erasures) : Promise.resolve();
      const run = await openLoop(client, plan.rps, plan.seconds, load);
      await erasing;
      const cpu = usage(cpu0, plan.serverPid, plan.dbName);
      failIfNotPersonalised(`window ${name}`, run.samples);
      if (name === "during") during = run;
      const results = summariseMixed(mode, plan.rps, run.samples, run.elapsedMs);
      windows.push({
        name,
        results,
        serverBusyPct: (100 * cpu.serverMs) / run.elapsedMs,
        othersBusyPct: (100 * cpu.othersMs) / (2 * run.elapsedMs),
        loadavg: la,
        perSecond: perSecond(run.samples, plan.rps),
      });
      await drain(client, log);
    }
    log(`checking the ${plan.victims.length} erased learners are gone`);
    const checks: ErasureCheck[] = [];
    for (const e of erasures) {
      const again = await eraser.post(ERASE, { learnerId: e.learnerId });
      const receipt = (again.data?.eraseLearner as Receipt | undefined) ?? null;
      const found = await eraser.post(LEARNER, { id: e.learnerId });
      checks.push({
        learnerId: e.learnerId,
        sameReceipt: Boolean(e.receipt && receipt && receipt.id === e.receipt.id && receipt.learnerHash === e.receipt.learnerHash),
        learnerQuery: found.ok ? "FOUND" : (found.error?.split(":")[0] ?? "?"),
      });
    }
    // Requests scheduled while an erasure was in flight against the rest of the same window.
    const { samples, startMs } = during!;
    const interval = 1000 / plan.rps;
    const spans = erasures.map((e) => [e.atMs, e.atMs + e.ms] as const);
    const windowStart = startMs - 20; // openLoop starts 20 ms after it is called
    const inFlight = (i: number) => {
      const t = startMs + i * interval - windowStart;
      return spans.some(([a, b]) => t >= a && t <= b);
    };
    const overlapping = summarise(
      "all (during an erasure)",
      mode,
      null,
      samples.filter((_, i) => inFlight(i)),
      1,
    );
    const notOverlapping = summarise(
      "all (no erasure in flight)",
      mode,
      null,
      samples.filter((_, i) => !inFlight(i)),
      1,
    );
    return { windows, overlapping, notOverlapping, erasures, checks };
  } finally {
    client.close();
    eraser.close();
  }
}

function perSecond(samples: readonly Sample[], rps: number): { p50: number; max: number }[] {
  const out: { p50: number; max: number }[] = [];
  for (let i = 0; i < samples.length; i += rps) {
    const ms = samples
      .slice(i, i + rps)
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    out.push({ p50: Math.round(ms[Math.floor(ms.length / 2)]! * 10) / 10, max: Math.round(ms[ms.length - 1]! * 10) / 10 });
  }
  return out;
}

/** Erases the victims at fixed times into the window (1 s, then every eraseEvery s), each timed alone. */
async function eraseOnSchedule(client: Client, plan: ErasurePlan, windowStart: number, out: ErasureTiming[]): Promise<void> {
  const inFlight = plan.victims.map(async (learnerId, k) => {
    const atMs = 1000 + k * plan.eraseEvery * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, windowStart + atMs - performance.now())));
    const t = performance.now();
    const r = await client.post(ERASE, { learnerId });
    const ms = performance.now() - t;
    out[k] = {
      learnerId,
      atMs: t - windowStart,
      ms,
      ok: r.ok,
      error: r.error,
      receipt: r.data?.eraseLearner as Receipt | undefined,
    };
  });
  await Promise.all(inFlight);
}

if (require.main === module) serveForked(runErasureLoad);
