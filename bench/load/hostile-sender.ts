/**
 * The hostile client, in its own process (forked by hostile.ts): from `startAt` (epoch ms), one round
 * of the corpus (hostile-corpus.ts) every `everySeconds` for `seconds` — each request of the round
 * after the previous one's answer, then `badTokenRequests` requests with invalid tokens all at once
 * (a malformed token, one signed with another secret, an expired one, in turn). Every answer is kept:
 * its HTTP status, its `extensions.code`, and the time from send to the full answer.
 */
import { performance } from "node:perf_hooks";
import { serveForked } from "../api/fork.js";
import { Client, RECOMMENDATIONS } from "../api/load.js";
import { corpus, type HostileKind } from "./hostile-corpus.js";

export interface SenderPlan {
  readonly url: string;
  readonly learnerToken: string;
  readonly serviceToken: string;
  /** Invalid tokens, taken in turn by the bad-token requests. */
  readonly badTokens: string[];
  readonly badTokenRequests: number;
  /** A learner and a task of the school, for the aliased writes and the bad-token reads. */
  readonly learner: { id: string; goalId: string };
  readonly taskId: string;
  readonly startAt: number;
  readonly seconds: number;
  readonly everySeconds: number;
  readonly runId: string;
}

export interface HostileAnswer {
  readonly kind: HostileKind;
  readonly round: number;
  readonly ms: number;
  /** Absent: no answer (socket error or timeout). */
  readonly status?: number;
  readonly code?: string;
  /** Answered with data and no error: the request was served. */
  readonly served: boolean;
}

const TIMEOUT_MS = 30_000;

export async function sendHostile(plan: SenderPlan, log: (msg: string) => void): Promise<HostileAnswer[]> {
  const learner = new Client(plan.url, plan.learnerToken);
  const service = new Client(plan.url, plan.serviceToken);
  const bad = new Client(plan.url, plan.badTokens);
  const answers: HostileAnswer[] = [];
  const send = async (client: Client, kind: HostileKind, round: number, query: string, variables: Record<string, unknown>) => {
    const t = performance.now();
    const r = await client.post(query, variables, TIMEOUT_MS);
    answers.push({ kind, round, ms: performance.now() - t, status: r.status, code: r.code, served: r.ok });
  };
  try {
    await new Promise((r) => setTimeout(r, Math.max(0, plan.startAt - Date.now())));
    const start = performance.now();
    for (let round = 0; round * plan.everySeconds < plan.seconds; round++) {
      const due = start + round * plan.everySeconds * 1000;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      if (performance.now() - start >= plan.seconds * 1000) break; // the previous round ran past the window
      for (const h of corpus(plan.learner.id, plan.taskId, `${plan.runId}-${round}`))
        await send(h.caller === "learner" ? learner : service, h.kind, round, h.query, h.variables);
      await Promise.all(
        Array.from({ length: plan.badTokenRequests }, () =>
          send(bad, "bad token", round, RECOMMENDATIONS, { learnerId: plan.learner.id, goalId: plan.learner.goalId }),
        ),
      );
    }
    log(`hostile: ${answers.length} requests sent`);
    return answers;
  } finally {
    learner.close();
    service.close();
    bad.close();
  }
}

if (require.main === module) serveForked(sendHostile);
