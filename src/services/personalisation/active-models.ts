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

/** Every school's ACTIVE version (id, number, kind), one indexed read: what /readyz loads and /metrics shows. */
export async function activeVersions(m: EntityManager): Promise<{ schoolId: string; versionId: string; version: number; kind: string }[]> {
  const rows: { school_id: string; id: string; version: number; kind: string }[] = await m.query(
    `SELECT school_id, id, version, kind FROM model_version WHERE status = $1 ORDER BY school_id`,
    [ModelStatus.Active],
  );
  return rows.map((r) => ({ schoolId: r.school_id, versionId: r.id, version: Number(r.version), kind: r.kind }));
}

/** What a warm-up loaded: schools with an active version, and of them those whose model this build cannot read. */
export interface WarmUp {
  readonly schools: number;
  readonly unreadable: number;
}

interface Entry {
  checkedAt: number;
  versionId: string | null;
  loaded: LoadedModel | null;
}

export class ActiveModels {
  private readonly cache = new Map<string, Entry>();
  private warming: Promise<WarmUp> | null = null;

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

  /**
   * Loads every school's active model into the cache, once per process (the first call starts it, later
   * calls share it; a failure lets the next call try again). A model this build cannot read is counted,
   * not thrown: its school is served without a model, as `get` does.
   */
  warmUp(): Promise<WarmUp> {
    this.warming ??= (async () => {
      const active = await activeVersions(this.dataSource.manager);
      let unreadable = 0;
      for (const a of active) {
        await this.get(a.schoolId);
        const entry = this.cache.get(a.schoolId);
        if (entry?.versionId && !entry.loaded) unreadable++;
      }
      return { schools: active.length, unreadable };
    })();
    this.warming.catch(() => {
      this.warming = null;
    });
    return this.warming;
  }

  invalidate(schoolId: string): void {
    this.cache.delete(schoolId);
  }
}
