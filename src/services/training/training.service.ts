/**
 * Trains a model on a school's consented traces and publishes it. This is the core that the demo's
 * first model uses now and the nightly retraining job (with its evaluation and gates) builds on.
 */
import { initBackend } from "../../engine/backend.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { trainers } from "../../engine/registry.js";
import { trainTaskEmbedding } from "../../engine/embedding/index.js";
import { logit } from "../../engine/math.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import type { ModelVersion } from "../../persistence/model/model-version.entity.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";
import type { TaskEmbedding } from "../../engine/embedding/index.js";
import type { ServiceDeps } from "../service-deps.js";
import type { ActiveModels } from "../personalisation/active-models.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import { publishModel } from "./model-publisher.js";
import { snapshotTrainingSet } from "./training-set.js";
import { withConflictRetry } from "../common/transaction-retry.js";

export interface TrainOptions {
  /** Engine model name (registry), default "meta". */
  readonly kind?: string;
  readonly seed?: number;
  /** Traces up to this instant (default now). */
  readonly cutoff?: Date;
  /** Make it active and rebuild every learner's state under it. */
  readonly activate?: boolean;
  readonly onProgress?: (fraction: number, message?: string) => void;
}

/** Learners whose states are rebuilt per transaction after a promotion. */
export const REBUILD_BATCH = 500;
/**
 * Rebuild batches in flight on a server: while Node replays one batch, PostgreSQL reads or writes
 * the other (2 cores). Embedded PGlite has one connection: batches go one after the other there.
 */
export const REBUILD_IN_FLIGHT = 2;

export class TrainingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly learnerModel: LearnerModelService,
  ) {}

  async trainAndPublish(schoolId: string, opts: TrainOptions = {}): Promise<ModelVersion> {
    const kind = opts.kind ?? "meta";
    const trainer = trainers[kind];
    if (!trainer) throw new EngineError(EngineErrorCode.InvalidParameters, `unknown model kind ${kind}`);
    const cutoff = opts.cutoff ?? new Date();
    const snapshot = await snapshotTrainingSet(this.deps.dataSource.manager, schoolId, cutoff);
    const backend = await initBackend();
    const t0 = performance.now();
    const model = await trainer.fit(snapshot, { seed: opts.seed ?? 1, onProgress: opts.onProgress });
    const trainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const embedding = await trainTaskEmbedding(snapshot, { seed: opts.seed ?? 1 });
    const embeddingSeconds = (performance.now() - t1) / 1000;
    this.deps.logger.info({ schoolId, kind, attempts: snapshot.attempts, learners: snapshot.sequences.size, trainSeconds, embeddingSeconds, backend }, "model trained");
    const version = await this.deps.dataSource.transaction((m) =>
      publishModel(m, schoolId, {
        kind,
        weights: model.serialize(),
        taskEmbedding: embedding.serialize(),
        metrics: { trainingAttempts: snapshot.attempts, trainingLearners: snapshot.sequences.size, trainSeconds, embeddingSeconds, backend },
        trainedFrom: snapshot.from,
        trainedTo: snapshot.to,
        activate: opts.activate ?? true,
      }),
    );
    if (version.status === "ACTIVE") {
      this.models.invalidate(schoolId);
      await this.calibrateDifficulties(schoolId, model, embedding, snapshot);
      await this.rebuildStates(schoolId);
    }
    return version;
  }

  /**
   * Task.difficulty under the new model, in logits (higher = harder): d_i = −logit P(correct) of a
   * learner never seen before. A task nobody attempted in the training window gets its prior from
   * its nearest neighbours in the task embedding instead of the model's skill-level fallback.
   */
  private async calibrateDifficulties(schoolId: string, model: KnowledgeModel, embedding: TaskEmbedding, snapshot: TrainingSet): Promise<void> {
    const attempted = new Set<string>();
    for (const seq of snapshot.sequences.values()) for (const t of seq) attempted.add(t.taskId);
    const fresh = model.initialState();
    const calibrated = new Map<string, number>();
    for (const t of snapshot.catalog.tasks) if (attempted.has(t.taskId)) calibrated.set(t.taskId, -logit(model.predict(fresh, t.taskId)));
    const ids: string[] = [];
    const values: number[] = [];
    for (const t of snapshot.catalog.tasks) {
      const d = calibrated.get(t.taskId) ?? embedding.difficultyPrior(t, calibrated) ?? -logit(model.predict(fresh, t.taskId));
      if (Number.isFinite(d)) {
        ids.push(t.taskId);
        values.push(d);
      }
    }
    await this.deps.dataSource.query(
      `UPDATE task SET difficulty = u.d FROM unnest($2::uuid[], $3::float8[]) AS u(id, d) WHERE task.id = u.id AND task.school_id = $1`,
      [schoolId, ids, values],
    );
  }

  /**
   * Rebuilds, in batches, the state of every consenting learner whose state does not belong to the
   * active model yet. Resumable: a crash leaves some learners rebuilt, and the next run (or their
   * next attempt) takes the rest.
   */
  async rebuildStates(schoolId: string, onProgress?: (fraction: number) => void): Promise<number> {
    const active = await this.models.get(schoolId);
    if (!active) return 0;
    const rows: { learner_id: string }[] = await this.deps.dataSource.query(
      `SELECT c.learner_id FROM consent c LEFT JOIN learner_state s ON s.learner_id = c.learner_id
       WHERE c.school_id = $1 AND c.purpose = $2 AND c.granted
         AND (s.model_version_id IS DISTINCT FROM $3 OR s.state->>'model' IS DISTINCT FROM $4)
       ORDER BY c.learner_id`,
      [schoolId, ConsentPurpose.Personalisation, active.versionId, active.stateTag],
    );
    const ids = rows.map((r) => r.learner_id);
    // Read once for every batch (a task created meanwhile is unknown to the model: nothing to replay for it).
    const qMatrix = ids.length ? await this.learnerModel.qMatrix(this.deps.dataSource.manager, schoolId) : undefined;
    const batches = Math.ceil(ids.length / REBUILD_BATCH);
    const poolSize = (this.deps.dataSource.options as { poolSize?: number }).poolSize;
    const inFlight = poolSize === 1 ? 1 : Math.min(REBUILD_IN_FLIGHT, batches);
    // Each worker takes the next batch until none is left; the version guard in rebuildMany keeps
    // concurrent batches (and attempts arriving meanwhile) from overwriting a newer state.
    // After a failure the other worker finishes its batch and stops; the first error is thrown once
    // nothing is in flight any more.
    let next = 0;
    let done = 0;
    let failed = false;
    const worker = async () => {
      while (next < batches && !failed) {
        const b = next++;
        const batch = ids.slice(b * REBUILD_BATCH, (b + 1) * REBUILD_BATCH);
        try {
          await withConflictRetry(() => this.deps.dataSource.transaction((m) => this.learnerModel.rebuildMany(m, schoolId, batch, qMatrix)), "a state rebuild batch");
        } catch (e) {
          failed = true;
          throw e;
        }
        onProgress?.(++done / batches);
      }
    };
    const outcomes = await Promise.allSettled(Array.from({ length: inFlight }, worker));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;
    return rows.length;
  }
}
