/**
 * The active model of each school, loaded from its ModelVersion row and cached. A request checks
 * at most once per `ttlMs` whether the active version changed (one indexed read), so a promotion
 * or a rollback made by another process is picked up within that time, and at once in this process
 * through `invalidate`.
 */
import { DataSource, EntityManager } from "typeorm";
import { loadModel } from "../../engine/registry.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import type { KnowledgeModel } from "../../engine/types.js";
import { loadTaskEmbedding, type TaskEmbedding } from "../../engine/embedding/index.js";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import type { Logger } from "../../shared/logger.js";

export class LoadedModel {
  private readonly known = new Map<string, boolean>();
  /** The tag the model puts in every state it makes: a stored state with another tag must be rebuilt. */
  readonly stateTag: string;

  constructor(
    readonly versionId: string,
    readonly version: number,
    readonly kind: string,
    readonly model: KnowledgeModel,
    /** The version's task embedding (similar tasks); null for a version trained without one. */
    readonly embedding: TaskEmbedding | null = null,
  ) {
    this.stateTag = model.initialState().model;
  }

  /** Whether a stored state (of version `versionId`) can be used as it is under this model. */
  owns(versionId: string | null, state: unknown): boolean {
    return versionId === this.versionId && (state as { model?: unknown } | null)?.model === this.stateTag;
  }

  /** Whether the model's catalogue has the task (tasks created after training do not). Memoised. */
  knowsTask(taskId: string): boolean {
    let k = this.known.get(taskId);
    if (k === undefined) {
      try {
        this.model.predict(this.model.initialState(), taskId);
        k = true;
      } catch (e) {
        if (!(e instanceof EngineError) || e.code !== EngineErrorCode.UnknownTask) throw e;
        k = false;
      }
      this.known.set(taskId, k);
    }
    return k;
  }
}

/** A version's model (and task embedding) as the services use it; an EngineError when this build cannot read it. */
export function loadVersion(row: ModelVersion): LoadedModel {
  if (!row.weights) throw new EngineError(EngineErrorCode.CorruptModel, "the version has no weights");
  const embedding = row.taskEmbedding ? loadTaskEmbedding(new Uint8Array(row.taskEmbedding)) : null;
  return new LoadedModel(row.id, row.version, row.kind, loadModel(new Uint8Array(row.weights)), embedding);
}

/** The id of the school's ACTIVE model version as stored (null: none), read afresh (no cache). */
export async function activeVersionId(m: EntityManager, schoolId: string): Promise<string | null> {
  const rows: { id: string }[] = await m.query(`SELECT id FROM model_version WHERE school_id = $1 AND status = $2`, [
    schoolId,
    ModelStatus.Active,
  ]);
  return rows[0]?.id ?? null;
}

interface Entry {
  checkedAt: number;
  versionId: string | null;
  loaded: LoadedModel | null;
}

export class ActiveModels {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The school's active model, or null when none is active yet. */
  async get(schoolId: string, m: EntityManager = this.dataSource.manager): Promise<LoadedModel | null> {
    const cached = this.cache.get(schoolId);
    const t = this.now();
    if (cached && t - cached.checkedAt < this.ttlMs) return cached.loaded;
    const versionId = await activeVersionId(m, schoolId);
    if (cached && cached.versionId === versionId) {
      cached.checkedAt = t;
      return cached.loaded;
    }
    let loaded: LoadedModel | null = null;
    if (versionId) {
      const row = await m.findOneByOrFail(ModelVersion, { id: versionId });
      try {
        loaded = loadVersion(row);
        this.logger.info({ schoolId, modelVersion: row.version, kind: row.kind }, "active model loaded");
      } catch (e) {
        // A model this build cannot read (another format version, damaged bytes) must not take the API
        // down: the school is served non-personalised until a readable model is promoted.
        if (!(e instanceof EngineError)) throw e;
        this.logger.error(
          { schoolId, modelVersion: row.version, code: e.code, err: e.message },
          "the active model cannot be loaded; serving without a model",
        );
      }
    }
    this.cache.set(schoolId, { checkedAt: t, versionId, loaded });
    return loaded;
  }

  invalidate(schoolId: string): void {
    this.cache.delete(schoolId);
  }
}
