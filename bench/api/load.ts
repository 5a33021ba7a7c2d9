/**
 * The load generator, run as its own process (forked by bench/api.ts): real HTTP to 127.0.0.1 over a
 * keep-alive agent. Open-loop phases send at a fixed rate whatever the responses do, and measure each
 * request's latency from its SCHEDULED send time, so a stalled server shows up in the tail instead of
 * slowing the generator down (no coordinated omission). Every phase has a bounded request count and a
 * deadline, so the run always stops by itself.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { summarise, type OpResult, type Sample } from "./stats.js";
import { snapshot, usage } from "./cpu.js";
import { loadavg } from "node:os";
import { serveForked } from "./fork.js";

export interface LoadPlan {
  readonly url: string;
  readonly token: string;
  readonly learners: { id: string; goalId: string }[];
  readonly taskIds: string[];
  readonly rps: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly warmupCalls: number;
  /** planPath: sequential calls for at most this long and this many calls. */
  readonly planSeconds: number;
  readonly planMaxCalls: number;
  /** Sequential calls of recommendations and recordAttempt (their cost without queueing). */
  readonly sequentialCalls: number;
  readonly runId: string;
  readonly seed: number;
  /** For CPU accounting: the server's pid and the database whose PostgreSQL backends to count (null: PGlite, inside the server). */
  readonly serverPid: number;
  readonly dbName: string | null;
  /** Also measure recommendations(strategy: POLICY) (a learned policy is live in the school). */
  readonly policy?: boolean;
}

/** What a client reads back of a recorded attempt (one or a batch). */
export const ATTEMPT_PAYLOAD = "duplicate attempt { id occurredAt } mastery { skillId mastery uncertainty delta trend attempts }";

export const RECORD_ATTEMPT = `mutation RecordAttempt($input: RecordAttemptInput!) {
  recordAttempt(input: $input) { ${ATTEMPT_PAYLOAD} }
}`;

export const RECOMMENDATIONS = `query Recommendations($learnerId: UUID!, $goalId: UUID) {
  recommendations(learnerId: $learnerId, goalId: $goalId, count: 10) {
    personalisation strategy notice
    items { predictedSuccess expectedProgress explanation task { id title } skill { id name } reason { code mastery masterySd inBand mastered } }
  }
}`;

/** The same request with strategy POLICY: what the policy answered, or why it fell back. */
export const RECOMMENDATIONS_POLICY = `query RecommendationsPolicy($learnerId: UUID!, $goalId: UUID) {
  recommendations(learnerId: $learnerId, goalId: $goalId, count: 10, strategy: POLICY) {
    personalisation strategy notice fallback { code } policy { version }
    items { predictedSuccess expectedProgress explanation propensity task { id title } skill { id name } reason { code mastery masterySd inBand mastered } }
  }
}`;

export const PLAN_PATH = `mutation PlanPath($goalId: UUID!) {
  planPath(goalId: $goalId) {
    personalisation notice
    path { id plannedAt steps { position status reason task { id } skill { id } } }
    skills { mastery mastered target status estimatedAttemptsToMastery skill { id name } }
    progress { status shareMastered attemptsRemaining onTrack daysNeeded explanation }
  }
}`;

/** mulberry32: a small seeded generator, so that runs pick the same learners and tasks. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One request's outcome: ok = 2xx and no GraphQL errors (and the data when ok). Otherwise `error` says
 * what went wrong; `status` is the HTTP status (absent: no answer at all, `transport`), `code` and
 * `retryable` the first GraphQL error's extensions (bench:faults tells outages from bugs by them).
 */
export interface Answer {
  readonly ok: boolean;
  readonly error?: string;
  readonly data?: Record<string, unknown>;
  readonly status?: number;
  readonly code?: string;
  readonly retryable?: boolean;
  readonly transport?: boolean;
}

interface GraphqlBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string; retryable?: unknown } }[];
}

