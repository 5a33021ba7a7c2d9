/**
 * Registers a trained model as a ModelVersion (next version number in the school) and, when asked,
 * makes it the active one: the previous active version is retired in the same transaction, so a
 * school has at most one active model at any instant (a partial unique index guarantees it).
 */
import { EntityManager } from "typeorm";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";

export interface PublishModel {
  readonly kind: string;
  readonly weights: Uint8Array;
  /** The task embedding trained alongside, if any. */
  readonly taskEmbedding?: Uint8Array | null;
  readonly metrics: Record<string, unknown>;
  readonly trainedFrom: Date | null;
  readonly trainedTo: Date | null;
  readonly notes?: string;
  readonly activate: boolean;
  /** The status when not activated (default CANDIDATE; REJECTED when a gate refused it). */
  readonly status?: ModelStatus.Candidate | ModelStatus.Rejected;
}

export async function publishModel(m: EntityManager, schoolId: string, p: PublishModel, now = new Date()): Promise<ModelVersion> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('zpd:model-version:' || $1))`, [schoolId]);
  const [{ next }] = await m.query(`SELECT COALESCE(MAX(version), 0) + 1 AS next FROM model_version WHERE school_id = $1`, [schoolId]);
  if (p.activate) {
    await m.query(`UPDATE model_version SET status = $2, updated_at = now() WHERE school_id = $1 AND status = $3`, [schoolId, ModelStatus.Retired, ModelStatus.Active]);
  }
  return m.save(m.create(ModelVersion, {
    schoolId,
    version: Number(next),
    kind: p.kind,
    status: p.activate ? ModelStatus.Active : (p.status ?? ModelStatus.Candidate),
    weights: Buffer.from(p.weights),
    taskEmbedding: p.taskEmbedding ? Buffer.from(p.taskEmbedding) : null,
    trainedFrom: p.trainedFrom,
    trainedTo: p.trainedTo,
    metrics: p.metrics,
    notes: p.notes ?? "",
    activatedAt: p.activate ? now : null,
  }));
}
