/**
 * Meta's training sequences on the catalogue's dense indices (the catalogue itself is compiled by the
 * engine's one compiler, catalog-index.ts). Fixed iteration order, so that a seed reproduces a model
 * byte for byte.
 */
import type { CatalogIndex } from "../catalog-index.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Trace, TrainingSet } from "../types.js";

/** Training sequences as flat arrays: learner l's attempts are [start[l], start[l+1]). */
export interface EncodedSequences {
  readonly learnerIds: readonly string[];
  readonly start: Int32Array;
  readonly task: Int32Array;
  readonly correct: Uint8Array;
}

/** Encodes the given learners' sequences (in the given order); unknown tasks are UNKNOWN_TASK. */
export function encodeSequences(
  cat: CatalogIndex,
  sequences: ReadonlyMap<string, readonly Trace[]>,
  learnerIds: readonly string[],
): EncodedSequences {
  let n = 0;
  for (const id of learnerIds) n += sequences.get(id)?.length ?? 0;
  const start = new Int32Array(learnerIds.length + 1);
  const task = new Int32Array(n);
  const correct = new Uint8Array(n);
  let j = 0;
  learnerIds.forEach((id, l) => {
    start[l] = j;
    for (const trace of sequences.get(id) ?? []) {
      task[j] = cat.task(trace.taskId);
      correct[j] = trace.correct === 1 ? 1 : 0;
      j++;
    }
  });
  start[learnerIds.length] = j;
  return { learnerIds, start, task, correct };
}

/** Learners with at least one trace, in a fixed (sorted) order; EMPTY_TRAINING_SET if there is none. */
export function nonEmptyLearners(data: TrainingSet): string[] {
  const ids = [...data.sequences.entries()].filter(([, s]) => s.length > 0).map(([id]) => id);
  if (ids.length === 0) throw new EngineError(EngineErrorCode.EmptyTrainingSet, "the training set has no traces");
  return ids.sort();
}
