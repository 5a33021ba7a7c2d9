/**
 * The saturation phase's load process (forked by bench/load.ts): closed loops of C clients — each
 * sends its next request as soon as its previous one is answered, C = each of `concurrency` — of
 * single `recordAttempt`, batched `recordAttempts` and `recommendations(count: 10)` calls, over
 * bench:api's client and requests (bench/api/load.ts). A closed loop finds the throughput the server
 * sustains (it never offers more than it answers), so its latencies are those of C requests in
 * flight, not of a rate (the open-loop phases measure those). Then batched calls in an open loop at
 * `batchRps`, latency from each call's scheduled time.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { snapshot, usage } from "../api/cpu.js";
import { serveForked } from "../api/fork.js";
import { Client, failIfNotPersonalised, type LoadPlan, type Make, openLoop, operations, rng, sequential, warmUp } from "../api/load.js";
import { type OpResult, type Sample, summarise } from "../api/stats.js";
import { appliedSoFar, secondsUntilApplied, settled } from "./applied.js";
import { attemptBatches, batchedCall, ingestCall } from "./batched.js";

export interface SaturationPlan
  extends Pick<LoadPlan, "url" | "learners" | "taskIds" | "runId" | "seed" | "serverPid" | "dbName" | "warmupSeconds" | "warmupCalls"> {
  readonly tokens: string[];
  readonly concurrency: number[];
  /** Only these operations (prefixes of their names); empty: all. */
  readonly ops?: readonly string[];
  readonly seconds: number;
  readonly batchSize: number;
  readonly batchLearners: number;
  readonly batchRps: number;
  readonly batchSeconds: number;
}

export interface LevelResult extends OpResult {
  /** Clients of the closed loop; null for the open loop. */
  readonly concurrency: number | null;
  /** Attempts recorded per second (successful calls × attempts per call); 0 for reads. */
  readonly attemptsPerSecond: number;
  /** Answers HTTP 429 (a rate limit), among the errors. */
  readonly rateLimited: number;
  /** CPU during the level: the server's share of one core, the PostgreSQL backends' of one core, the rest of the machine's of 2 cores. */
  readonly serverBusyPct: number;
  readonly dbBusyPct: number;
  readonly othersBusyPct: number;
  readonly loadavg: number;
  /**
   * ingestAttempts only: seconds after the level's end until the server had applied every attempt it
   * acknowledged during the level, and the attempts per second acknowledged and applied over the level
   * and that drain together.
   */
  readonly drainSeconds?: number;
  readonly appliedPerSecond?: number;
}

export interface SaturationResults {
  readonly levels: LevelResult[];
  readonly batchedOpenLoop: LevelResult;
}

/** C clients, each one request at a time, for `seconds` (each finishes the request it has in flight). */
export async function closedLoop(
  client: Client,
  clients: number,
  seconds: number,
  make: Make,
): Promise<{ samples: Sample[]; elapsedMs: number }> {
  const start = performance.now();
  const streams = await Promise.all(Array.from({ length: clients }, () => sequential(client, seconds, Number.POSITIVE_INFINITY, make)));
  return { samples: streams.flatMap((s) => s.samples), elapsedMs: performance.now() - start };
}

export const rateLimited = (samples: readonly Sample[]) => samples.filter((s) => s.error?.startsWith("HTTP 429")).length;

