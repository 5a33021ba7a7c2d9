/**
 * Where models are trained and judged: every model of a school is trained on its learners outside the
 * school's evaluation set (engine/evaluation-set.ts; the salt is the school's id), and any two versions
 * are compared on the evaluation learners that neither was trained on, by the registry's record
 * (model_version_learner). Normally that is the whole evaluation set; a version published before the
 * record existed was backfilled as trained on everyone it could have seen, and its learners drop out.
 */
import type { EntityManager } from "typeorm";
import {
  EVALUATION_FRACTION,
  EVALUATION_HASH,
  partitionByEvaluationSet,
  type EvaluationPartition,
  type EvaluationSetRule,
} from "../../engine/evaluation-set.js";
import type { Trace, TrainingSet } from "../../engine/types.js";
import { learnersSeenBy } from "../../persistence/model/trained-learners.js";

export const evaluationRule = (schoolId: string): EvaluationSetRule => ({ salt: schoolId, fraction: EVALUATION_FRACTION });

/** A school's traces split into what a model may be trained on and its evaluation set. */
export const partitionSchool = (schoolId: string, data: TrainingSet): EvaluationPartition =>
  partitionByEvaluationSet(data, evaluationRule(schoolId));

export interface ComparisonSet {
  /** The evaluation learners none of the compared versions was trained on, and their traces. */
  readonly set: TrainingSet;
  /** Stored with the verdicts: how the set was drawn and what it holds. */
  readonly summary: {
    readonly hash: string;
    readonly fraction: number;
    readonly learners: number;
    readonly attempts: number;
    /** Evaluation learners left out because a compared version was trained on them. */
    readonly excludedAsSeen: number;
    readonly versions: readonly string[];
  };
}

/** Attempts in a set. */
export const attemptCount = (set: TrainingSet): number => {
  let n = 0;
  for (const seq of set.sequences.values()) n += seq.length;
  return n;
};

/** The learners of `evaluation` that none of `versionIds` was trained on. */
export async function comparisonSet(
  m: EntityManager,
  schoolId: string,
  evaluation: TrainingSet,
  versionIds: readonly string[],
): Promise<ComparisonSet> {
  const seen = await learnersSeenBy(m, versionIds, [...evaluation.sequences.keys()]);
  const sequences = new Map<string, readonly Trace[]>([...evaluation.sequences].filter(([id]) => !seen.has(id)));
  const set = { catalog: evaluation.catalog, sequences };
  const { fraction } = evaluationRule(schoolId);
  return {
    set,
    summary: {
      hash: EVALUATION_HASH,
      fraction,
      learners: sequences.size,
      attempts: attemptCount(set),
      excludedAsSeen: seen.size,
      versions: [...versionIds],
    },
  };
}
