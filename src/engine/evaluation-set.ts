/**
 * A school's evaluation set: the learners that no model of the school is ever trained on, so that any
 * two versions — a retraining's candidate and the active model, or an admin's choice and the model it
 * would replace — are compared on learners neither has seen. Comparing a model on its own training
 * learners with another on fresh ones rewards memorisation, and refuses every honest challenger.
 *
 * Membership is a pure function of the learner id and a salt (the school's id), so the set is fixed
 * for a learner for life and grows with the school, with nothing to store:
 *
 *   member(l) ⇔ h(salt ∥ 0x00 ∥ l) / 2³² < fraction,   h = fmix32 ∘ FNV-1a (32 bits)
 *
 * FNV-1a reads every character; the MurmurHash3 finaliser `fmix32` spreads the last characters (the
 * random part of a UUIDv7) over the high bits that the comparison reads.
 */
import { EngineError, EngineErrorCode } from "./errors.js";
import type { Trace, TrainingSet } from "./types.js";

export interface EvaluationSetRule {
  /** Different per school, so that schools' sets are independent. */
  readonly salt: string;
  /** Expected share of learners in the set, in (0, 1). */
  readonly fraction: number;
}

/** The share of a school's learners kept for evaluation. */
export const EVALUATION_FRACTION = 0.2;

/** Names the membership function; stored with every version, so that a later change of `h` shows. */
export const EVALUATION_HASH = "fnv1a32-fmix32";

/** The rule's hash of a learner, uniform in [0, 1). */
export function evaluationHash(salt: string, learnerId: string): number {
  let h = 0x811c9dc5;
  const mix = (code: number) => {
    h ^= code;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < salt.length; i++) mix(salt.charCodeAt(i));
  mix(0);
  for (let i = 0; i < learnerId.length; i++) mix(learnerId.charCodeAt(i));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function checkRule(rule: EvaluationSetRule): void {
  if (!(rule.fraction > 0 && rule.fraction < 1)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `evaluation set: fraction must be in (0, 1) (got ${rule.fraction})`);
  }
  if (!rule.salt) throw new EngineError(EngineErrorCode.InvalidParameters, "evaluation set: the salt must not be empty");
}

/** Whether `learnerId` belongs to the evaluation set of `rule`. */
export function isEvaluationLearner(learnerId: string, rule: EvaluationSetRule): boolean {
  checkRule(rule);
  return evaluationHash(rule.salt, learnerId) < rule.fraction;
}

export interface EvaluationPartition {
  /** Learners a model may be trained on. */
  readonly train: TrainingSet;
  /** Learners of the evaluation set: never trained on. */
  readonly evaluation: TrainingSet;
}

/** Splits a school's traces into the learners a model may be trained on and its evaluation set. */
export function partitionByEvaluationSet(data: TrainingSet, rule: EvaluationSetRule): EvaluationPartition {
  checkRule(rule);
  const train = new Map<string, readonly Trace[]>();
  const evaluation = new Map<string, readonly Trace[]>();
  for (const [id, seq] of data.sequences) (evaluationHash(rule.salt, id) < rule.fraction ? evaluation : train).set(id, seq);
  return { train: { catalog: data.catalog, sequences: train }, evaluation: { catalog: data.catalog, sequences: evaluation } };
}
