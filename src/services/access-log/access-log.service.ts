/**
 * The access log: who read or changed which learner's data, when, and through which root field of the
 * API (the API finds the accesses: api/access-log/). Ids only — the caller's role and id, the school,
 * the learner, the operation, READ or WRITE, the time — never a payload.
 *
 * Written without a round trip per request, by the shared batch writer (common/batch-writer.ts): the
 * accesses wait in memory and are written in batches, one statement each, at most `flushMs` (the
 * window, ZPD_ACCESS_LOG_FLUSH_MS) after the first of them, and on stop. The accesses of one caller to
 * one learner through one root field of one kind within the window are coalesced into one row: its
 * first time (`at`), its last (`lastAt`) and how many requests (`count`) — what an auditor reads stays
 * true (who, whose, how, from when to when), at one row where a busy service would write hundreds.
 * What a crash loses is the window's accesses: unlike an attempt, an access-log row is never
 * acknowledged to anyone. When the database cannot take a batch, the rows wait for the next flush; past
 * the buffer's limit the oldest are dropped and counted (ServiceEvents.accessLogFlushed), so an outage
 * cannot exhaust the memory.
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
import { BatchWriter, type BatchWriterOptions } from "../common/batch-writer.js";

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

/** How the log batches its rows (services/common/batch-writer.ts). */
export type AccessLogOptions = BatchWriterOptions;

/** The window's default (ZPD_ACCESS_LOG_FLUSH_MS). */
export const ACCESS_LOG_FLUSH_MS = 5_000;
/** Rows (distinct caller × learner × root field × kind) waiting that start a write before the window is up. */
export const ACCESS_LOG_FLUSH_AT = 50_000;

/** Two rows of the same key, the earlier first: one row from the earlier's first access to the later's last. */
export const coalesce = (earlier: AccessRow, later: AccessRow): AccessRow => ({
  ...earlier,
  at: later.at.getTime() < earlier.at.getTime() ? later.at : earlier.at,
  lastAt: later.lastAt.getTime() > earlier.lastAt.getTime() ? later.lastAt : earlier.lastAt,
  count: earlier.count + later.count,
});

/** Rows a retention statement deletes at a time (a short statement each, not one long lock). */
const PRUNE_CHUNK = 10_000;

/** The caller as the log names it: a teacher or learner by its id, any other role by its token's subject. */
export function actorIdOf(actor: Actor): string {
  if (actor.role === Role.Teacher && actor.teacherId) return actor.teacherId;
  if (actor.role === Role.Learner && actor.learnerId) return actor.learnerId;
  return actor.subject.slice(0, 200);
}

export class AccessLogService {
  /** Rows waiting, keyed by (caller, learner, operation, kind): coalesced over the window. */
  private readonly writer: BatchWriter<AccessRow>;

  constructor(
    private readonly deps: ServiceDeps,
    opts: AccessLogOptions = {},
  ) {
    this.writer = new BatchWriter<AccessRow>(
      {
        name: "access log",
        write: (rows) => this.insert(rows),
        merge: coalesce,
        flushed: (written, dropped) => deps.events?.accessLogFlushed?.(written, dropped),
        logger: deps.logger,
      },
      {
        flushMs: opts.flushMs ?? ACCESS_LOG_FLUSH_MS,
        flushAt: opts.flushAt ?? ACCESS_LOG_FLUSH_AT,
        maxBatch: opts.maxBatch,
        maxBuffered: opts.maxBuffered,
      },
    );
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.writer.pending;
  }

  /** Records the accesses of one request (never waits: they are written by the next flush). */
  record(actor: Actor, accesses: readonly Access[], at: Date = new Date()): void {
    if (accesses.length === 0) return;
    const actorId = actorIdOf(actor);
    this.writer.add(
      accesses.map((a) => [
        `${actor.schoolId}|${actor.role}|${actorId}|${a.learnerId}|${a.operation}|${a.access}`,
        {
          id: uuidv7(at.getTime()),
          schoolId: actor.schoolId,
          learnerId: a.learnerId,
          actorRole: actor.role,
          actorId,
          operation: a.operation,
          access: a.access,
          at,
          lastAt: at,
          count: 1,
        },
      ]),
    );
  }

  /** Writes every row waiting. Never throws: a failed batch waits for the next flush. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Stops the timer and writes what is waiting (the server's stop, before the database closes). */
  close(): Promise<void> {
    return this.writer.close();
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
