/**
 * What the services report as it happens, for the operator's counters (the API's /metrics): an observer
 * that the composition root wires (src/app.ts), so that no service depends on a metrics library. Every
 * method is optional, is called after the fact (an attempt after its commit), and must neither throw nor
 * wait: the hot path calls it.
 */
export interface ServiceEvents {
  /** A recordAttempt(s) or ingestAttempts call committed: attempts written, and attempts answered as duplicates (nothing written). */
  attemptsRecorded?(written: number, duplicates: number): void;
  /** Attempts of the deferred path (ingestAttempts) applied to their learners' states (services/attempt/pending-applier.ts). */
  attemptsApplied?(applied: number): void;
  /** An attempt of a job settled (jobs/runner.ts): SUCCEEDED, RETRYING (pg-boss tries again) or FAILED. */
  jobSettled?(name: string, status: string): void;
  /** The access log's flush: rows written, and rows dropped (the buffer full while the database could not take them). */
  accessLogFlushed?(written: number, dropped: number): void;
  /** The recommendation log's flush: rows written, and rows dropped (as the access log's). */
  recommendationLogFlushed?(written: number, dropped: number): void;
  /**
   * A `recommendations` answer: the strategy asked for, the one that ranked the items (they differ when
   * POLICY fell back, or without consent or a model), and the fallback's code (POLICY only; null: none).
   */
  recommendationsServed?(requested: string, served: string, fallback: string | null): void;
}
