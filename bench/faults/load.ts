/**
 * The faults benchmark's client, run as its own process (forked by bench/faults.ts): a few closed
 * loops over real HTTP, each sending `recordAttempt` (one attempt) or `recordAttempts` (a batch), every
 * attempt with a new idempotency key, and optionally `recommendations` reads. It behaves as a careful
 * client does: a request that was not acknowledged (no answer, a refused connection, an error) is sent
 * again, unchanged — same attempts, same keys — until it is, so an attempt written by a request whose
 * answer was lost comes back `duplicate: true` and must not be written twice.
 *
 * It keeps the ledger the parent checks against the database afterwards: every key acknowledged
 * (HTTP 200, no errors), every key sent but never acknowledged, and each answer with its time, so the
 * parent can read what clients saw during a fault. "stop" ends the loops: a request being retried
 * gets three more tries (the server is up by then), then is left unacknowledged.
 */
import { Client, RECOMMENDATIONS, rng } from "../api/load.js";
import { serveForked } from "../api/fork.js";

export interface IngestPlan {
  readonly url: string;
  readonly token: string;
  readonly learners: readonly { id: string; goalId: string }[];
  readonly taskIds: readonly string[];
  /** Every idempotency key is `<keyPrefix>-<n>`, so the database's rows of this run are found by it. */
  readonly keyPrefix: string;
  /** Closed loops sending at once. */
  readonly concurrency: number;
  /** Share of the writes that are batches (recordAttempts of 2..maxBatch attempts). */
  readonly batchShare: number;
  readonly maxBatch: number;
  /** Batches sent with ingestAttempts (the deferred path: acknowledged, applied after) instead of recordAttempts. */
  readonly deferred?: boolean;
  /** Share of the requests that are recommendations reads (never retried). */
  readonly readShare: number;
  /** Pause of each loop after an answer, and before re-sending an unacknowledged request, ms. */
  readonly pauseMs: number;
  readonly retryPauseMs: number;
  readonly timeoutMs: number;
  readonly seed: number;
}

/** One answer as the client saw it. */
export interface Outcome {
  /** Date.now() when the answer (or the failure) came. */
  readonly t: number;
  readonly op: "single" | "batch" | "read";
  readonly ok: boolean;
  /** 1 on a request's first send. */
  readonly send: number;
  readonly status?: number;
  readonly code?: string;
  readonly retryable?: boolean;
  /** No HTTP answer at all: why (refused connection, reset, timeout). */
  readonly transport?: string;
}

export interface IngestResults {
  readonly acked: string[];
  readonly unacked: string[];
  /** Attempts acknowledged on a re-send, and of those, answered `duplicate: true` (written by an earlier send). */
  readonly ackedOnResend: number;
  readonly duplicateOnResend: number;
  /** Attempts answered `duplicate: true` on their first send: their key was new, so this must be 0. */
  readonly duplicateOnFirstSend: number;
  readonly outcomes: Outcome[];
}

const FIELDS = "duplicate attempt { id }";
const RECORD_ONE = `mutation Record($input: RecordAttemptInput!) { recordAttempt(input: $input) { ${FIELDS} } }`;
const RECORD_MANY = `mutation RecordMany($inputs: [RecordAttemptInput!]!) { recordAttempts(inputs: $inputs) { ${FIELDS} } }`;
const INGEST_MANY = `mutation IngestMany($inputs: [RecordAttemptInput!]!) { ingestAttempts(inputs: $inputs) { attemptId duplicate } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function transportReason(error: string | undefined): string {
  const e = error ?? "";
  const known = e.match(/ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|timeout/);
  return known ? known[0] : e.slice(0, 80);
}

export async function runIngest(plan: IngestPlan, log: (msg: string) => void): Promise<IngestResults> {
  const client = new Client(plan.url, plan.token);
  const rand = rng(plan.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const acked: string[] = [];
  const pending = new Set<string>();
  const outcomes: Outcome[] = [];
  let seq = 0;
  let ackedOnResend = 0;
  let duplicateOnResend = 0;
  let duplicateOnFirstSend = 0;
  let stopping = false;
  process.on("message", (m: { type?: string }) => {
    if (m?.type === "stop") stopping = true;
  });

  const record = (op: Outcome["op"], send: number, a: Awaited<ReturnType<Client["post"]>>) =>
    outcomes.push({
      t: Date.now(),
      op,
      ok: a.ok,
      send,
      ...(a.status !== undefined ? { status: a.status } : {}),
      ...(a.code !== undefined ? { code: a.code, retryable: a.retryable } : {}),
      ...(a.transport ? { transport: transportReason(a.error) } : {}),
    });

  const write = async () => {
    const n = rand() < plan.batchShare ? 2 + Math.floor(rand() * (plan.maxBatch - 1)) : 1;
    const items = Array.from({ length: n }, () => ({
      learnerId: pick(plan.learners).id,
      taskId: pick(plan.taskIds),
      correct: rand() < 0.65,
      idempotencyKey: `${plan.keyPrefix}-${++seq}`,
      source: "faults",
    }));
    for (const it of items) pending.add(it.idempotencyKey);
    const op = n === 1 ? "single" : "batch";
    let afterStop = 0;
    for (let send = 1; ; send++) {
      const a =
        n === 1
          ? await client.post(RECORD_ONE, { input: items[0] }, plan.timeoutMs)
          : await client.post(plan.deferred ? INGEST_MANY : RECORD_MANY, { inputs: items }, plan.timeoutMs);
      record(op, send, a);
      if (a.ok) {
        const payloads = (
          n === 1 ? [a.data!.recordAttempt] : ((plan.deferred ? a.data!.ingestAttempts : a.data!.recordAttempts) as unknown[])
        ) as { duplicate: boolean }[];
        const duplicates = payloads.filter((p) => p.duplicate).length;
        if (send === 1) duplicateOnFirstSend += duplicates;
        else {
          ackedOnResend += n;
          duplicateOnResend += duplicates;
        }
        for (const it of items) {
          pending.delete(it.idempotencyKey);
          acked.push(it.idempotencyKey);
        }
        return;
      }
      if (stopping && ++afterStop > 3) return;
      await sleep(plan.retryPauseMs);
    }
  };

  const read = async () => {
    const l = pick(plan.learners);
    record("read", 1, await client.post(RECOMMENDATIONS, { learnerId: l.id, goalId: l.goalId }, plan.timeoutMs));
  };

  const loop = async () => {
    while (!stopping) {
      await (rand() < plan.readShare ? read() : write());
      await sleep(plan.pauseMs);
    }
  };

  log(`${plan.concurrency} loops against ${plan.url}`);
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, loop));
  } finally {
    client.close();
  }
  return { acked, unacked: [...pending], ackedOnResend, duplicateOnResend, duplicateOnFirstSend, outcomes };
}

// As a child process: receive the plan, run until told to stop, send the ledger back, exit.
if (require.main === module) serveForked(runIngest);
