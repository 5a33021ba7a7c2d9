/**
 * The active learned policy of each school, loaded from its PolicyVersion row and cached, as
 * ActiveModels caches knowledge models: a request checks at most once per `ttlMs` whether the active
 * policy changed (one indexed read), so a policy put live by another process (a worker's train-policy
 * job) is picked up within that time, and at once in this process through `invalidate`. Loaded at start
 * by `warmUp` (app.ts), beside the models.
 *
 * A policy file this build cannot read (corrupt, another format version, another feature layout) never
 * fails a request: the entry keeps the engine's typed error, and recommendations(strategy: POLICY) falls
 * back to the ZPD rule saying why (policy-serving.ts).
 */
import { DataSource, EntityManager } from "typeorm";
import { EngineError } from "../../engine/errors.js";
import { type LearnedPolicy, loadPolicy } from "../../engine/policy/index.js";
import { PolicyStatus, PolicyVersion } from "../../persistence/policy/policy-version.entity.js";
import type { Logger } from "../../shared/logger.js";

/** A school's active policy as served. */
export interface LoadedPolicy {
  readonly versionId: string;
  readonly version: number;
  /** The knowledge model version it was trained with. */
  readonly modelVersionId: string;
  readonly curriculumFingerprint: string;
  /** The policy, or why its file cannot be read (the engine's code and message). */
  readonly policy: LearnedPolicy | null;
  readonly loadError: { readonly code: string; readonly message: string } | null;
}

interface Entry {
  checkedAt: number;
  versionId: string | null;
  loaded: LoadedPolicy | null;
}

/** Reads a stored policy row (with its file) into what is served. */
export function loadPolicyVersion(row: PolicyVersion & { policy: string }): LoadedPolicy {
  const base = {
    versionId: row.id,
    version: row.version,
    modelVersionId: row.modelVersionId,
    curriculumFingerprint: row.curriculumFingerprint,
  };
  try {
    return { ...base, policy: loadPolicy(row.policy), loadError: null };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { ...base, policy: null, loadError: { code: e.code, message: e.message } };
  }
}

export class ActivePolicies {
  private readonly cache = new Map<string, Entry>();
  private warming: Promise<number> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The school's active policy (possibly unreadable: `loadError`), or null when none is active. */
  async get(schoolId: string, m: EntityManager = this.dataSource.manager): Promise<LoadedPolicy | null> {
    const cached = this.cache.get(schoolId);
    const t = this.now();
    if (cached && t - cached.checkedAt < this.ttlMs) return cached.loaded;
    const rows: { id: string }[] = await m.query(`SELECT id FROM policy_version WHERE school_id = $1 AND status = $2`, [
      schoolId,
      PolicyStatus.Active,
    ]);
    const versionId = rows[0]?.id ?? null;
    if (cached && cached.versionId === versionId) {
      cached.checkedAt = t;
      return cached.loaded;
    }
    let loaded: LoadedPolicy | null = null;
    if (versionId) {
      const row = (await m
        .getRepository(PolicyVersion)
        .createQueryBuilder("pv")
        .addSelect("pv.policy")
        .where("pv.id = :id", { id: versionId })
        .getOneOrFail()) as PolicyVersion & { policy: string };
      loaded = loadPolicyVersion(row);
      if (loaded.loadError) {
        this.logger.error(
          { schoolId, policyVersion: row.version, code: loaded.loadError.code, err: loaded.loadError.message },
          "the active policy cannot be loaded; POLICY recommendations fall back to the ZPD rule",
        );
      } else this.logger.info({ schoolId, policyVersion: row.version }, "active policy loaded");
    }
    this.cache.set(schoolId, { checkedAt: t, versionId, loaded });
    return loaded;
  }

  /** Loads every school's active policy, once per process (a failure lets the next call try again); returns how many. */
  warmUp(): Promise<number> {
    this.warming ??= (async () => {
      const rows: { school_id: string }[] = await this.dataSource.query(`SELECT school_id FROM policy_version WHERE status = $1`, [
        PolicyStatus.Active,
      ]);
      for (const r of rows) await this.get(r.school_id);
      return rows.length;
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
