/**
 * Learner states under a model version, rebuilt in batches — the expensive part of a promotion.
 *
 * A switch of the active version (promotion, rollback, a first model) goes in four steps:
 * 1. **stage**: every consenting learner's history is replayed under the target version into
 *    `learner_state_staged`, in batches, while the active model keeps serving with its own states.
 *    Resumable: a run after a crash stages only the learners without a current staged state.
 * 2. **switch**: one short transaction retires the active version and activates the target.
 * 3. **adopt**: in batches, every staged state whose learner has not changed since it was read (the
 *    row's `version` guard) is copied into `learner_state`. A learner not adopted yet holds a state of
 *    the previous version: reads and attempts replay its history under the active model meanwhile
 *    (a state of another version is never used as is), so answers are right, only slower, for the
 *    few seconds the copy takes.
 * 4. **catch up**: a learner whose attempts arrived during the staging was not adopted; its state is
 *    replayed now (and, until then, by any attempt or read that meets it). So an attempt that
 *    arrives during a promotion is applied exactly once.
 *
 * After step 4 the tasks' difficulties are recalibrated under the version now active
 * (difficulty-calibration.ts).
 */
import type { EntityManager } from "typeorm";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import { statePrefix } from "../../persistence/learner/learner-state-codec.js";
import {
  adoptStagedBatch,
  dropOtherStaged,
  learnersToStage,
  staleLearners,
  stagedLearners,
} from "../../persistence/learner/learner-state.store.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { loadVersion, type ActiveModels, type LoadedModel } from "../personalisation/active-models.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import type { ServiceDeps } from "../service-deps.js";
import { judgementMetrics, type Judgement } from "./gates.js";
import { calibrateDifficulties } from "./difficulty-calibration.js";

/** Learners replayed per transaction. */
export const REBUILD_BATCH = 500;
/**
 * Batches in flight on a server: while Node replays one batch, PostgreSQL reads or writes the other
 * (2 cores). Embedded PGlite has one connection: batches go one after the other there.
 */
export const REBUILD_IN_FLIGHT = 3;

/** How `commit` records and reports a switch. */
export interface CommitOptions {
  /** The promotion's judgement (verdicts, the set judged on, an admin's override), stored with the version. */
  readonly judgement?: Judgement | null;
  /** The adoption's progress, 0–1. */
  readonly onProgress?: (fraction: number) => void;
  /** The job run making the switch, stored as `metrics.activatedByRun`. */
  readonly runId?: string;
  /** The version's model when the caller has it loaded (else it is read again for the recalibration). */
  readonly loaded?: LoadedModel;
}

/** What a switch did: learners staged before it, adopted in it, replayed after it. */
export interface SwitchReport {
  readonly staged: number;
  readonly adopted: number;
  readonly caughtUp: number;
}

