/**
 * The hostile phase's load process (forked by bench/load.ts): normal traffic — bench:api's operations
 * mixed in one open loop at `rps` (bench/api/load.ts `mixed`) — for two windows of `seconds`: quiet,
 * then with the hostile corpus sent by its own process (hostile-sender.ts, one round every
 * `everySeconds`), while another process probes /healthz every `probeEveryMs` through both windows
 * (healthz-probe.ts). Three processes, so that none of them delays the others' clocks: the latencies
 * are the server's.
 */
import { performance } from "node:perf_hooks";
import { snapshot, usage } from "../api/cpu.js";
import { runForked, serveForked } from "../api/fork.js";
import {
  Client,
  drain,
  failIfNotPersonalised,
  type LoadPlan,
  mixed,
  openLoop,
  operations,
  RECOMMENDATIONS,
  rng,
  sequential,
  summariseMixed,
  warmUp,
} from "../api/load.js";
import { type OpResult, quantile, summarise } from "../api/stats.js";
import { corpus, HOSTILE_KINDS, type HostileKind } from "./hostile-corpus.js";
import type { Probe, ProbePlan } from "./healthz-probe.js";
import type { HostileAnswer, SenderPlan } from "./hostile-sender.js";
import { rateLimited } from "./saturation.js";

export interface HostilePlan
  extends Pick<LoadPlan, "url" | "learners" | "taskIds" | "runId" | "seed" | "warmupSeconds" | "warmupCalls" | "serverPid">,
    Pick<SenderPlan, "learnerToken" | "serviceToken" | "badTokens" | "badTokenRequests" | "everySeconds"> {
  readonly tokens: string[];
  readonly rps: number;
  readonly seconds: number;
  readonly probeEveryMs: number;
}

export interface TrafficWindow {
  readonly name: "quiet" | "hostile";
  /** Per operation of the mix. */
  readonly results: OpResult[];
  /** All operations together. */
  readonly all: OpResult;
  readonly rateLimited: number;
  /** Answers HTTP 5xx. */
  readonly serverErrors: number;
}

/** The answers to one kind of hostile request. */
export interface KindSummary {
  readonly kind: HostileKind;
  readonly sent: number;
  /** Answers by HTTP status ("none": no answer) and by `extensions.code` ("none": no code). */
  readonly status: Record<string, number>;
  readonly code: Record<string, number>;
  /** Answered with data and no error. */
  readonly served: number;
  readonly unanswered: number;
  /** Refused with a 4xx status and a code; with a code but a 2xx status. */
  readonly coded4xx: number;
  readonly coded2xx: number;
  readonly p50_ms: number;
  readonly max_ms: number;
  /** Every request's time from send to the full answer (the alias bomb's only: few). */
  readonly ms?: number[];
}

export interface ProbeSummary {
  readonly everyMs: number;
  readonly count: number;
  readonly failed: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** The slowest probe of the quiet window and of the hostile one. */
  readonly quietMaxMs: number;
  readonly hostileMaxMs: number;
  /** The slowest probe of each second of the run (both windows). */
  readonly perSecondMax: number[];
}

/** What one request of a kind costs the server without load: its process's CPU per request, sequential calls. */
export interface HostileCost {
  readonly kind: HostileKind | "{ __typename } (the cheapest GraphQL request)";
  readonly calls: number;
  readonly serverCpuMs: number;
  readonly p50_ms: number;
}

