/**
 * Runs a transaction again when PostgreSQL aborted it to break a deadlock or a serialization
 * conflict. Such a transaction rolled back whole, so a rerun is safe for writes that are idempotent
 * (attempts carry idempotency keys). After `tries` aborts the caller gets a CONFLICT that says the
 * request may be sent again as it was — never an internal error, never a partial write.
 */
import { ConflictError, isTransientConflict } from "./domain-error.js";

export const TRANSACTION_TRIES = 3;

export async function withConflictRetry<T>(run: () => Promise<T>, what: string, tries = TRANSACTION_TRIES): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!isTransientConflict(e)) throw e;
      if (attempt >= tries)
        throw new ConflictError(`${what} was aborted ${tries} times by concurrent writes; nothing was written, send it again`, {
          retryable: true,
        });
    }
  }
}
