/**
 * Trains a model on a school's consented traces — those of its learners outside the evaluation set
 * (comparison-set.ts) — and publishes it with the learners it was trained on and its scores on the
 * evaluation set. The demo's first model comes from here; the nightly retraining (with its gates)
 * builds on the same pieces.
 */
import { initBackend } from "../../engine/backend.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { trainers } from "../../engine/registry.js";
import { startSummary } from "../../engine/meta/index.js";
import type { FitOptions, ModelTrainer, TrainingSet } from "../../engine/types.js";
import { trainTaskEmbedding } from "../../engine/embedding/index.js";
import { predictSequences, scorePredictions } from "../../engine/evaluation.js";
import { ModelVersion as ModelVersionEntity, type ModelVersion } from "../../persistence/model/model-version.entity.js";
import type { ServiceDeps } from "../service-deps.js";
import type { ActiveModels } from "../personalisation/active-models.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import { publishModel, trainedTasks } from "./model-publisher.js";
import { attemptCount, partitionSchool } from "./comparison-set.js";
import { jsonScores } from "./gates.js";
import { taskInfluenceLadder } from "./training-options.js";
import { differentialPrivacyMetrics, fitPrivately, type PrivateFit } from "./private-fit.js";
import { type PrivacyBudget, TrainingPrivacyService } from "../audit/training-privacy.service.js";
import { PrivacyAuditor } from "../audit/privacy-audit.service.js";
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

  /** The privacy audit (the services' one instance): it audits the fits of the privacy-calibrated training (private-fit.ts). */
  readonly privacy: PrivacyAuditor;
  /** The schools' privacy budgets for training (admins set them). */
  readonly budgets: TrainingPrivacyService;

  constructor(
    private readonly deps: ServiceDeps,
    models: ActiveModels,
    /** The learner model the state rebuilds replay with (read by the rebuild tests). */
    readonly learnerModel: LearnerModelService,
    /** Learner states under a version: staging, the switch, the catch-up. */
    readonly states = new StateRebuildService(deps, models, learnerModel),
  ) {
    this.switchLock = new SwitchLock(deps.dataSource, deps.logger);
    this.privacy = PrivacyAuditor.fromDeps(deps);
    this.budgets = new TrainingPrivacyService(deps);
  }

  /**
   * A model of `kind` trained on `train` as the product trains it: with the school's privacy budget, Meta
   * with DP-SGD spending it; without, Meta climbs the task-influence ladder until the membership attacks
   * cannot tell `train` from `heldOut` (private-fit.ts); other models once.
   */
  fitPrivately(
    kind: string,
    trainer: ModelTrainer,
    train: TrainingSet,
    heldOut: TrainingSet,
    fit: FitOptions,
    onStep?: (kappa: number, index: number) => void,
    budget?: PrivacyBudget | null,
  ): Promise<PrivateFit> {
    return fitPrivately({
      budget,
      trainer,
      kind,
      train,
      heldOut,
      fit,
      ladder: taskInfluenceLadder(this.deps),
      audit: (model, options) => this.privacy.membershipOf({ model, kind, heldOut }, train, options),
      onStep: (options, i) => onStep?.(options.taskInfluenceLearners, i),
    });
  }

  async trainAndPublish(schoolId: string, opts: TrainOptions = {}): Promise<ModelVersion> {
    const kind = opts.kind ?? "meta";
    const trainer = trainers[kind];
    if (!trainer) throw new EngineError(EngineErrorCode.InvalidParameters, `unknown model kind ${kind}`);
    const cutoff = opts.cutoff ?? new Date();
    const snapshot = await snapshotTrainingSet(this.deps.dataSource.manager, schoolId, cutoff);
    const { train, evaluation } = partitionSchool(schoolId, snapshot);
    const attempts = attemptCount(train);
    const backend = await initBackend();
    const t0 = performance.now();
    const budget = await this.budgets.budget(schoolId);
    const fitted = await this.fitPrivately(
      kind,
      trainer,
      train,
      evaluation,
      { seed: opts.seed ?? 1, onProgress: opts.onProgress },
      undefined,
      budget,
    );
    const { model, trainingOptions } = fitted;
    const trainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    // Under a privacy budget no task embedding: it would be trained on the data outside ε (the version then
    // finds similar tasks by their shared skills, and places untrained tasks by the model's skill fallback).
    const embedding = budget ? null : await trainTaskEmbedding(train, { seed: opts.seed ?? 1 });
    const embeddingSeconds = (performance.now() - t1) / 1000;
    const candidate = jsonScores(scorePredictions(predictSequences([model], evaluation.sequences)[0]!));
    this.deps.logger.info(
      {
        schoolId,
        kind,
        attempts,
        learners: train.sequences.size,
        heldOutLearners: evaluation.sequences.size,
        auc: candidate.auc,
        trainSeconds,
        embeddingSeconds,
        backend,
      },
      "model trained",
    );
    const version = await this.deps.dataSource.transaction((m) =>
      publishModel(m, schoolId, {
        kind,
        weights: model.serialize(),
        taskEmbedding: embedding?.serialize() ?? null,
        metrics: {
          trainingAttempts: attempts,
          trainingLearners: train.sequences.size,
          heldOutLearners: evaluation.sequences.size,
          candidate,
          trainSeconds,
          embeddingSeconds,
          backend,
          trainingOptions,
          privacyLadder: fitted.ladder,
          differentialPrivacy: differentialPrivacyMetrics(model, budget),
          metaStart: startSummary(model),
        },
        trainedFrom: snapshot.from,
        trainedTo: snapshot.to,
        trainedTaskIds: trainedTasks(train),
        trainedLearnerIds: train.sequences.keys(),
      }),
    );
    if (!(opts.activate ?? true)) return version;
    // States first, then the switch (StateRebuildService; it recalibrates the tasks' difficulties): the previous model serves until then.
    await this.switchLock.hold(schoolId, {}, () => this.states.switchTo(schoolId, version.id));
    return this.deps.dataSource.getRepository(ModelVersionEntity).findOneByOrFail({ id: version.id });
  }

  /** Rebuilds under the active model every consenting learner's state that does not belong to it (StateRebuildService.rebuildActive). */
  rebuildStates(schoolId: string, onProgress?: (fraction: number) => void): Promise<number> {
    return this.states.rebuildActive(schoolId, onProgress);
  }
}