export class StateRebuildService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly learnerModel: LearnerModelService,
  ) {}

  /**
   * Makes `versionId` the school's active version with every learner's state rebuilt under it (the
   * steps above). `judgement`: the promotion's gate verdicts (and override), stored with the version; `runId`: the
   * job run making the switch, stored as `metrics.activatedByRun` (a retry of that run can tell its
   * own switch, later replaced by another, from a version it still has to switch to).
   * Progress: staging is 0–0.95 of the work, the adoption the rest.
   */
  async switchTo(
    schoolId: string,
    versionId: string,
    judgement: Judgement | null = null,
    onProgress?: (fraction: number) => void,
    runId?: string,
  ): Promise<SwitchReport> {
    const row = await this.deps.dataSource.getRepository(ModelVersion).findOneByOrFail({ id: versionId, schoolId });
    const target = loadVersion(row);
    const staged = await this.stage(schoolId, target, (f) => onProgress?.(0.95 * f));
    const { adopted, caughtUp } = await this.commit(schoolId, row, {
      judgement,
      onProgress: (f) => onProgress?.(0.95 + 0.05 * f),
      runId,
      loaded: target,
    });
    onProgress?.(1);
    return { staged, adopted, caughtUp };
  }

  /**
   * Steps 2 to 4 (after `stage`): the switch transaction, the adoption of the staged states still
   * current, the catch-up of the learners that changed since they were staged, then the tasks'
   * difficulties recalibrated under the version. Also finishes a switch interrupted after its
   * transaction (the version already active: what is still staged for it is adopted, then the
   * catch-up and the recalibration run).
   */
  async commit(
    schoolId: string,
    row: Pick<ModelVersion, "id" | "version">,
    opts: CommitOptions = {},
  ): Promise<Omit<SwitchReport, "staged">> {
    const { judgement = null, onProgress, runId, loaded } = opts;
    await withConflictRetry(
      () =>
        this.deps.dataSource.transaction(async (m) => {
          await m.query(`SELECT pg_advisory_xact_lock(hashtext('zpd:model-version:' || $1))`, [schoolId]);
          await m.query(`UPDATE model_version SET status = $2, updated_at = now() WHERE school_id = $1 AND status = $3 AND id <> $4`, [
            schoolId,
            ModelStatus.Retired,
            ModelStatus.Active,
            row.id,
          ]);
          await m.query(
            `UPDATE model_version SET status = $2, activated_at = CASE WHEN status::text = $4 THEN activated_at ELSE now() END, updated_at = now(),
           metrics = metrics || COALESCE($3::jsonb, '{}'::jsonb)
             || CASE WHEN $5::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('activatedByRun', $5::text) END
         WHERE id = $1`,
            [row.id, ModelStatus.Active, judgement ? JSON.stringify(judgementMetrics(judgement)) : null, ModelStatus.Active, runId ?? null],
          );
        }),
      "switching the active model",
    );
    this.models.invalidate(schoolId);
    this.deps.logger.info({ schoolId, modelVersion: row.version }, "active model switched");
    const adopted = await this.adopt(schoolId, row.id, onProgress);
    const caughtUp = await this.rebuildActive(schoolId);
    // Last: a failure here (the job is retried, and the retry recalibrates) never holds up the states.
    await this.recalibrate(
      schoolId,
      loaded ?? loadVersion(await this.deps.dataSource.getRepository(ModelVersion).findOneByOrFail({ id: row.id, schoolId })),
    );
    return { adopted, caughtUp };
  }

  /** Task.difficulty under `loaded`, the version just made active (difficulty-calibration.ts). */
  private async recalibrate(schoolId: string, loaded: LoadedModel): Promise<void> {
    if (await calibrateDifficulties(this.deps.dataSource, schoolId, loaded)) this.deps.curriculumChanged?.(schoolId);
  }

  /**
   * Adopts, in batches after the switch, every staged state of `versionId` whose learner has not
   * changed since it was staged (the row's `version` guard) and still consents; each batch deletes
   * its staged rows (adopted, or stale). Until its batch commits, a learner's row holds a state of
   * the previous version, which every read and attempt replays under the active model (never uses
   * as is): correct, only slower. Batches, not one
   * transaction, so that no learner's attempts wait for more than one batch (an atomic adoption held
   * every learner's row lock for its whole duration: ~40 s at 1M learners).
   */
  private async adopt(schoolId: string, versionId: string, onProgress?: (fraction: number) => void): Promise<number> {
    const staged = await stagedLearners(this.deps.dataSource, schoolId, versionId);
    // Each batch's rows locked in learner id order, then adopted where still current (adoptStagedBatch).
    const adopted = await this.inBatches(
      staged,
      "a staged state adoption batch",
      (m, batch) => adoptStagedBatch(m, versionId, batch),
      onProgress,
    );
    // Any other version's staged states (a promotion that never switched) are left to the next
    // staging run, which deletes them first: a DELETE by school here would visit every row just deleted.
    return adopted;
  }

  /**
   * Stages, under `target` (not active), the state of every consenting learner that has no current
   * staged state for it. Returns the number staged by this run.
   */
  async stage(schoolId: string, target: LoadedModel, onProgress?: (fraction: number) => void): Promise<number> {
    // Another version's staged states are left from a promotion that never switched: not kept.
    await dropOtherStaged(this.deps.dataSource, schoolId, target.versionId);
    const learners = await learnersToStage(this.deps.dataSource, schoolId, target.versionId);
    if (learners.length === 0) return 0;
    // Read once for every batch (a task created meanwhile is unknown to the model: nothing to replay for it).
    const qMatrix = await this.learnerModel.qMatrix(this.deps.dataSource.manager, schoolId);
    return this.inBatches(
      learners,
      "a state staging batch",
      (m, batch) => this.learnerModel.stageMany(m, target, schoolId, batch, qMatrix),
      onProgress,
    );
  }

  /**
   * Rebuilds, under the active model, every consenting learner whose state does not belong to it
   * (the catch-up after a switch; the `rebuild-states` job). Resumable: a crash leaves some learners
   * rebuilt, and the next run (or their next attempt) takes the rest. Returns the number rebuilt.
   */
  async rebuildActive(schoolId: string, onProgress?: (fraction: number) => void): Promise<number> {
    const active = await this.models.get(schoolId);
    if (!active) return 0;
    const stale = await staleLearners(this.deps.dataSource, {
      schoolId,
      versionId: active.versionId,
      statePrefix: statePrefix(active.stateTag),
    });
    if (stale.length === 0) return 0;
    const qMatrix = await this.learnerModel.qMatrix(this.deps.dataSource.manager, schoolId);
    return this.inBatches(
      stale,
      "a state rebuild batch",
      (m, batch) => this.learnerModel.rebuildMany(m, schoolId, batch, qMatrix),
      onProgress,
    );
  }

  /**
   * Runs `write` on batches of `ids`, each in its own transaction (re-run on a deadlock), with up to
   * REBUILD_IN_FLIGHT batches at once. After a failure the other worker finishes its batch and
   * stops; the first error is thrown once nothing is in flight any more. Returns the sum written.
   */
  private async inBatches(
    ids: readonly string[],
    what: string,
    write: (m: EntityManager, batch: string[]) => Promise<number>,
    onProgress?: (fraction: number) => void,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const batches = Math.ceil(ids.length / REBUILD_BATCH);
    const poolSize = (this.deps.dataSource.options as { poolSize?: number }).poolSize;
    const inFlight = poolSize === 1 ? 1 : Math.min(REBUILD_IN_FLIGHT, batches);
    let next = 0;
    let done = 0;
    let written = 0;
    let failed = false;
    const worker = async () => {
      while (next < batches && !failed) {
        const b = next++;
        const batch = ids.slice(b * REBUILD_BATCH, (b + 1) * REBUILD_BATCH);
        try {
          // Awaited first: `written += await …` would read `written` before the other worker adds to it.
          const n = await withConflictRetry(() => this.deps.dataSource.transaction((m) => write(m, batch)), what);
          written += n;
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
    return written;
  }
}
