/**
 * A `TrainingSet` flattened into typed arrays: learner after learner, each learner's attempts in order.
 * Validates what every baseline needs: at least one trace, known tasks, 0/1 outcomes.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { TrainingSet } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";

export interface FlatTraces {
  readonly catalog: CatalogIndex;
  readonly learnerIds: readonly string[];
  /** Learner u's attempts are rows learnerStart[u] .. learnerStart[u+1]). */
  readonly learnerStart: Int32Array;
  readonly task: Int32Array;
  readonly correct: Uint8Array;
  /** Training attempts per task (0 = never seen in training: the task falls back to a prior). */
  readonly taskAttempts: Int32Array;
}

export function flattenTrainingSet(data: TrainingSet): FlatTraces {
  const catalog = CatalogIndex.fromCatalog(data.catalog);
  let total = 0;
  for (const seq of data.sequences.values()) total += seq.length;
  if (total === 0) throw new EngineError(EngineErrorCode.EmptyTrainingSet, "the training set has no traces");
  const learnerIds: string[] = [];
  const learnerStart = new Int32Array(data.sequences.size + 1);
  const task = new Int32Array(total);
  const correct = new Uint8Array(total);
  const taskAttempts = new Int32Array(catalog.taskCount);
  let row = 0;
  for (const [learnerId, seq] of data.sequences) {
    for (const trace of seq) {
      const t = catalog.task(trace.taskId);
      if (trace.correct !== 0 && trace.correct !== 1) {
        throw new EngineError(EngineErrorCode.InvalidData, `learner ${learnerId}: outcome ${String(trace.correct)} is not 0 or 1`, {
          learnerId,
        });
      }
      task[row] = t;
      correct[row] = trace.correct;
      taskAttempts[t]!++;
      row++;
    }
    learnerIds.push(learnerId);
    learnerStart[learnerIds.length] = row;
  }
  return { catalog, learnerIds, learnerStart, task, correct, taskAttempts };
}
