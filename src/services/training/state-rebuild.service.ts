/**
 * Learner states under a model version, rebuilt in batches — the expensive part of a promotion.
 *
 * A switch of the active version (promotion, rollback, a first model) goes in three steps:
 * 1. **stage**: every consenting learner's history is replayed under the target version into
 *    `learner_state_staged`, in batches, while the active model keeps serving. Resumable: a run after
 *    a crash stages only the learners without a current staged state.
 * 2. **switch**: one transaction retires the active version, activates the target and adopts every
 *    staged state whose learner has not changed since it was read (the row's `version` guard). Readers
 *    see the old model with its states, or the new one with its states.
 * 3. **catch up**: a learner whose attempts arrived during the staging was not adopted; its state is
 *    replayed now (and, until then, by any attempt or read that meets it: a state of another version
 *    is never used as is). So an attempt that arrives during a promotion is applied exactly once.
 */
import type { EntityManager } from "typeorm";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { loadVersion, type ActiveModels, type LoadedModel } from "../personalisation/active-models.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import type { ServiceDeps } from "../service-deps.js";
import type { GateVerdict } from "./gates.js";

/** Learners replayed per transaction. */
export const REBUILD_BATCH = 500;
/**
 * Batches in flight on a server: while Node replays one batch, PostgreSQL reads or writes the other
 * (2 cores). Embedded PGlite has one connection: batches go one after the other there.
 */
