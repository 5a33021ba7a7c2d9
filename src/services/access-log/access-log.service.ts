/**
 * The access log: who read or changed which learner's data, when, and through which root field of the
 * API (the API finds the accesses: api/access-log/). Ids only — the caller's role and id, the school,
 * the learner, the operation, READ or WRITE, the time — never a payload.
 *
 * Written without a round trip per request: the accesses wait in memory and are written in batches,
 * one statement each, at most FLUSH_MS after they happened (sooner when MAX_BATCH are waiting), and on
 * stop. The same access (caller, learner, operation, kind) within one second is one row. What a crash
 * loses is that last second: unlike an attempt, an access-log row is never acknowledged to anyone.
 * When the database cannot take a batch, the rows wait for the next flush; past MAX_BUFFERED the oldest
 * are dropped and counted (ServiceEvents.accessLogFlushed), so an outage cannot exhaust the memory.
 *
 * Reading it: admins, the whole school's or one learner's; a learner, its own (the right of access:
 * who saw its data); every other role is FORBIDDEN.
 */
import { AccessKind, AccessLog } from "../../persistence/access-log/access-log.entity.js";
import { deadlineProblem } from "../common/input-bounds.js";
import { accessLogQuery, type AccessRow, deleteAccessRowsBefore, insertAccessRows } from "../../persistence/access-log/access-log.store.js";
import { uuidv7 } from "../../shared/ids.js";
import { type Actor, Role } from "../auth/actor.js";
import { assertLearnerAccess, requireRole } from "../auth/access-policy.js";
import { BadInputError, isForeignKeyViolation } from "../common/domain-error.js";
import { byId, type Page, type PageArgs, paginate } from "../common/pagination.js";
import type { ServiceDeps } from "../service-deps.js";
import { retentionCutoff } from "../privacy/retention.service.js";

export { AccessKind };

/** One access as the API found it: whose data, through which root field, read or write. */
export interface Access {
  readonly learnerId: string;
  readonly operation: string;
  readonly access: AccessKind;
}

export interface AccessLogFilter {
  readonly learnerId?: string | null;
  readonly actorId?: string | null;
  readonly since?: Date | null;
  readonly until?: Date | null;
}

export interface AccessLogOptions {
  /** How long an access waits in memory at most before its batch is written. */
  readonly flushMs?: number;
  /** A batch's rows (one statement); this many waiting are written at once. */
  readonly maxBatch?: number;
  /** Rows kept while the database cannot take them; older ones are dropped beyond. */
  readonly maxBuffered?: number;
}

export const FLUSH_MS = 1_000;
export const MAX_BATCH = 1_000;
export const MAX_BUFFERED = 100_000;
/** Rows a retention statement deletes at a time (a short statement each, not one long lock). */
const PRUNE_CHUNK = 10_000;

/** The caller as the log names it: a teacher or learner by its id, any other role by its token's subject. */
export function actorIdOf(actor: Actor): string {
  if (actor.role === Role.Teacher && actor.teacherId) return actor.teacherId;
  if (actor.role === Role.Learner && actor.learnerId) return actor.learnerId;
  return actor.subject.slice(0, 200);
}

