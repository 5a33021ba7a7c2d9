/**
 * Batched ingestion: `recordAttempts` calls of `batchSize` attempts, each attempt made by bench:api's
 * recordAttempt generator (bench/api/load.ts `operations`: random task, 65 % correct, a unique
 * idempotency key). The raw INSERT loop (raw-insert.ts) inserts rows from the same generator, so both
 * write the same kind of rows.
 *
 * `batchLearners`: 0 draws every attempt's learner at random, as the single calls do (a batch then
 * touches ~batchSize learners: the most state updates a batch can cost); k > 0 spreads each batch over
 * k learners drawn for it (an app syncing a class's or one learner's session).
 */
import { ATTEMPT_PAYLOAD, type Check, type LoadPlan, type Make, operations } from "../api/load.js";

export const RECORD_ATTEMPTS = `mutation RecordAttempts($inputs: [RecordAttemptInput!]!) {
  recordAttempts(inputs: $inputs) { ${ATTEMPT_PAYLOAD} }
}`;

export interface AttemptInput {
  readonly learnerId: string;
  readonly taskId: string;
  readonly correct: boolean;
  readonly durationSeconds: number;
  readonly idempotencyKey: string;
  readonly source: string;
}

/** A function returning the next batch of attempt inputs. */
export function attemptBatches(
  plan: Pick<LoadPlan, "learners" | "taskIds" | "runId">,
  random: () => number,
  batchSize: number,
  batchLearners: number,
): () => AttemptInput[] {
  // Keys of their own: the single calls' generator counts its keys from 0 with the same run id.
  const { recordAttempt } = operations({ ...plan, runId: `${plan.runId}-batch${batchSize}` }, random);
  return () => {
    const group = Array.from({ length: batchLearners }, () => plan.learners[Math.floor(random() * plan.learners.length)]!.id);
    return Array.from({ length: batchSize }, (_, j) => {
      const input = recordAttempt(j).variables.input as AttemptInput;
      return batchLearners > 0 ? { ...input, learnerId: group[j % batchLearners]! } : input;
    });
  };
}

/** Every attempt of the batch recorded now (not a duplicate) and updated the learner's mastery (the model at work). */
const everyRecorded =
  (size: number): Check =>
  (data) => {
    const payloads = data.recordAttempts as { duplicate: boolean; mastery: unknown[] }[] | undefined;
    if (!payloads || payloads.length !== size) return `recordAttempts answered ${payloads?.length ?? 0} payloads for ${size} attempts`;
    if (payloads.some((p) => p.duplicate)) return "recordAttempts answered a duplicate";
    return payloads.every((p) => p.mastery.length > 0) ? null : "recordAttempts updated no mastery for an attempt (not personalised)";
  };

export function batchedCall(next: () => AttemptInput[], batchSize: number): Make {
  const check = everyRecorded(batchSize);
  return () => ({ query: RECORD_ATTEMPTS, variables: { inputs: next() }, check });
}

export const INGEST_ATTEMPTS = `mutation IngestAttempts($inputs: [RecordAttemptInput!]!) {
  ingestAttempts(inputs: $inputs) { attemptId duplicate }
}`;

/** Every attempt of the batch acknowledged as recorded now (not a duplicate). */
const everyAcknowledged =
  (size: number): Check =>
  (data) => {
    const acks = data.ingestAttempts as { duplicate: boolean }[] | undefined;
    if (!acks || acks.length !== size) return `ingestAttempts answered ${acks?.length ?? 0} acknowledgements for ${size} attempts`;
    return acks.some((a) => a.duplicate) ? "ingestAttempts answered a duplicate" : null;
  };

/** The deferred path (ingestAttempts) with the same batches: acknowledged at once, applied to the states after. */
export function ingestCall(next: () => AttemptInput[], batchSize: number): Make {
  const check = everyAcknowledged(batchSize);
  return () => ({ query: INGEST_ATTEMPTS, variables: { inputs: next() }, check });
}
