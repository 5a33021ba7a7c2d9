/**
 * The learner model as the other services use it: the online update of a learner's state as
 * attempts arrive (online-update.ts), the batch replay of many learners' states for a rebuild or a
 * promotion's staging (batch-replay.ts), and the reads they need. A façade over those modules, so
 * that the services and the composition root hold one object; the state row's SQL lives in
 * persistence/learner/learner-state.store.ts.
 */
import type { EntityManager } from "typeorm";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";
import { readCurrentState, readCurrentStates, type CurrentState, type LockedState } from "../../persistence/learner/learner-state.store.js";
import type { ActiveModels, LoadedModel } from "./active-models.js";
import { BatchReplay } from "./batch-replay.js";
import type { MasteryChange } from "./model-replay.js";
import { OnlineUpdate, type LearnerAttempts, type NewAttempt, type StateUpdate } from "./online-update.js";
import { qMatrix } from "./task-skills.js";

export class LearnerModelService {
  private readonly online: OnlineUpdate;
  private readonly batch: BatchReplay;

  constructor(models: ActiveModels) {
    this.online = new OnlineUpdate(models);
    this.batch = new BatchReplay(models);
  }

  /** OnlineUpdate.applyAttempts: the update of a learner whose state row the caller locked. */
  applyAttempts(
    m: EntityManager,
    schoolId: string,
    learnerId: string,
    row: LockedState,
    attempts: readonly NewAttempt[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<MasteryChange[]> {
    return this.online.applyAttempts(m, schoolId, learnerId, row, attempts, curriculum);
  }

  /** OnlineUpdate.applyMany: the updates of a batch's learners, whose state rows the caller locked, saved together. */
  applyMany(
    m: EntityManager,
    schoolId: string,
    batch: readonly LearnerAttempts[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<Map<string, MasteryChange[]>> {
    return this.online.applyMany(m, schoolId, batch, curriculum);
  }

  /** A learner's state row as it stands (no lock), with its version and the learner's consent; null when it has none yet. */
  readState(m: EntityManager, learnerId: string): Promise<CurrentState | null> {
    return readCurrentState(m, learnerId);
  }

  /** The state rows of a batch's learners as they stand (no lock), by learner id; learners without one are absent. */
  readStates(m: EntityManager, schoolId: string, learnerIds: readonly string[]): Promise<Map<string, CurrentState>> {
    return readCurrentStates(m, schoolId, learnerIds);
  }

  /** OnlineUpdate.planMany: the updates of a batch's learners in the common case, computed before their rows are locked. */
  planMany(
    m: EntityManager,
    schoolId: string,
    batch: readonly LearnerAttempts<CurrentState>[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<Map<string, StateUpdate>> {
    return this.online.planMany(m, schoolId, batch, curriculum);
  }

  /** OnlineUpdate.planIncremental: the optimistic path's update, or null for the locked path. */
  planIncremental(
    m: EntityManager,
    schoolId: string,
    learnerId: string,
    row: CurrentState,
    attempts: readonly NewAttempt[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<StateUpdate | null> {
    return this.online.planIncremental(m, schoolId, learnerId, row, attempts, curriculum);
  }

  /** BatchReplay.rebuildMany: many learners' states rebuilt under the active model. */
  rebuildMany(m: EntityManager, schoolId: string, learnerIds: readonly string[], qMatrix?: Map<string, string[]>): Promise<number> {
    return this.batch.rebuildMany(m, schoolId, learnerIds, qMatrix);
  }

  /** BatchReplay.stageMany: many learners' states staged under a version not active yet. */
  stageMany(
    m: EntityManager,
    target: LoadedModel,
    schoolId: string,
    learnerIds: readonly string[],
    qMatrix?: Map<string, string[]>,
  ): Promise<number> {
    return this.batch.stageMany(m, target, schoolId, learnerIds, qMatrix);
  }

  /** The school's whole Q-matrix (task → skills), read once for a rebuild of many batches. */
  qMatrix(m: EntityManager, schoolId: string): Promise<Map<string, string[]>> {
    return qMatrix(m, schoolId);
  }
}
