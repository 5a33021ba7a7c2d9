/**
 * The soak's load process (forked by bench/load.ts): bench:api's operations mixed in one open loop at
 * `rps` for `seconds` (bench/api/load.ts `mixed`), with the server's memory sampled every
 * `memoryEvery` seconds (memory.ts). Latency per minute, so that a server slowing down over time shows.
 */
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
import { type OpResult, summarise } from "../api/stats.js";
import { type MemorySample, type MemorySummary, sampleMemory, summariseMemory } from "./memory.js";
import { rateLimited } from "./saturation.js";

export interface SoakPlan
  extends Pick<LoadPlan, "url" | "learners" | "taskIds" | "runId" | "seed" | "serverPid" | "dbName" | "warmupSeconds" | "warmupCalls"> {
  readonly tokens: string[];
  readonly rps: number;
  readonly seconds: number;
  readonly memoryEvery: number;
}

export interface SoakResults {
  /** Per operation of the mix, over the whole soak. */
  readonly results: OpResult[];
  /** All operations, per minute of scheduled send time (the last one possibly shorter). */
  readonly perMinute: OpResult[];
  readonly rateLimited: number;
  /** CPU over the soak: the server's share of one core, the PostgreSQL backends', the rest of the machine's of 2 cores. */
  readonly serverBusyPct: number;
  readonly dbBusyPct: number;
  readonly othersBusyPct: number;
  readonly memory: MemorySample[];
  readonly rss: MemorySummary | null;
  /** Null when the server has no /metrics with the heap. */
  readonly heap: MemorySummary | null;
}

export async function runSoak(plan: SoakPlan, log: (msg: string) => void): Promise<SoakResults> {
  const client = new Client(plan.url, plan.tokens);
  const ops = operations(plan, rng(plan.seed));
  try {
    await warmUp(client, ops, plan, log);
    await drain(client, log);
    const mode = `mixed open loop, ${plan.rps}/s for ${plan.seconds} s`;
    log(`soak: ${mode}, memory every ${plan.memoryEvery} s`);
    const sampler = sampleMemory(plan.serverPid, plan.url.replace(/\/graphql$/, "/metrics"), plan.memoryEvery);
    const before = snapshot(plan.serverPid, plan.dbName);
    const run = await openLoop(client, plan.rps, plan.seconds, mixed(ops));
    const cpu = usage(before, plan.serverPid, plan.dbName);
    const memory = await sampler.stop();
    failIfNotPersonalised("soak", run.samples);
    const perMinute: OpResult[] = [];
    const perMin = plan.rps * 60;
    for (let m = 0; m * perMin < run.samples.length; m++) {
      const slice = run.samples.slice(m * perMin, (m + 1) * perMin);
      perMinute.push(summarise(`minute ${m + 1}`, mode, plan.rps, slice, (slice.length / plan.rps) * 1000));
    }
    await drain(client, log);
    return {
      results: summariseMixed(mode, plan.rps, run.samples, run.elapsedMs),
      perMinute,
      rateLimited: rateLimited(run.samples),
      serverBusyPct: Math.round((100 * cpu.serverMs) / run.elapsedMs),
      dbBusyPct: Math.round((100 * cpu.dbMs) / run.elapsedMs),
      othersBusyPct: Math.round((100 * cpu.othersMs) / (2 * run.elapsedMs)),
      memory,
      rss: summariseMemory(memory, (s) => s.rssMb),
      heap: summariseMemory(memory, (s) => s.heapMb),
    };
  } finally {
    client.close();
  }
}

if (require.main === module) serveForked(runSoak);