export class Client {
  // An idle socket is closed after 4 s, before the server's keep-alive timeout (Node's 5 s) closes it
  // under a request being sent (a socket left idle since a burst was reset once: "read ECONNRESET").
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024, timeout: 4000 });
  private readonly target: URL;
  private readonly tokens: readonly string[];
  private sent = 0;

  /** With several tokens, the requests take them in turn (distinct callers, as a per-token limit sees them). */
  constructor(url: string, token: string | readonly string[]) {
    this.tokens = typeof token === "string" ? [token] : token;
    if (this.tokens.length === 0) throw new Error("a client needs a token");
    this.target = new URL(url);
    if (this.target.hostname !== "127.0.0.1") throw new Error("the load generator only loads 127.0.0.1");
  }

  /** Sends one GraphQL request; resolves (never rejects) with its Answer. */
  post(query: string, variables: Record<string, unknown>, timeoutMs = 30_000, check?: Check): Promise<Answer> {
    const body = JSON.stringify({ query, variables });
    const token = this.tokens[this.sent++ % this.tokens.length]!;
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: "POST",
          agent: this.agent,
          timeout: timeoutMs,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode;
            let json: GraphqlBody | undefined;
            try {
              json = JSON.parse(text) as GraphqlBody;
            } catch {
              /* not JSON */
            }
            const first = json?.errors?.[0];
            const coded = first ? { code: first.extensions?.code, retryable: first.extensions?.retryable === true } : {};
            if (!status || status < 200 || status >= 300)
              return resolve({ ok: false, error: `HTTP ${status}: ${text.slice(0, 200)}`, status, ...coded });
            try {
              if (!json) throw new Error("unparsable");
              if (first) return resolve({ ok: false, error: `${first.extensions?.code ?? "ERROR"}: ${first.message}`, status, ...coded });
              if (!json.data) return resolve({ ok: false, error: "no data", status });
              const wrong = check?.(json.data as Record<string, unknown>);
              resolve(
                wrong
                  ? { ok: false, error: `${NOT_PERSONALISED}: ${wrong}`, status }
                  : { ok: true, data: json.data as Record<string, unknown>, status },
              );
            } catch {
              resolve({ ok: false, error: `unparsable body: ${text.slice(0, 200)}`, status });
            }
          });
          res.on("error", (e) => resolve({ ok: false, error: `response: ${e.message}`, transport: true }));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on("error", (e) => resolve({ ok: false, error: `request: ${e.message}`, transport: true }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What bench:load reads of an answer (the same as bench:faults' Answer). */
export type PostResult = Answer;

/** An open-loop request not answered within this is an error (and the phase ends by itself). */
const OPEN_LOOP_TIMEOUT_MS = 10_000;

/**
 * What a measured answer must show: the learner's own model at work. A stale or unreadable model
 * degrades to NO_MODEL (or an attempt updates no mastery); such a run measures another code path,
 * so the benchmark fails instead of reporting it.
 */
export type Check = (data: Record<string, unknown>) => string | null;
const NOT_PERSONALISED = "NOT_PERSONALISED";

export type Make = (i: number) => { query: string; variables: Record<string, unknown>; check?: Check };

const personalised =
  (field: string): Check =>
  (data) => {
    const mode = (data[field] as { personalisation?: string } | undefined)?.personalisation;
    return mode === "PERSONALISED" ? null : `${field} answered personalisation ${mode}`;
  };
/** A POLICY answer must come from the policy: a fallback to ZPD is another (cheaper) code path, counted as an error. */
const servedByPolicy: Check = (data) => {
  const r = data.recommendations as { personalisation?: string; strategy?: string; fallback?: { code: string } | null } | undefined;
  if (r?.personalisation !== "PERSONALISED") return `recommendations answered personalisation ${r?.personalisation}`;
  return r.strategy === "POLICY" ? null : `not served by the policy: fell back (${r.fallback?.code ?? r.strategy})`;
};
const masteryUpdated: Check = (data) =>
  ((data.recordAttempt as { mastery?: unknown[] } | undefined)?.mastery?.length ?? 0) > 0
    ? null
    : "recordAttempt updated no mastery (not personalised)";

/**
 * Sends `rps × seconds` requests at fixed intervals; latency from each one's scheduled time
 * (request i was scheduled at `startMs + i × 1000 / rps`, on this process's performance clock).
 */
export async function openLoop(
  client: Client,
  rps: number,
  seconds: number,
  make: Make,
): Promise<{ samples: Sample[]; elapsedMs: number; startMs: number }> {
  const n = Math.max(1, Math.round(rps * seconds));
  const interval = 1000 / rps;
  const samples: Sample[] = new Array(n);
  const start = performance.now() + 20;
  let sent = 0;
  let done = 0;
  let lastEnd = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < n && start + sent * interval <= now) {
        const i = sent++;
        const scheduled = start + i * interval;
        const { query, variables, check } = make(i);
        void client.post(query, variables, OPEN_LOOP_TIMEOUT_MS, check).then((r) => {
          const end = performance.now();
          lastEnd = Math.max(lastEnd, end);
          samples[i] = { ms: end - scheduled, ok: r.ok, error: r.error };
          if (++done === n) resolve();
        });
      }
      if (sent < n) setTimeout(tick, Math.max(0, Math.min(interval, start + sent * interval - performance.now())));
    };
    tick();
  });
  return { samples, elapsedMs: lastEnd - start, startMs: start };
}

