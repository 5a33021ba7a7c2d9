import { SelectQueryBuilder } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { formatBound, MAX_NOTES_LENGTH } from "../common/input-bounds.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { ModelStatus, ModelVersion } from "../../persistence/model/model-version.entity.js";
import { AuditKind, AuditReport } from "../../persistence/model/audit-report.entity.js";
import { ServiceDeps } from "../service-deps.js";

export { AuditKind, ModelStatus };

/** A model version as it may be shown: everything but the weights, of which only their presence. */
export type ModelVersionInfo = Omit<ModelVersion, "weights" | "taskEmbedding" | "school"> & { readonly hasWeights: boolean };

export interface UpdateModelVersion {
  readonly notes?: string | null;
}

const READERS = [Role.Admin, Role.Analyst, Role.Service];

/** Every column of model_version except the weights (never read into memory for a listing). */
const COLUMNS = [
  "id",
  "schoolId",
  "createdAt",
  "version",
  "kind",
  "status",
  "trainedFrom",
  "trainedTo",
  "metrics",
  "notes",
  "activatedAt",
  "updatedAt",
  "erasedLearners",
] as const;

/**
 * Trained models and their audits: read by admins, analysts and services; an admin may annotate a
 * version. Versions and audits are created by the training jobs.
 */
export class ModelVersionService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(actor: Actor, filter: { status?: ModelStatus | null }, page: PageArgs): Promise<Page<ModelVersionInfo>> {
    requireRole(actor, ...READERS);
    const qb = this.versions(actor);
    if (filter.status) qb.andWhere("mv.status = :status", { status: filter.status });
    const p = await paginate(qb, byId("mv"), page, this.deps.maxPageSize);
    return { ...p, nodes: await this.withWeightsFlag(p.nodes) };
  }

  async get(actor: Actor, id: string): Promise<ModelVersionInfo> {
    requireRole(actor, ...READERS);
    const row = await this.versions(actor).andWhere("mv.id = :id", { id }).getOne();
    if (!row) throw new NotFoundError("ModelVersion", id);
    return (await this.withWeightsFlag([row]))[0]!;
  }

  /** The school's active model, if any. */
  async active(actor: Actor): Promise<ModelVersionInfo | null> {
    requireRole(actor, ...READERS);
    const row = await this.versions(actor).andWhere("mv.status = :status", { status: ModelStatus.Active }).getOne();
    return row ? (await this.withWeightsFlag([row]))[0]! : null;
  }

  async update(actor: Actor, id: string, input: UpdateModelVersion): Promise<ModelVersionInfo> {
    requireRole(actor, Role.Admin);
    if (input.notes != null && input.notes.length > MAX_NOTES_LENGTH)
      throw new BadInputError(`notes must hold at most ${formatBound(MAX_NOTES_LENGTH)} characters`, { field: "notes" });
    const res = await this.deps.dataSource
      .getRepository(ModelVersion)
      .update({ id, schoolId: actor.schoolId }, { ...(input.notes != null ? { notes: input.notes } : {}), updatedAt: new Date() });
    if (!res.affected) throw new NotFoundError("ModelVersion", id);
    return this.get(actor, id);
  }

  /** Batch read for data loaders. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<ModelVersionInfo[]> {
    requireRole(actor, ...READERS);
    return this.withWeightsFlag(
      await this.versions(actor)
        .andWhere("mv.id = ANY(:ids)", { ids: [...ids] })
        .getMany(),
    );
  }

  async audits(actor: Actor, modelVersionId: string, page: PageArgs): Promise<Page<AuditReport>> {
    requireRole(actor, ...READERS);
    const m = this.deps.dataSource.manager;
    if (!(await m.existsBy(ModelVersion, { id: modelVersionId, schoolId: actor.schoolId })))
      throw new NotFoundError("ModelVersion", modelVersionId);
    const qb = m
      .getRepository(AuditReport)
      .createQueryBuilder("ar")
      .where("ar.school_id = :s AND ar.model_version_id = :mv", { s: actor.schoolId, mv: modelVersionId });
    return paginate(qb, byId("ar"), page, this.deps.maxPageSize);
  }

  async audit(actor: Actor, id: string): Promise<AuditReport> {
    requireRole(actor, ...READERS);
    const row = await this.deps.dataSource.getRepository(AuditReport).findOneBy({ id, schoolId: actor.schoolId });
    if (!row) throw new NotFoundError("AuditReport", id);
    return row;
  }

  private versions(actor: Actor): SelectQueryBuilder<ModelVersion> {
    return this.deps.dataSource
      .getRepository(ModelVersion)
      .createQueryBuilder("mv")
      .select(COLUMNS.map((c) => `mv.${c}`))
      .where("mv.school_id = :s", { s: actor.schoolId });
  }

  private async withWeightsFlag(rows: ModelVersion[]): Promise<ModelVersionInfo[]> {
    if (!rows.length) return [];
    const withWeights: { id: string }[] = await this.deps.dataSource.query(
      `SELECT id FROM model_version WHERE id = ANY($1::uuid[]) AND weights IS NOT NULL`,
      [rows.map((r) => r.id)],
    );
    const has = new Set(withWeights.map((r) => r.id));
    return rows.map((r) => {
      const { weights: _w, ...rest } = r;
      void _w;
      return { ...rest, hasWeights: has.has(r.id) };
    });
  }
}