export interface HostileResults {
  readonly costs: HostileCost[];
  readonly windows: TrafficWindow[];
  /** /healthz through both windows (the hostile window starts at `seconds` × 1000 ms). */
  readonly probes: ProbeSummary;
  readonly kinds: KindSummary[];
  /** Rounds of the corpus sent. */
  readonly rounds: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function tally(xs: readonly (string | number | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[String(x ?? "none")] = (out[String(x ?? "none")] ?? 0) + 1;
  return out;
}

export function summariseAnswers(answers: readonly HostileAnswer[]): KindSummary[] {
  return HOSTILE_KINDS.map((kind) => {
    const a = answers.filter((x) => x.kind === kind);
    const ms = a.map((x) => x.ms).sort((p, q) => p - q);
    const is4xx = (x: HostileAnswer) => x.status !== undefined && x.status >= 400 && x.status < 500;
    return {
      kind,
      sent: a.length,
      status: tally(a.map((x) => x.status)),
      code: tally(a.map((x) => x.code)),
      served: a.filter((x) => x.served).length,
      unanswered: a.filter((x) => x.status === undefined).length,
      coded4xx: a.filter((x) => x.code && is4xx(x)).length,
      coded2xx: a.filter((x) => x.code && x.status !== undefined && x.status < 300).length,
      p50_ms: r1(quantile(ms, 0.5)),
      max_ms: r1(ms[ms.length - 1] ?? Number.NaN),
      ...(kind === "alias bomb" ? { ms: a.map((x) => r1(x.ms)) } : {}),
    };
  });
}

export function summariseProbes(probes: readonly Probe[], everyMs: number, windowMs: number): ProbeSummary {
  const ms = probes.map((p) => p.ms).sort((a, b) => a - b);
  const max = (ps: readonly Probe[]) => r1(Math.max(...ps.map((p) => p.ms)));
  return {
    everyMs,
    count: probes.length,
    failed: probes.filter((p) => !p.ok).length,
    p50_ms: r1(quantile(ms, 0.5)),
    p99_ms: r1(quantile(ms, 0.99)),
    max_ms: r1(ms[ms.length - 1] ?? Number.NaN),
    quietMaxMs: max(probes.filter((p) => p.atMs < windowMs)),
    hostileMaxMs: max(probes.filter((p) => p.atMs >= windowMs)),
    perSecondMax: Array.from({ length: Math.ceil((2 * windowMs) / 1000) }, (_, sec) =>
      max(probes.filter((p) => Math.floor(p.atMs / 1000) === sec)),
    ),
  };
}

const PROBE_TIMEOUT_MS = 5000;

/** Sequential calls of each kind of the corpus, of a bad-token request and of the cheapest request, with the server's CPU. */
async function measureCosts(plan: HostilePlan, log: (msg: string) => void): Promise<HostileCost[]> {
  const clients = {
    learner: new Client(plan.url, plan.learnerToken),
    service: new Client(plan.url, plan.serviceToken),
    bad: new Client(plan.url, plan.badTokens),
  };
  const learner = plan.learners[0]!;
  const requests: {
    kind: HostileCost["kind"];
    caller: keyof typeof clients;
    query: string;
    variables: Record<string, unknown>;
    calls: number;
  }[] = [
    ...corpus(learner.id, plan.taskIds[0]!, `${plan.runId}-cost`).map((h) => ({ ...h, calls: 30 })),
    { kind: "bad token", caller: "bad", query: RECOMMENDATIONS, variables: { learnerId: learner.id, goalId: learner.goalId }, calls: 300 },
    { kind: "{ __typename } (the cheapest GraphQL request)", caller: "service", query: "{ __typename }", variables: {}, calls: 300 },
  ];
  const costs: HostileCost[] = [];
  try {
    for (const r of requests) {
      const make = () => ({ query: r.query, variables: r.variables });
      await sequential(clients[r.caller], 10, 10, make); // warm
      const before = snapshot(plan.serverPid, null);
      const { samples } = await sequential(clients[r.caller], 30, r.calls, make);
      const cpu = usage(before, plan.serverPid, null);
      const ms = samples.map((x) => x.ms).sort((a, b) => a - b);
      costs.push({ kind: r.kind, calls: samples.length, serverCpuMs: r1(cpu.serverMs / samples.length), p50_ms: r1(quantile(ms, 0.5)) });
    }
    log(`cost per request (server CPU ms): ${costs.map((c) => `${c.kind} ${c.serverCpuMs}`).join(", ")}`);
    return costs;
  } finally {
    for (const c of Object.values(clients)) c.close();
  }
}

export async function runHostile(plan: HostilePlan, log: (msg: string) => void): Promise<HostileResults> {
  const client = new Client(plan.url, plan.tokens);
  const ops = operations(plan, rng(plan.seed));
  const load = mixed(ops);
  const windows: TrafficWindow[] = [];
  try {
    await warmUp(client, ops, plan, log);
    const costs = await measureCosts(plan, log);
    await drain(client, log);
    // Both helpers are started before the windows and wait for their start time (forking takes a moment).
    const t0 = Date.now() + 2000;
    const windowMs = plan.seconds * 1000;
    const probing = runForked<ProbePlan, Probe[]>(
      "dist/bench/load/healthz-probe.js",
      {
        url: plan.url.replace(/\/graphql$/, "/healthz"),
        startAt: t0,
        seconds: 2 * plan.seconds,
        everyMs: plan.probeEveryMs,
        timeoutMs: PROBE_TIMEOUT_MS,
      },
      log,
    );
    const sending = runForked<SenderPlan, HostileAnswer[]>(
      "dist/bench/load/hostile-sender.js",
      {
        url: plan.url,
        learnerToken: plan.learnerToken,
        serviceToken: plan.serviceToken,
        badTokens: plan.badTokens,
        badTokenRequests: plan.badTokenRequests,
        learner: plan.learners[0]!,
        taskId: plan.taskIds[0]!,
        startAt: t0 + windowMs,
        seconds: plan.seconds,
        everySeconds: plan.everySeconds,
        runId: plan.runId,
      },
      log,
    );
    const mode = `mixed open loop, ${plan.rps}/s for ${plan.seconds} s`;
    for (const [k, name] of (["quiet", "hostile"] as const).entries()) {
      const due = t0 + k * windowMs - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      log(`window "${name}": ${mode}${name === "hostile" ? `, the hostile corpus every ${plan.everySeconds} s` : ""}`);
      const run = await openLoop(client, plan.rps, plan.seconds, load);
      failIfNotPersonalised(`window ${name}`, run.samples);
      windows.push({
        name,
        results: summariseMixed(mode, plan.rps, run.samples, run.elapsedMs),
        all: summarise("all", mode, plan.rps, run.samples, run.elapsedMs),
        rateLimited: rateLimited(run.samples),
        serverErrors: run.samples.filter((x) => x.error?.startsWith("HTTP 5")).length,
      });
    }
    const [probes, answers] = await Promise.all([probing, sending]);
    const t = performance.now();
    await drain(client, log);
    log(`hostile: ${answers.length} hostile answers, ${probes.length} probes; drained in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return {
      costs,
      windows,
      probes: summariseProbes(probes, plan.probeEveryMs, windowMs),
      kinds: summariseAnswers(answers),
      rounds: new Set(answers.map((a) => a.round)).size,
    };
  } finally {
    client.close();
  }
}

if (require.main === module) serveForked(runHostile);