export const REBUILD_IN_FLIGHT = 3;

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
   * three steps above). `verdicts`: the promotion's gate verdicts, stored with the version.
   * Progress: staging is 0–0.95 of the work.
   */
  async switchTo(schoolId: string, versionId: string, verdicts: GateVerdict[] | null = null, onProgress?: (fraction: number) => void): Promise<SwitchReport> {
    const row = await this.deps.dataSource.getRepository(ModelVersion).findOneByOrFail({ id: versionId, schoolId });
    const target = loadVersion(row);
    const staged = await this.stage(schoolId, target, (f) => onProgress?.(0.95 * f));
    const { adopted, caughtUp } = await this.commit(schoolId, row, verdicts);
    onProgress?.(1);
    return { staged, adopted, caughtUp };
  }

  /**
   * Steps 2 and 3 (after `stage`): the switch transaction, adopting the staged states still current,
   * then the catch-up of the learners that changed since they were staged.
   */
  async commit(schoolId: string, row: ModelVersion, verdicts: GateVerdict[] | null = null): Promise<Omit<SwitchReport, "staged">> {
    const adopted = await withConflictRetry(() => this.deps.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('zpd:model-version:' || $1))`, [schoolId]);
      await m.query(`UPDATE model_version SET status = $2, updated_at = now() WHERE school_id = $1 AND status = $3 AND id <> $4`, [schoolId, ModelStatus.Retired, ModelStatus.Active, row.id]);
      await m.query(
        `UPDATE model_version SET status = $2, activated_at = now(), updated_at = now(),
           metrics = CASE WHEN $3::jsonb IS NULL THEN metrics ELSE jsonb_set(metrics, '{promotionGates}', $3::jsonb) END
         WHERE id = $1`,
        [row.id, ModelStatus.Active, verdicts ? JSON.stringify(verdicts) : null],
      );
      // The adopted rows are locked first, in learner id order (the order of every multi-learner
      // write: attempt batches, rebuild batches), so the switch cannot deadlock with them.
      await m.query(
        `SELECT s.learner_id FROM learner_state s JOIN learner_state_staged st ON st.learner_id = s.learner_id AND st.model_version_id = $1
         WHERE s.version = st.source_version ORDER BY s.learner_id FOR UPDATE OF s`,
        [row.id],
      );
      const [{ n }] = (await m.query(
        `WITH adopted AS (
           UPDATE learner_state s SET state = st.state, mastery = st.mastery, model_version_id = st.model_version_id,
             attempt_count = st.attempt_count, last_attempt_at = st.last_attempt_at, version = s.version + 1, updated_at = now()
           FROM learner_state_staged st
           WHERE st.model_version_id = $1 AND st.learner_id = s.learner_id AND s.version = st.source_version
             AND EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = s.learner_id AND c.purpose = $2 AND c.granted)
           RETURNING 1)
         SELECT count(*)::int AS n FROM adopted`,
        [row.id, ConsentPurpose.Personalisation],
      )) as { n: number }[];
      // Staged states of any version are consumed or stale once the active version changes.
      await m.query(`DELETE FROM learner_state_staged WHERE school_id = $1`, [schoolId]);
      return n;
    }), "switching the active model");
    this.models.invalidate(schoolId);
    this.deps.logger.info({ schoolId, modelVersion: row.version, adopted }, "active model switched");
    const caughtUp = await this.rebuildActive(schoolId);
    return { adopted, caughtUp };
  }

  /**
   * Stages, under `target` (not active), the state of every consenting learner that has no current
   * staged state for it. Returns the number staged by this run.
   */
  async stage(schoolId: string, target: LoadedModel, onProgress?: (fraction: number) => void): Promise<number> {
    // Another version's staged states are left from a promotion that never switched: not kept.
    await this.deps.dataSource.query(`DELETE FROM learner_state_staged WHERE school_id = $1 AND model_version_id <> $2`, [schoolId, target.versionId]);
    const rows: { learner_id: string }[] = await this.deps.dataSource.query(
      `SELECT c.learner_id FROM consent c
         LEFT JOIN learner_state s ON s.learner_id = c.learner_id
         LEFT JOIN learner_state_staged st ON st.learner_id = c.learner_id AND st.model_version_id = $3
       WHERE c.school_id = $1 AND c.purpose = $2 AND c.granted AND (st.learner_id IS NULL OR st.source_version IS DISTINCT FROM s.version)
       ORDER BY c.learner_id`,
      [schoolId, ConsentPurpose.Personalisation, target.versionId],
    );
    return this.inBatches(schoolId, rows.map((r) => r.learner_id), "a state staging batch",
      (m, batch, qMatrix) => this.learnerModel.stageMany(m, target, schoolId, batch, qMatrix), onProgress);
  }

  /**
   * Rebuilds, under the active model, every consenting learner whose state does not belong to it
   * (the catch-up after a switch; the `rebuild-states` job). Resumable: a crash leaves some learners
   * rebuilt, and the next run (or their next attempt) takes the rest. Returns the number rebuilt.
   */
  async rebuildActive(schoolId: string, onProgress?: (fraction: number) => void): Promise<number> {
    const active = await this.models.get(schoolId);
    if (!active) return 0;
    const rows: { learner_id: string }[] = await this.deps.dataSource.query(
      `SELECT c.learner_id FROM consent c LEFT JOIN learner_state s ON s.learner_id = c.learner_id
       WHERE c.school_id = $1 AND c.purpose = $2 AND c.granted
         AND (s.model_version_id IS DISTINCT FROM $3 OR s.state->>'model' IS DISTINCT FROM $4)
       ORDER BY c.learner_id`,
      [schoolId, ConsentPurpose.Personalisation, active.versionId, active.stateTag],
    );
    return this.inBatches(schoolId, rows.map((r) => r.learner_id), "a state rebuild batch",
      (m, batch, qMatrix) => this.learnerModel.rebuildMany(m, schoolId, batch, qMatrix), onProgress);
  }

  /**
   * Runs `write` on batches of `ids`, each in its own transaction (re-run on a deadlock), with up to
   * REBUILD_IN_FLIGHT batches at once. After a failure the other worker finishes its batch and
   * stops; the first error is thrown once nothing is in flight any more. Returns the sum written.
   */
  private async inBatches(
    schoolId: string, ids: readonly string[], what: string,
    write: (m: EntityManager, batch: string[], qMatrix: Map<string, string[]>) => Promise<number>,
    onProgress?: (fraction: number) => void,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    // Read once for every batch (a task created meanwhile is unknown to the model: nothing to replay for it).
    const qMatrix = await this.learnerModel.qMatrix(this.deps.dataSource.manager, schoolId);
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
          const n = await withConflictRetry(() => this.deps.dataSource.transaction((m) => write(m, batch, qMatrix)), what);
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
