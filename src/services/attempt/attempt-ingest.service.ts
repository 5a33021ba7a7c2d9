/**
 * The deferred ingestion path (`ingestAttempts`, docs/api-guide.md "Recording attempts in bulk"): the same
 * checks as `recordAttempts` — every field, the caller's role and reach, keys unique in the batch,
 * idempotency on the school's keys, all or nothing — and the attempts committed durably in ONE
 * multi-row statement with their pending marks (attempt-writer.ts `insertDeferred`). The answer only
 * acknowledges: the learners' states, mastery, path steps and re-plans follow, applied by the
 * PendingApplier (pending-applier.ts) after the answer, batched per learner; any read of a learner's
 * mastery, recommendations or paths applies that learner's pending attempts first.
 *
 * Consent is the applier's to check, as the locked path checks it: a learner without consent to
 * personalisation has its attempts recorded and counted, never a personal state.
 */
import type { EntityManager } from "typeorm";
import type { Actor } from "../auth/actor.js";
import { ConflictError } from "../common/domain-error.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { insertDeferred } from "../../persistence/attempt/attempt-writer.js";
import type { ServiceDeps } from "../service-deps.js";
import { type AttemptService, type RecordAttempt, type Row, writeScope } from "./attempt.service.js";
import type { PendingApplier } from "./pending-applier.js";

/** The acknowledgement of one ingested attempt. */
export interface IngestedAttempt {
  readonly attemptId: string;
  readonly learnerId: string;
  readonly idempotencyKey: string;
  /** True when the key had been recorded before (by either path): nothing was written this time. */
  readonly duplicate: boolean;
}

/** PostgreSQL's unique violation: a key of the batch was recorded before. */
const isUniqueViolation = (e: unknown): boolean =>
  ((e as { code?: string })?.code ?? (e as { driverError?: { code?: string } })?.driverError?.code) === "23505";

export class AttemptIngestService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly attempts: AttemptService,
    private readonly applier: PendingApplier,
  ) {}

  async ingestMany(actor: Actor, inputs: readonly RecordAttempt[], now = new Date()): Promise<IngestedAttempt[]> {
    const rows = await this.attempts.checked(actor, inputs, now, true);
    const scope = writeScope(actor);
    const m = this.deps.dataSource.manager;
    let acks: IngestedAttempt[];
    try {
      // The common case, one statement and no transaction: every key new. A key recorded before fails
      // the statement whole (nothing written), and the batch goes the way that sorts duplicates out.
      const written = await insertDeferred(m, scope, rows, false);
      if (!written.found) await this.notFound(m, actor, rows);
      acks = rows.map((r) => ack(r.id, r, false));
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      acks = await withConflictRetry(() => this.withDuplicates(actor, rows), "recording the attempts");
    }
    const fresh = acks.filter((a) => !a.duplicate);
    this.deps.events?.attemptsRecorded?.(fresh.length, acks.length - fresh.length);
    if (fresh.length) this.applier.schedule();
    return acks;
  }

  /**
   * A batch with keys recorded before, in one transaction: the new rows inserted (with their marks),
   * the others compared with what their keys recorded — the same content is a duplicate (its first
   * attempt acknowledged again), different content a CONFLICT that rolls the whole batch back.
   */
  private withDuplicates(actor: Actor, rows: readonly Row[]): Promise<IngestedAttempt[]> {
    return this.deps.dataSource.transaction(async (m) => {
      const written = await insertDeferred(m, writeScope(actor), rows, true);
      if (!written.found) await this.notFound(m, actor, rows);
      const firsts = await this.attempts.duplicatesOf(
        m,
        actor,
        rows.filter((r) => !written.inserted.has(r.id)),
      );
      return rows.map((r) => {
        if (written.inserted.has(r.id)) return ack(r.id, r, false);
        const first = firsts.get(r.idempotencyKey);
        if (!first) throw new ConflictError(`idempotency key "${r.idempotencyKey}" neither recorded nor found`, { retryable: true });
        return ack(first.id, r, true);
      });
    });
  }

  /** A learner or a task was not found, or is out of the caller's reach: the precise error (AttemptService's). */
  private notFound(m: EntityManager, actor: Actor, rows: readonly Row[]): Promise<never> {
    return this.attempts.explainNotFound(m, actor, rows);
  }
}

const ack = (attemptId: string, r: Row, duplicate: boolean): IngestedAttempt => ({
  attemptId,
  learnerId: r.learnerId,
  idempotencyKey: r.idempotencyKey,
  duplicate,
});
