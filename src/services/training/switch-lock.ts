/**
 * One switch of a school's active model at a time. A promotion, a rollback and a retraining's
 * promotion each stage states (StateRebuildService), and a staging run first deletes the school's
 * staged states of any other version, so two of them at once would delete each other's staging. They run in
 * different pg-boss queues (a queue's `singleton` policy only orders its own jobs), hence this lock:
 *
 * - in this process, a FIFO chain per school;
 * - across processes on a real server, a session advisory lock held on a connection of its own for
 *   the whole switch: a process that dies closes the connection and so releases the lock, with no
 *   lease to expire. Embedded PGlite is one process per data folder (its folder lock), so the chain
 *   is the whole lock there (and its single pooled connection is never held for minutes).
 *
 * A waiter polls (POLL_MS) and gives up when its signal aborts (a stopping worker).
 */
import type { DataSource } from "typeorm";
import pg from "pg";
import { connectionStringOf } from "../jobs/job-queue.js";
import type { Logger } from "../../shared/logger.js";

const POLL_MS = 500;

export interface HoldOptions {
  readonly signal?: AbortSignal;
  /** Called once when the lock is held by another switch of the school (progress: "waiting"). */
  readonly onWait?: () => void;
}

/** The advisory lock's key text (distinct from the switch transaction's own xact lock key). */
export const switchLockKey = (schoolId: string): string => `zpd:model-switch:${schoolId}`;

export class SwitchLock {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {}

  /** Runs `work` holding the school's switch lock; waits for it first. */
  async hold<T>(schoolId: string, opts: HoldOptions, work: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(schoolId);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = (prev ?? Promise.resolve()).then(() => mine);
    this.tails.set(schoolId, tail);
    let waited = false;
    const waiting = () => {
      if (!waited) opts.onWait?.();
      waited = true;
    };
    try {
      if (prev) {
        waiting();
        await untilAborted(prev, opts.signal);
      }
      opts.signal?.throwIfAborted();
      const url = connectionStringOf(this.dataSource);
      return url ? await this.holdOnServer(url, schoolId, opts.signal, waiting, work) : await work();
    } finally {
      release();
      if (this.tails.get(schoolId) === tail) this.tails.delete(schoolId);
    }
  }

  private async holdOnServer<T>(
    url: string,
    schoolId: string,
    signal: AbortSignal | undefined,
    waiting: () => void,
    work: () => Promise<T>,
  ): Promise<T> {
    const client = new pg.Client({ connectionString: url, application_name: "zpd-switch-lock" });
    // A lost connection has released the lock already; the switch's own transactions still guard its rows.
    client.on("error", (err) => this.logger.warn({ err, schoolId }, "the model switch lock's connection failed"));
    await client.connect();
    try {
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [switchLockKey(schoolId)]);
        if (rows[0]?.ok) break;
        waiting();
        await sleep(POLL_MS, signal);
      }
      return await work();
    } finally {
      // Ending the session releases its advisory locks, whatever happened to the work.
      await client.end().catch(() => {});
    }
  }
}

function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, resolve).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