/** One request at a time, each as soon as the previous answered. */
export async function sequential(
  client: Client,
  seconds: number,
  maxCalls: number,
  make: Make,
): Promise<{ samples: Sample[]; elapsedMs: number }> {
  const samples: Sample[] = [];
  const start = performance.now();
  while (samples.length < maxCalls && performance.now() - start < seconds * 1000) {
    const { query, variables, check } = make(samples.length);
    const t = performance.now();
    const r = await client.post(query, variables, undefined, check);
    samples.push({ ms: performance.now() - t, ok: r.ok, error: r.error });
  }
  return { samples, elapsedMs: performance.now() - start };
}

/**
 * Waits until the server has worked off what an overloaded phase left queued (requests that timed
 * out on our side keep running on the server): a small query that needs the database must answer
 * within 200 ms twice in a row. At most `maxSeconds`.
 */
export async function drain(client: Client, log: (msg: string) => void, maxSeconds = 180): Promise<void> {
  const start = performance.now();
  let fast = 0;
  while (fast < 2 && performance.now() - start < maxSeconds * 1000) {
    const t = performance.now();
    await client.post(`{ school { id } }`, {}, maxSeconds * 1000);
    fast = performance.now() - t < 200 ? fast + 1 : 0;
    if (fast < 2) await new Promise((r) => setTimeout(r, 250));
  }
  const waited = (performance.now() - start) / 1000;
  if (waited > 2) log(`waited ${waited.toFixed(0)} s for the server to work off its queue`);
}

/** The three measured operations on random learners and tasks of the plan (seeded by `random`). */
export function operations(
  plan: Pick<LoadPlan, "learners" | "taskIds" | "runId">,
  random: () => number,
): { recordAttempt: Make; recommendations: Make; planPath: Make; policyRecommendations: Make } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  let key = 0;
  const recordAttempt: Make = () => ({
    query: RECORD_ATTEMPT,
    variables: {
      input: {
        learnerId: pick(plan.learners).id,
        taskId: pick(plan.taskIds),
        correct: random() < 0.65,
        durationSeconds: 30 + Math.floor(random() * 120),
        idempotencyKey: `bench-${plan.runId}-${key++}`,
        source: "bench",
      },
    },
    check: masteryUpdated,
  });
  const recommendations: Make = () => {
    const l = pick(plan.learners);
    return { query: RECOMMENDATIONS, variables: { learnerId: l.id, goalId: l.goalId }, check: personalised("recommendations") };
  };
  const planPath: Make = () => ({ query: PLAN_PATH, variables: { goalId: pick(plan.learners).goalId }, check: personalised("planPath") });
  const policyRecommendations: Make = () => {
    const l = pick(plan.learners);
    return { query: RECOMMENDATIONS_POLICY, variables: { learnerId: l.id, goalId: l.goalId }, check: servedByPolicy };
  };
  return { recordAttempt, recommendations, planPath, policyRecommendations };
}

/** The mixed load (bench:privacy's erasure windows, bench:load's soak and hostile phases), per 10 requests: 5 recommendations(count: 10), 4 recordAttempt, 1 planPath. */
export const MIXED_KINDS = ["recommendations", "recordAttempt", "planPath"] as const;
export type MixedKind = (typeof MIXED_KINDS)[number];
/** Request i of a mixed loop: every 10th planPath, the others alternate recommendations and recordAttempt. */
export const mixedKind = (i: number): MixedKind => (i % 10 === 9 ? "planPath" : i % 2 === 0 ? "recommendations" : "recordAttempt");
export const mixed =
  (ops: Record<MixedKind, Make>): Make =>
  (i) =>
    ops[mixedKind(i)](i);

/** A mixed open loop's samples (indexed as sent), summarised per operation. */
export function summariseMixed(mode: string, rps: number, samples: readonly Sample[], elapsedMs: number): OpResult[] {
  return MIXED_KINDS.map((kind) => {
    const mine = samples.filter((_, i) => mixedKind(i) === kind);
    return summarise(kind, mode, (rps * mine.length) / samples.length, mine, elapsedMs);
  });
}

/** Fails the run when an answer was not personalised (see NOT_PERSONALISED). */
export function failIfNotPersonalised(what: string, samples: readonly Sample[]): void {
  const bad = samples.find((s) => s?.error?.startsWith(NOT_PERSONALISED));
  if (bad)
    throw new Error(
      `${what}: ${bad.error} — the server is not serving the learners' own model (stale or unreadable model?); re-prepare the database with --fresh`,
    );
}

/**
 * Warm-up (JIT, caches, pool connections): sequential calls of each operation, which cannot leave a
 * queue behind (one failure fails the run), then 8 concurrent closed-loop streams.
 */
