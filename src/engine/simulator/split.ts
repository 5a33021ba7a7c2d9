import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import type { Catalog, Trace, TrainingSet } from "../types.js";

export interface LearnerSplit {
  readonly train: TrainingSet;
  readonly test: TrainingSet;
}

/**
 * Splits learners (never attempts) into train and test by seed: the learner ids are sorted, shuffled
 * with `createRng(seed)`, and the first ⌈testFraction · n⌉ become the test learners. Both sets share the
 * catalogue.
 */
export function splitLearners(
  data: { readonly catalog: Catalog; readonly sequences: ReadonlyMap<string, readonly Trace[]> },
  options: { readonly seed: number; readonly testFraction?: number },
): LearnerSplit {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `splitLearners: testFraction must be in (0, 1) (got ${testFraction})`);
  }
  const ids = [...data.sequences.keys()].sort();
  const shuffled = createRng(options.seed).shuffle(ids);
  const nTest = Math.ceil(testFraction * ids.length);
  const testIds = new Set(shuffled.slice(0, nTest));
  const train = new Map<string, readonly Trace[]>();
  const test = new Map<string, readonly Trace[]>();
  for (const id of ids) (testIds.has(id) ? test : train).set(id, data.sequences.get(id)!);
  return { train: { catalog: data.catalog, sequences: train }, test: { catalog: data.catalog, sequences: test } };
}
