/**
 * Registers a trained model as a ModelVersion (next version number in the school), as a CANDIDATE
 * or, when a gate refused it, REJECTED, with the learners it was trained on. It never becomes active here: only the switch does
 * (StateRebuildService.switchTo), once the learners' states are rebuilt under it.
 */
import { EntityManager } from "typeorm";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import type { TrainingSet } from "../../engine/types.js";
import { recordTrainedLearners } from "../../persistence/model/trained-learners.js";

export interface PublishModel {
  readonly kind: string;
  readonly weights: Uint8Array;
  /** The task embedding trained alongside, if any. */
  readonly taskEmbedding?: Uint8Array | null;
  readonly metrics: Record<string, unknown>;
  readonly trainedFrom: Date | null;
  readonly trainedTo: Date | null;
  /** The tasks with attempts in the training set (`trainedTasks`). */
  readonly trainedTaskIds: readonly string[];
  /** The learners of the training set: recorded, so that no comparison counts them for this version. */
  readonly trainedLearnerIds: Iterable<string>;
  readonly notes?: string;
  /** Default CANDIDATE; REJECTED when a gate refused it. */
  readonly status?: ModelStatus.Candidate | ModelStatus.Rejected;
}

/** The tasks with at least one attempt in a training set, in order of first appearance. */
export function trainedTasks(set: TrainingSet): string[] {
  const out = new Set<string>();
  for (const seq of set.sequences.values()) for (const t of seq) out.add(t.taskId);
  return [...out];
}

export async function publishModel(m: EntityManager, schoolId: string, p: PublishModel): Promise<ModelVersion> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('zpd:model-version:' || $1))`, [schoolId]);
  const [{ next }] = await m.query(`SELECT COALESCE(MAX(version), 0) + 1 AS next FROM model_version WHERE school_id = $1`, [schoolId]);
  const version = await m.save(
    m.create(ModelVersion, {
      schoolId,
      version: Number(next),
      kind: p.kind,
      status: p.status ?? ModelStatus.Candidate,
      weights: Buffer.from(p.weights),
      taskEmbedding: p.taskEmbedding ? Buffer.from(p.taskEmbedding) : null,
      trainedFrom: p.trainedFrom,
      trainedTo: p.trainedTo,
      trainedTaskIds: [...p.trainedTaskIds],
      metrics: p.metrics,
      notes: p.notes ?? "",
      activatedAt: null,
    }),
  );
  await recordTrainedLearners(m, schoolId, version.id, p.trainedLearnerIds);
  return version;
}
