/**
 * The fairness benchmark's schools: a simulated school split into training learners and the audited
 * (held-out) learners, and the audit's input built as the product builds it — predictions per attempt in
 * `predictSequences`' layout (p, y, position, learner) and the learners' group labels.
 */
import { predictSequences } from "../../src/engine/evaluation.js";
import type { FairnessAuditInput, LearnerRecommendations } from "../../src/engine/fairness/types.js";
import { logit, sigmoid } from "../../src/engine/math.js";
import { compileCurriculum, type CompiledCurriculum } from "../../src/engine/recommend/index.js";
import {
  type SimulatedAttempt,
  type SimulatedSchool,
  type SimulatorParams,
  simulateSchool,
  splitLearners,
} from "../../src/engine/simulator/index.js";
import type { KnowledgeModel, Trace, TrainingSet } from "../../src/engine/types.js";

/** Predictions of the audited learners, attempt by attempt (evaluation.ts `Predictions`). */
export interface PredictionLayout {
  readonly p: Float64Array;
  readonly y: Uint8Array;
  readonly position: Int32Array;
  readonly learner: Int32Array;
}

export interface AuditedSchool {
  readonly school: SimulatedSchool;
  readonly curriculum: CompiledCurriculum;
  readonly train: TrainingSet;
  /** The audited learners' sequences, in the order of their learner indices. */
  readonly audited: ReadonlyMap<string, readonly SimulatedAttempt[]>;
  readonly auditedIds: readonly string[];
  /** Group label per audited learner index. */
  readonly groups: readonly string[];
  /** Group label per training learner id (for the mitigation's weights). */
  readonly trainGroups: ReadonlyMap<string, string>;
}

/** A simulated school of which `auditedFraction` of the learners are held out and audited (split by seed; 1: all, no training learner). */
export function auditedSchool(params: Partial<SimulatorParams>, seed: number, auditedFraction: number): AuditedSchool {
  const school = simulateSchool(params, seed);
  const { train, test } =
    auditedFraction === 1
      ? { train: { catalog: school.catalog, sequences: new Map<string, readonly Trace[]>() }, test: school }
      : splitLearners(school, { seed, testFraction: auditedFraction });
  const groupOf = new Map(school.learners.map((l) => [l.learnerId, l.group]));
  const audited = test.sequences as ReadonlyMap<string, readonly SimulatedAttempt[]>;
  const auditedIds = [...audited.keys()];
  return {
    school,
    curriculum: compileCurriculum({
      skills: school.skills.map((s) => ({ skillId: s.skillId, name: s.name, prerequisites: s.prerequisites })),
      tasks: school.tasks.map((t) => ({ taskId: t.taskId, skills: t.skills, topics: t.topics })),
    }),
    train,
    audited,
    auditedIds,
    groups: auditedIds.map((id) => groupOf.get(id)!),
    trainGroups: new Map([...train.sequences.keys()].map((id) => [id, groupOf.get(id)!])),
  };
}

/**
 * The oracle's predictions: each attempt's true pCorrect; `logitShift(learner)` is added to the logit of
 * that learner's predictions (an injected bias; 0: none).
 */
export function oraclePredictions(s: AuditedSchool, logitShift: (learner: number) => number = () => 0): PredictionLayout {
  let n = 0;
  for (const seq of s.audited.values()) n += seq.length;
  const out = { p: new Float64Array(n), y: new Uint8Array(n), position: new Int32Array(n), learner: new Int32Array(n) };
  let i = 0;
  s.auditedIds.forEach((id, l) => {
    const shift = logitShift(l);
    s.audited.get(id)!.forEach((a, k) => {
      out.p[i] = shift === 0 ? a.pCorrect : sigmoid(logit(a.pCorrect) + shift);
      out.y[i] = a.correct;
      out.position[i] = k + 1;
      out.learner[i] = l;
      i++;
    });
  });
  return out;
}

/** A trained model's predictions on the audited learners, by the evaluation protocol. */
export function modelPredictions(s: AuditedSchool, model: KnowledgeModel): PredictionLayout {
  return predictSequences([model], s.audited as ReadonlyMap<string, readonly Trace[]>)[0]!;
}

/** The audit's input: the predictions, the group attribute and (optionally) the replayed recommendations. */
export function auditInput(
  s: AuditedSchool,
  predictions: PredictionLayout,
  recommendations?: readonly (LearnerRecommendations | null)[],
): FairnessAuditInput {
  return {
    ...predictions,
    learners: s.auditedIds.length,
    attributes: new Map([["group", s.groups]]),
    ...(recommendations ? { recommendations } : {}),
  };
}
