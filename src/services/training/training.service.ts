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
import { ModelVersion as ModelVersionEntity, type ModelVersion } from "../../persistence/model/model-version.entity.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";
import type { TaskEmbedding } from "../../engine/embedding/index.js";
import type { ServiceDeps } from "../service-deps.js";
import type { ActiveModels } from "../personalisation/active-models.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import { publishModel } from "./model-publisher.js";
import { snapshotTrainingSet } from "./training-set.js";
import { StateRebuildService } from "./state-rebuild.service.js";
import { SwitchLock } from "./switch-lock.js";

export interface TrainOptions {
  /** Engine model name (registry), default "meta". */
  readonly kind?: string;
  readonly seed?: number;
  /** Traces up to this instant (default now). */
  readonly cutoff?: Date;
  /** Make it active: every learner's state is rebuilt under it, then it is switched in (default true). */
  readonly activate?: boolean;
  readonly onProgress?: (fraction: number, message?: string) => void;
}

export class TrainingService {
  /** One switch of a school's active model at a time (promotions, rollbacks, first models). */
  readonly switchLock: SwitchLock;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly learnerModel: LearnerModelService,
    /** Learner states under a version: staging, the switch, the catch-up. */
    readonly states = new StateRebuildService(deps, models, learnerModel),
  ) {
    this.switchLock = new SwitchLock(deps.dataSource, deps.logger);
  }

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
      }),
    );
    if (!(opts.activate ?? true)) return version;
    // States first, then the switch (StateRebuildService): the previous model serves until then.
    await this.switchLock.hold(schoolId, {}, () => this.states.switchTo(schoolId, version.id));
    await this.calibrateDifficulties(schoolId, model, embedding, snapshot);
    return this.deps.dataSource.getRepository(ModelVersionEntity).findOneByOrFail({ id: version.id });
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

  /** Rebuilds under the active model every consenting learner's state that does not belong to it (StateRebuildService.rebuildActive). */
  rebuildStates(schoolId: string, onProgress?: (fraction: number) => void): Promise<number> {
    return this.states.rebuildActive(schoolId, onProgress);
  }
}
