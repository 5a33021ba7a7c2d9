/**
 * An admin's promotion of a stored model version, and rollback to the version active before the
 * current one. A promotion is judged like a retraining's candidate: against the active model, on the
 * school's evaluation learners that neither version was trained on (comparison-set.ts). An admin may
 * promote a version its gates refuse only by giving a reason, which is stored with the version. At a million learners the switch takes minutes, so each is a job: the request checks
 * what is cheap and enqueues `promote-model` / `rollback-model` (a run in jobRuns, QUEUED); the job
 * (promote / rollback below) re-checks the gates (a promotion), rebuilds every learner's state under
 * the version and switches (StateRebuildService.switchTo), under the school's switch lock.
 *
 * A job attempt may be retried after a crash: the staging resumes where it stopped, and a version
 * found already active is a success (what is still staged for it is adopted, the catch-up runs again). A refusal (the gates, a version
 * without weights) is an outcome, not an error: the job ends FAILED with it, not retried.
 */
import { loadModel } from "../../engine/registry.js";
import type { KnowledgeModel } from "../../engine/types.js";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, NotFoundError } from "../common/domain-error.js";
import { formatBound, OVERRIDE_REASON_LENGTH } from "../common/input-bounds.js";
import type { JobRun, JobRunService } from "../jobs/job-run.service.js";
import { JobName } from "../jobs/queues.js";
import type { ActiveModels } from "../personalisation/active-models.js";
import type { ServiceDeps } from "../service-deps.js";
import { comparisonSet, partitionSchool } from "./comparison-set.js";
import { storeAuditReports } from "../audit/audit-record.js";
import { judge, MetricGate, type Gate, type GateVerdict, type Judgement, type PromotionOverride } from "./gates.js";
import type { SwitchReport } from "./state-rebuild.service.js";
import { snapshotTrainingSet, versionTrainingSet } from "./training-set.js";
import { storedTrainingOptions } from "./private-fit.js";
import type { TrainingService } from "./training.service.js";

export interface SwitchOptions {
  readonly onProgress?: (fraction: number, message?: string) => void;
  /** Aborts the wait for the school's switch lock (a stopping worker). */
  readonly signal?: AbortSignal;
  /**
   * The job run (its id is the same on every retry): stored with the version its switch activates,
   * so that a retry finding that version replaced since by another switch leaves it so.
   */
  readonly runId?: string;
}

export interface PromoteOptions extends SwitchOptions {
  /** Promote even if the gates refuse (an admin's recorded decision). */
  readonly override?: PromotionOverride;
}

export interface SwitchOutcome {
  readonly modelVersionId: string;
  readonly version: number;
  /** False: refused (see `reason`); the active model is unchanged. */
  readonly switched: boolean;
  /** The version was active already when the job ran (a retry after its switch): its switch was finished (adoption, catch-up). */
  readonly alreadyActive: boolean;
  /** This run had made the version active, and another switch replaced it before the run's retry: nothing done. */
  readonly superseded: boolean;
  readonly reason: string | null;
  /** The promotion's gate verdicts (null for a rollback, which is not judged). */
  readonly gates: readonly GateVerdict[] | null;
  /** The admin's override when the gates failed and the version was promoted all the same. */
  readonly override?: PromotionOverride;
  readonly states: SwitchReport | null;
}

type Progress = (fraction: number, message?: string) => void;

