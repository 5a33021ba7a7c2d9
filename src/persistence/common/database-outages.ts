/**
 * One log line when the database stops answering, one when it answers again — not a stack trace per
 * refused request. With PostgreSQL down for 10 s a busy server refuses hundreds of requests; each is
 * answered UNAVAILABLE, and the log says when the outage began, why, how long it lasted and how many
 * requests it refused.
 *
 * An outage begins at the first request refused for it (`refused`) and ends at the first statement the
 * database answers that was sent after the latest refusal (`answered`, fed by a TypeORM subscriber:
 * `watch`). A statement sent before that refusal may still come back after it — the server can answer
 * on one connection while another is being cut — and would end the outage only to have the next
 * refusal begin another. The lines name reasons and counts only: no SQL, no parameters, no stack.
 */
import type { DataSource, EntitySubscriberInterface } from "typeorm";
import type { Logger } from "../../shared/logger.js";
import type { UnavailableReason } from "./db-unavailable.js";

interface Outage {
  readonly since: number;
  lastRefusal: number;
  refused: number;
  readonly reasons: Partial<Record<UnavailableReason, number>>;
}

export class DatabaseOutages {
  private current: Outage | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an outage is under way (the last request refused for it has not been followed by an answer). */
  get ongoing(): boolean {
    return this.current !== null;
  }

  /** A request was answered UNAVAILABLE for `reason`: logs the outage's start when it is the first. */
  refused(reason: UnavailableReason): void {
    const at = this.now();
    if (!this.current) {
      this.current = { since: at, lastRefusal: at, refused: 0, reasons: {} };
      this.logger.warn({ reason }, "database unavailable: requests are answered UNAVAILABLE (retryable) until it answers again");
    }
    this.current.lastRefusal = at;
    this.current.refused++;
    this.current.reasons[reason] = (this.current.reasons[reason] ?? 0) + 1;
  }

  /** The database answered a statement sent at `sentAt`; ends an outage whose last refusal came before. */
  answered(sentAt: number): void {
    const o = this.current;
    if (!o || sentAt <= o.lastRefusal) return;
    this.current = null;
    this.logger.info({ durationMs: this.now() - o.since, refusedRequests: o.refused, reasons: o.reasons }, "database available again");
  }

  /** Feeds `answered` from every statement that succeeds on `dataSource`; returns the unsubscribe. */
  watch(dataSource: DataSource): () => void {
    const subscriber: EntitySubscriberInterface = {
      afterQuery: (event) => {
        // Cheap when all is well: one property read per statement.
        if (this.current && event.success) this.answered(this.now() - (event.executionTime ?? 0));
      },
    };
    dataSource.subscribers.push(subscriber);
    return () => {
      const i = dataSource.subscribers.indexOf(subscriber);
      if (i >= 0) dataSource.subscribers.splice(i, 1);
    };
  }
}