export class AccessLogService {
  /** Rows waiting, by (caller, learner, operation, kind, second): the same access within a second is one row. */
  private buffer = new Map<string, AccessRow>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly deps: ServiceDeps,
    opts: AccessLogOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.maxBatch = opts.maxBatch ?? MAX_BATCH;
    this.maxBuffered = opts.maxBuffered ?? MAX_BUFFERED;
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.buffer.size;
  }

  /** Records the accesses of one request (never waits: they are written by the next flush). */
  record(actor: Actor, accesses: readonly Access[], at: Date = new Date()): void {
    if (accesses.length === 0) return;
    const actorId = actorIdOf(actor);
    const second = Math.floor(at.getTime() / 1000);
    for (const a of accesses) {
      const key = `${actor.schoolId}|${actor.role}|${actorId}|${a.learnerId}|${a.operation}|${a.access}|${second}`;
      if (this.buffer.has(key)) continue;
      this.buffer.set(key, {
        id: uuidv7(at.getTime()),
        schoolId: actor.schoolId,
        learnerId: a.learnerId,
        actorRole: actor.role,
        actorId,
        operation: a.operation,
        access: a.access,
        at,
      });
    }
    this.dropBeyondLimit();
    if (this.buffer.size >= this.maxBatch) void this.flush();
    else this.schedule();
  }

  /** Writes every row waiting (batches in order; one flush at a time). Never throws: a failed batch waits for the next. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeWaiting());
    return this.chain;
  }

  /** Stops the timer and writes what is waiting (the server's stop, before the database closes). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private schedule(): void {
    if (this.timer || this.buffer.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
    this.timer.unref();
  }

  private dropBeyondLimit(): void {
    let dropped = 0;
    for (const key of this.buffer.keys()) {
      if (this.buffer.size <= this.maxBuffered) break;
      this.buffer.delete(key);
      dropped++;
    }
    if (dropped > 0) {
      this.deps.events?.accessLogFlushed?.(0, dropped);
      this.deps.logger.warn({ dropped, waiting: this.buffer.size }, "access log: rows dropped (the database has not taken them)");
    }
  }

  private async writeWaiting(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.buffer.size > 0) {
      const batch: [string, AccessRow][] = [];
      for (const entry of this.buffer) {
        batch.push(entry);
        if (batch.length >= this.maxBatch) break;
      }
      for (const [key] of batch) this.buffer.delete(key);
      const rows = batch.map(([, row]) => row);
      try {
        const written = await this.insert(rows);
        this.deps.events?.accessLogFlushed?.(written, 0);
        if (this.failing) this.deps.logger.info({ rows: written }, "access log: written again");
        this.failing = false;
      } catch (e) {
        // Back in the buffer (a later access of the same key keeps its own row), tried again at the next flush.
        for (const [key, row] of batch) if (!this.buffer.has(key)) this.buffer.set(key, row);
        this.dropBeyondLimit();
        if (!this.failing)
          this.deps.logger.warn(
            { code: (e as { code?: string })?.code, waiting: this.buffer.size },
            "access log: a batch could not be written; retrying",
          );
        this.failing = true;
        this.schedule();
        return;
      }
    }
  }

  /** A learner erased between the batch's filter and its insert fails the whole batch on the foreign key: filtered again, once. */
  private async insert(rows: readonly AccessRow[]): Promise<number> {
    const m = this.deps.dataSource.manager;
    try {
      return await insertAccessRows(m, rows);
    } catch (e) {
      if (!isForeignKeyViolation(e)) throw e;
      return insertAccessRows(m, rows);
    }
  }

  /** A page of the log, oldest first (admins: the school's or a learner's; a learner: its own). */
  async list(actor: Actor, filter: AccessLogFilter, page: PageArgs): Promise<Page<AccessLog>> {
    requireRole(actor, Role.Admin, Role.Learner);
    const learnerId = filter.learnerId ?? (actor.role === Role.Learner ? actor.learnerId : undefined);
    // A learner reading another's log is NOT_FOUND, as any other learner-level read (access-policy.ts).
    if (learnerId) await assertLearnerAccess(this.deps.dataSource.manager, actor, learnerId);
    if (filter.actorId != null && (filter.actorId.length === 0 || filter.actorId.length > 200))
      throw new BadInputError("actorId must be 1–200 characters", { argument: "actorId" });
    const { since, until } = filter;
    for (const [argument, at] of [
      ["since", since],
      ["until", until],
    ] as const) {
      const problem = at ? deadlineProblem(at) : null;
      if (problem) throw new BadInputError(`${argument} ${problem}`, { argument });
    }
    if (since && until && since.getTime() > until.getTime())
      throw new BadInputError("since must not be after until", { argument: "since" });
    const qb = accessLogQuery(this.deps.dataSource, {
      schoolId: actor.schoolId,
      learnerId,
      actorId: filter.actorId ?? undefined,
      since: since ?? undefined,
      until: until ?? undefined,
    });
    return paginate(qb, byId("al"), page, this.deps.maxPageSize);
  }

  /**
   * Deletes the rows older than `retentionDays` (from the start of `at`'s UTC day, as the attempts'
   * retention cuts), in short statements; the daily `retention` job runs it.
   */
  async prune(retentionDays: number, at: Date, schoolIds?: readonly string[]): Promise<{ cutoff: Date; deleted: number }> {
    const cutoff = retentionCutoff(at, retentionDays);
    let deleted = 0;
    for (;;) {
      const n = await deleteAccessRowsBefore(this.deps.dataSource.manager, cutoff, PRUNE_CHUNK, schoolIds);
      deleted += n;
      if (n < PRUNE_CHUNK) break;
    }
    if (deleted > 0) this.deps.logger.info({ cutoff, deleted }, "access log pruned");
    return { cutoff, deleted };
  }
}