export class ModelSwitchService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly training: TrainingService,
    private readonly runs: JobRunService,
    private readonly gates: readonly Gate[] = [new MetricGate()],
  ) {}

  /**
   * promoteModel: checks the version (in the actor's school, not active, with weights) and enqueues its
   * promotion. With `overrideReason`, the version is promoted even if its gates refuse it, and the
   * reason, the admin and the instant are stored with it (the gates still run, and their verdicts too).
   */
  async requestPromotion(actor: Actor, versionId: string, overrideReason?: string | null): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    const reason = overrideReason?.trim();
    if (overrideReason != null && (!reason || reason.length < OVERRIDE_REASON_LENGTH.min || reason.length > OVERRIDE_REASON_LENGTH.max)) {
      throw new BadInputError(
        `overrideReason must say why, in ${OVERRIDE_REASON_LENGTH.min} to ${formatBound(OVERRIDE_REASON_LENGTH.max)} characters`,
        {
          field: "overrideReason",
        },
      );
    }
    const row = await this.version(actor.schoolId, versionId);
    if (!row) throw new NotFoundError("ModelVersion", versionId);
    if (row.status === ModelStatus.Active) throw new ConflictError(`version ${row.version} is already active`);
    if (!row.weights) throw new ConflictError(`version ${row.version} has no weights`);
    const override: PromotionOverride | undefined = reason ? { reason, by: actor.subject, at: new Date().toISOString() } : undefined;
    const { id } = await this.runs.enqueue(
      JobName.PromoteModel,
      { schoolId: actor.schoolId, versionId: row.id, ...(override ? { override } : {}) },
      { schoolId: actor.schoolId },
    );
    return this.runs.get(actor, id);
  }

  /**
   * rollbackModel: enqueues the reactivation of the version active before the current one. The job
   * is pinned to that version, so a retry after its switch does not roll back once more.
   */
  async requestRollback(actor: Actor): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    const previous = await this.previous(actor.schoolId);
    if (!previous) throw new ConflictError("there is no previously active version to roll back to");
    if (!previous.weights) throw new ConflictError(`version ${previous.version} has no weights`);
    if (previous.erasedLearners > 0) throw new ConflictError(erasedRefusal(previous));
    const { id } = await this.runs.enqueue(
      JobName.RollbackModel,
      { schoolId: actor.schoolId, versionId: previous.id },
      { schoolId: actor.schoolId },
    );
    return this.runs.get(actor, id);
  }

  /**
   * The `promote-model` job: the gates re-checked against the active model on the evaluation learners
   * neither was trained on, then the switch (also when they refuse, if `opts.override` says why).
   * Progress: the gates 0–0.1, the switch 0.1–1.
   */
  promote(schoolId: string, versionId: string, opts: PromoteOptions = {}): Promise<SwitchOutcome> {
    const progress = this.progress(opts);
    return this.locked(schoolId, opts, progress, async () => {
      const row = await this.version(schoolId, versionId);
      if (!row) throw new NotFoundError("ModelVersion", versionId);
      if (row.status === ModelStatus.Active) return this.caughtUp(schoolId, row, progress);
      if (switchedByRun(row, opts.runId)) return supersededOutcome(row);
      if (!row.weights) return refused(row, `version ${row.version} has no weights`, null);
      progress(0, "re-checking the gates");
      let candidate: KnowledgeModel;
      try {
        candidate = loadModel(new Uint8Array(row.weights));
      } catch (e) {
        return refused(row, `version ${row.version}'s weights cannot be read: ${(e as Error).message}`, null);
      }
      const m = this.deps.dataSource.manager;
      const { evaluation } = partitionSchool(schoolId, await snapshotTrainingSet(m, schoolId, new Date()));
      const active = await this.models.get(schoolId);
      const against = active && active.versionId !== row.id ? active : null;
      const held = await comparisonSet(m, schoolId, evaluation, against ? [row.id, against.versionId] : [row.id]);
      const trained = await versionTrainingSet(m, schoolId, row.id, row.trainedTo);
      const subject = {
        kind: row.kind,
        trained,
        atTraining: false,
        erasedSince: row.erasedLearners,
        trainingOptions: storedTrainingOptions(row.metrics),
        ...(trained ? { recorded: trained.recorded } : {}),
      };
      const { verdicts, reports } = await judge(this.gates, schoolId, candidate, against?.model ?? null, held.set, subject);
      // The audits are kept whatever follows: an admin reads why a promotion was refused in them.
      await this.deps.dataSource.transaction((tx) => storeAuditReports(tx, schoolId, row.id, reports));
      const failed = verdicts.filter((v) => !v.passed);
      const refusal = `the gates refuse version ${row.version}: ${failed.map((v) => `${v.gate}: ${v.detail}`).join("; ")}`;
      if (failed.length && !opts.override) return refused(row, refusal, verdicts);
      if (failed.length)
        this.deps.logger.warn(
          { schoolId, modelVersion: row.version, by: opts.override!.by },
          "promotion against failed gates (admin override)",
        );
      const judgement: Judgement = { verdicts, evaluation: held.summary, ...(failed.length ? { override: opts.override! } : {}) };
      return this.switch(schoolId, row, judgement, (f) => progress(0.1 + 0.9 * f, "rebuilding learner states"), opts.runId);
    });
  }

  /**
   * The `rollback-model` job: the switch to `versionId` (pinned by the request; a version that was
   * active once), or without it to the version active before the current one (read when the job
   * runs). Not judged by the gates.
   */
  rollback(schoolId: string, versionId: string | undefined, opts: SwitchOptions = {}): Promise<SwitchOutcome | null> {
    const progress = this.progress(opts);
    return this.locked(schoolId, opts, progress, async () => {
      const row = versionId ? await this.version(schoolId, versionId) : await this.previous(schoolId);
      if (!row) {
        if (versionId) throw new NotFoundError("ModelVersion", versionId);
        return null;
      }
      if (row.status === ModelStatus.Active) return this.caughtUp(schoolId, row, progress);
      if (switchedByRun(row, opts.runId)) return supersededOutcome(row);
      // A rollback returns to a version that served once; any other goes through the gates (promote).
      if (row.status !== ModelStatus.Retired || !row.activatedAt)
        return refused(row, `version ${row.version} was never active: promote it instead`, null);
      if (!row.weights) return refused(row, `version ${row.version} has no weights`, null);
      // The right to erasure: a version whose weights still encode erased learners does not come back.
      if (row.erasedLearners > 0) return refused(row, erasedRefusal(row), null);
      return this.switch(schoolId, row, null, (f) => progress(f, "rebuilding learner states"), opts.runId);
    });
  }

  private async switch(
    schoolId: string,
    row: ModelVersion,
    judgement: Judgement | null,
    onProgress: (f: number) => void,
    runId?: string,
  ): Promise<SwitchOutcome> {
    const states = await this.training.states.switchTo(schoolId, row.id, judgement, onProgress, runId);
    this.deps.logger.info({ schoolId, modelVersion: row.version, ...states }, "model version switched in");
    return {
      modelVersionId: row.id,
      version: row.version,
      switched: true,
      alreadyActive: false,
      superseded: false,
      reason: null,
      gates: judgement?.verdicts ?? null,
      ...(judgement?.override ? { override: judgement.override } : {}),
      states,
    };
  }

  /**
   * Already active (a retry of a run killed after its switch transaction, or a duplicate request):
   * the switch is finished — what is still staged for it adopted, then the catch-up (StateRebuildService.commit).
   */
  private async caughtUp(schoolId: string, row: ModelVersion, progress: Progress): Promise<SwitchOutcome> {
    const finished = await this.training.states.commit(schoolId, row, { onProgress: (f) => progress(f, "finishing the switch") });
    return {
      modelVersionId: row.id,
      version: row.version,
      switched: true,
      alreadyActive: true,
      superseded: false,
      reason: null,
      gates: null,
      states: { staged: 0, ...finished },
    };
  }

  private locked<T>(schoolId: string, opts: SwitchOptions, progress: Progress, work: () => Promise<T>): Promise<T> {
    return this.training.switchLock.hold(
      schoolId,
      { signal: opts.signal, onWait: () => progress(0, "waiting for another switch of the school's model") },
      async () => {
        const out = await work();
        progress(1, "done");
        return out;
      },
    );
  }

  private progress(opts: SwitchOptions): Progress {
    return (f, message) => opts.onProgress?.(Math.max(0, Math.min(1, f)), message);
  }

  private version(schoolId: string, id: string): Promise<ModelVersion | null> {
    return this.deps.dataSource.getRepository(ModelVersion).findOneBy({ id, schoolId });
  }

  /** The version that was active before the current one. */
  private async previous(schoolId: string): Promise<ModelVersion | null> {
    const [row] = (await this.deps.dataSource.query(
      `SELECT id FROM model_version WHERE school_id = $1 AND status = $2 AND activated_at IS NOT NULL ORDER BY activated_at DESC LIMIT 1`,
      [schoolId, ModelStatus.Retired],
    )) as { id: string }[];
    return row ? this.version(schoolId, row.id) : null;
  }
}

const refused = (row: ModelVersion, reason: string, gates: readonly GateVerdict[] | null): SwitchOutcome => ({
  modelVersionId: row.id,
  version: row.version,
  switched: false,
  alreadyActive: false,
  superseded: false,
  reason,
  gates,
  states: null,
});

/** Whether the run `runId` made this (no longer active) version active: its switch was done, then replaced. */
const switchedByRun = (row: ModelVersion, runId: string | undefined): boolean =>
  runId !== undefined && (row.metrics as { activatedByRun?: unknown } | null)?.activatedByRun === runId;

/** A retry whose own switch was since replaced by another one: a success that changes nothing. */
const supersededOutcome = (row: ModelVersion): SwitchOutcome => ({
  modelVersionId: row.id,
  version: row.version,
  switched: true,
  alreadyActive: false,
  superseded: true,
  reason: `this run made version ${row.version} active; another switch has replaced it since: left as it is`,
  gates: null,
  states: null,
});

/** Why a version trained on learners erased since is not rolled back to. */
const erasedRefusal = (row: ModelVersion) =>
  `version ${row.version} was trained on ${row.erasedLearners} learner(s) erased since, whom its weights still encode: retrain instead of rolling back to it`;