export async function warmUp(
  client: Client,
  ops: Pick<ReturnType<typeof operations>, "recordAttempt" | "recommendations" | "planPath">,
  plan: Pick<LoadPlan, "warmupCalls" | "warmupSeconds">,
  log: (msg: string) => void,
): Promise<void> {
  log(`warm-up: ${plan.warmupCalls} sequential calls of each operation, then 8 concurrent streams for ${plan.warmupSeconds} s`);
  for (const make of [ops.recommendations, ops.recordAttempt, ops.planPath]) {
    const { samples } = await sequential(client, 60, plan.warmupCalls, make);
    failIfNotPersonalised("warm-up", samples);
    const failed = samples.find((s) => !s.ok);
    if (failed) throw new Error(`warm-up: a request failed: ${failed.error}`);
  }
  await Promise.all(
    Array.from({ length: 8 }, (_, i) => sequential(client, plan.warmupSeconds, 1e9, i % 2 ? ops.recordAttempt : ops.recommendations)),
  );
}

export async function runLoad(plan: LoadPlan, log: (msg: string) => void): Promise<OpResult[]> {
  const client = new Client(plan.url, plan.token);
  const random = rng(plan.seed);
  const { recordAttempt, recommendations, planPath, policyRecommendations } = operations(plan, random);

  const results: OpResult[] = [];
  try {
    await warmUp(client, { recordAttempt, recommendations, planPath }, plan, log);

    const mode = `open loop, ${plan.rps}/s for ${plan.seconds} s`;
    const measure = async (
      name: string,
      mode: string | ((n: number) => string),
      rps: number | null,
      run: () => Promise<{ samples: Sample[]; elapsedMs: number }>,
    ) => {
      const la = loadavg()[0]!;
      const before = snapshot(plan.serverPid, plan.dbName);
      const r = await run();
      failIfNotPersonalised(name, r.samples);
      const cpu = usage(before, plan.serverPid, plan.dbName);
      await drain(client, log);
      const res = summarise(name, typeof mode === "string" ? mode : mode(r.samples.length), rps, r.samples, r.elapsedMs);
      results.push({
        ...res,
        cpu: {
          ...cpu,
          perRequestServerMs: cpu.serverMs / r.samples.length,
          perRequestDbMs: cpu.dbMs / r.samples.length,
          elapsedMs: r.elapsedMs,
          loadavgBefore: la,
          loadavgAfter: loadavg()[0]!,
        },
      });
    };
    // The cost of one request without queueing: sequential calls, with the CPU they use (server + DB),
    // which do not depend on what else the machine runs. The capacity on 2 idle cores follows.
    log(`sequential: ${plan.sequentialCalls} calls of recommendations and of recordAttempt`);
    await measure(
      "recommendations (sequential)",
      (n) => `sequential, ${n} calls`,
      null,
      () => sequential(client, 60, plan.sequentialCalls, recommendations),
    );
    await measure(
      "recordAttempt (sequential)",
      (n) => `sequential, ${n} calls`,
      null,
      () => sequential(client, 60, plan.sequentialCalls, recordAttempt),
    );
    log(`recommendations(count: 10): ${mode}`);
    await measure("recommendations", mode, plan.rps, () => openLoop(client, plan.rps, plan.seconds, recommendations));
    if (plan.policy) {
      const { samples } = await sequential(client, 60, plan.warmupCalls, policyRecommendations);
      const failed = samples.find((s) => !s.ok);
      if (failed) throw new Error(`warm-up of recommendations(strategy: POLICY): ${failed.error}`);
      await measure(
        "recommendations POLICY (sequential)",
        (n) => `sequential, ${n} calls`,
        null,
        () => sequential(client, 60, plan.sequentialCalls, policyRecommendations),
      );
      log(`recommendations(count: 10, strategy: POLICY): ${mode}`);
      await measure("recommendations POLICY", mode, plan.rps, () => openLoop(client, plan.rps, plan.seconds, policyRecommendations));
    }
    log(`recordAttempt: ${mode}`);
    await measure("recordAttempt", mode, plan.rps, () => openLoop(client, plan.rps, plan.seconds, recordAttempt));
    log(`planPath: sequential, up to ${plan.planMaxCalls} calls or ${plan.planSeconds} s`);
    await measure(
      "planPath",
      (n) => `sequential, ${n} calls`,
      null,
      () => sequential(client, plan.planSeconds, plan.planMaxCalls, planPath),
    );
  } finally {
    client.close();
  }
  return results;
}

// As a child process: receive the plan, run it, send the results back, exit.
if (require.main === module) serveForked(runLoad);