/** Runs one measured level and summarises it with the CPU it used. */
export async function measureLevel(
  plan: Pick<SaturationPlan, "serverPid" | "dbName">,
  name: string,
  mode: string,
  concurrency: number | null,
  targetRps: number | null,
  attemptsPerCall: number,
  run: () => Promise<{ samples: Sample[]; elapsedMs: number }>,
): Promise<LevelResult> {
  const la = loadavg()[0]!;
  const before = snapshot(plan.serverPid, plan.dbName);
  const r = await run();
  const cpu = usage(before, plan.serverPid, plan.dbName);
  failIfNotPersonalised(`${name} (${mode})`, r.samples);
  const res = summarise(name, mode, targetRps, r.samples, r.elapsedMs);
  return {
    ...res,
    concurrency,
    attemptsPerSecond: Math.round(res.rps * attemptsPerCall),
    rateLimited: rateLimited(r.samples),
    serverBusyPct: Math.round((100 * cpu.serverMs) / r.elapsedMs),
    dbBusyPct: Math.round((100 * cpu.dbMs) / r.elapsedMs),
    othersBusyPct: Math.round((100 * cpu.othersMs) / (2 * r.elapsedMs)),
    loadavg: la,
  };
}

export async function runSaturation(plan: SaturationPlan, log: (msg: string) => void): Promise<SaturationResults> {
  const client = new Client(plan.url, plan.tokens);
  const random = rng(plan.seed);
  const ops = operations(plan, random);
  const batch = batchedCall(attemptBatches(plan, random, plan.batchSize, plan.batchLearners), plan.batchSize);
  const levels: LevelResult[] = [];
  try {
    await warmUp(client, ops, plan, log);
    await sequential(client, 60, 5, batch);
    const ingestName = `ingestAttempts (${plan.batchSize} a call)`;
    const ingest = ingestCall(
      attemptBatches({ ...plan, runId: `${plan.runId}-ingest` }, random, plan.batchSize, plan.batchLearners),
      plan.batchSize,
    );
    await sequential(client, 60, 5, ingest);
    const kinds: [string, Make, number][] = [
      ["recordAttempt", ops.recordAttempt, 1],
      [`recordAttempts (${plan.batchSize} a call)`, batch, plan.batchSize],
      [ingestName, ingest, plan.batchSize],
      ["recommendations", ops.recommendations, 0],
    ];
    const chosen = kinds.filter(([name]) => !plan.ops?.length || plan.ops.some((o) => name.startsWith(o)));
    for (const [name, make, perCall] of chosen)
      for (const c of plan.concurrency) {
        // The deferred path: each level starts with nothing left to apply, and ends when all it acknowledged is applied.
        const appliedBefore = name === ingestName ? await settled(plan.url) : 0;
        log(`${name}: closed loop, ${c} client${c === 1 ? "" : "s"}, ${plan.seconds} s`);
        let level = await measureLevel(plan, name, `closed loop, ${c} client${c === 1 ? "" : "s"}`, c, null, perCall, () =>
          closedLoop(client, c, plan.seconds, make),
        );
        if (name === ingestName) {
          const acknowledged = (level.requests - level.errors) * perCall;
          const lagging = appliedBefore + acknowledged - (await appliedSoFar(plan.url));
          const drainSeconds = await secondsUntilApplied(plan.url, appliedBefore + acknowledged);
          level = {
            ...level,
            drainSeconds: Math.round(drainSeconds * 100) / 100,
            appliedPerSecond: Math.round(acknowledged / (plan.seconds + drainSeconds)),
          };
          log(`  ${lagging} attempts left to apply at the level's end; applied ${level.drainSeconds} s later`);
        }
        log(
          `  ${level.rps} requests/s${perCall > 1 ? ` (${level.attemptsPerSecond} attempts/s)` : ""}, p50 ${level.p50_ms} ms, p99 ${level.p99_ms} ms, errors ${level.errors}`,
        );
        levels.push(level);
      }
    const mode = `open loop, ${plan.batchRps}/s for ${plan.batchSeconds} s`;
    log(`recordAttempts (${plan.batchSize} a call): ${mode}`);
    const batchedOpenLoop = await measureLevel(
      plan,
      `recordAttempts (${plan.batchSize} a call)`,
      mode,
      null,
      plan.batchRps,
      plan.batchSize,
      () => openLoop(client, plan.batchRps, plan.batchSeconds, batch),
    );
    return { levels, batchedOpenLoop };
  } finally {
    client.close();
  }
}

if (require.main === module) serveForked(runSaturation);
