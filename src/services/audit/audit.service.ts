/**
 * Audits on request and on schedule (the gates audit candidates themselves: fairness.gate.ts, privacy.gate.ts):
 * - `runAudit` (admins) enqueues an audit of a version of the school, the active one by default;
 * - the `fairness-audit` and `privacy-audit` jobs audit it on the school's evaluation learners that the
 *   version was not trained on, with the live data, and store the AuditReport;
 * - `reportPage` renders a stored report as a self-contained HTML page (admins).
 */
import { loadModel } from "../../engine/registry.js";
import type { KnowledgeModel } from "../../engine/types.js";
import { AuditKind, AuditReport } from "../../persistence/model/audit-report.entity.js";
import { ModelVersion } from "../../persistence/model/model-version.entity.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, NotFoundError } from "../common/domain-error.js";
import type { JobRun, JobRunService } from "../jobs/job-run.service.js";
import { JobName } from "../jobs/queues.js";
import { activeVersionId } from "../personalisation/active-models.js";
import type { ServiceDeps } from "../service-deps.js";
import { comparisonSet, partitionSchool } from "../training/comparison-set.js";
import { snapshotTrainingSet, versionTrainingSet } from "../training/training-set.js";
import { storedTrainingOptions } from "../training/private-fit.js";
import { type AuditRecord, storeAuditReports } from "./audit-record.js";
import type { FairnessAuditor } from "./fairness-audit.service.js";
import type { PrivacyAuditor } from "./privacy-audit.service.js";
import { renderAuditReport } from "./report/index.js";

export interface AuditOutcome {
  readonly reportId: string;
  readonly modelVersionId: string;
  readonly version: number;
  readonly status: string;
  readonly passed: boolean;
  readonly reason: string;
}

/** The job that runs each kind of audit. */
export const AUDIT_JOBS: Readonly<Record<AuditKind, JobName>> = {
  [AuditKind.Fairness]: JobName.FairnessAudit,
  [AuditKind.Privacy]: JobName.PrivacyAudit,
};

export class AuditService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly fairness: FairnessAuditor,
    private readonly privacy: PrivacyAuditor,
    private readonly runs: JobRunService,
  ) {}

  /** runAudit: enqueues an audit of `versionId` (default: the active version) and returns its run. */
  async requestAudit(actor: Actor, kind: AuditKind, versionId?: string | null): Promise<JobRun> {
    requireRole(actor, Role.Admin);
    if (!AUDIT_JOBS[kind]) throw new BadInputError(`unknown audit kind ${kind}`, { argument: "kind" });
    const row = versionId ? await this.version(actor.schoolId, versionId) : await this.activeVersion(actor.schoolId);
    if (!row) {
      if (versionId) throw new NotFoundError("ModelVersion", versionId);
      throw new ConflictError("the school has no active model to audit");
    }
    const { id } = await this.runs.enqueue(AUDIT_JOBS[kind], { schoolId: actor.schoolId, versionId: row.id }, { schoolId: actor.schoolId });
    return this.runs.get(actor, id);
  }

  /**
   * The `fairness-audit` and `privacy-audit` jobs: the version (default: the active one) audited on the
   * school's evaluation learners it was not trained on, as the data stands now; the report stored. Null
   * when there is no version to audit.
   */
  async runAudit(
    kind: AuditKind,
    schoolId: string,
    versionId: string | null,
    onProgress?: (fraction: number, message?: string) => void,
  ): Promise<AuditOutcome | null> {
    const row = versionId ? await this.version(schoolId, versionId) : await this.activeVersion(schoolId);
    if (!row) return null;
    if (!row.weights) throw new ConflictError(`version ${row.version} has no weights`);
    const model: KnowledgeModel = loadModel(new Uint8Array(row.weights));
    const m = this.deps.dataSource.manager;
    onProgress?.(0, "reading the held-out learners");
    const { evaluation } = partitionSchool(schoolId, await snapshotTrainingSet(m, schoolId, new Date()));
    const held = await comparisonSet(m, schoolId, evaluation, [row.id]);
    const progress = (f: number, msg?: string) => onProgress?.(0.05 + 0.9 * f, msg);
    let record: AuditRecord;
    if (kind === AuditKind.Fairness) {
      record = this.fairness.record(await this.fairness.audit(schoolId, model, held.set, { onProgress: progress }));
    } else {
      const trained = await versionTrainingSet(m, schoolId, row.id, row.trainedTo);
      const subject = {
        model,
        kind: row.kind,
        trained,
        erasedSince: row.erasedLearners,
        trainingOptions: storedTrainingOptions(row.metrics),
        heldOut: held.set,
        atTraining: false,
        ...(trained ? { recorded: trained.recorded } : {}),
      };
      record = this.privacy.record(await this.privacy.audit(schoolId, subject, { onProgress: progress }));
    }
    onProgress?.(0.95, "storing the report");
    const [reportId] = await this.deps.dataSource.transaction((tx) =>
      storeAuditReports(tx, schoolId, row.id, [{ ...record, figures: { ...record.figures, evaluation: held.summary } }]),
    );
    return {
      reportId: reportId!,
      modelVersionId: row.id,
      version: row.version,
      status: record.status,
      passed: record.passed,
      reason: record.reason,
    };
  }

  /** The schools with an active model (the weekly fan-out). */
  async schoolsWithActiveModel(): Promise<string[]> {
    const rows: { schoolId: string }[] = await this.deps.dataSource.query(
      `SELECT DISTINCT school_id AS "schoolId" FROM model_version WHERE status = 'ACTIVE' ORDER BY 1`,
    );
    return rows.map((r) => r.schoolId);
  }

  /** The stored report as a self-contained HTML page (admins of its school). */
  async reportPage(actor: Actor, reportId: string): Promise<string> {
    requireRole(actor, Role.Admin);
    const report = await this.deps.dataSource.getRepository(AuditReport).findOneBy({ id: reportId, schoolId: actor.schoolId });
    if (!report) throw new NotFoundError("AuditReport", reportId);
    return this.render(report);
  }

  /** Any school's report by id (the operator's CLI, which has the database). */
  async reportPageById(reportId: string): Promise<string> {
    const report = await this.deps.dataSource.getRepository(AuditReport).findOneBy({ id: reportId });
    if (!report) throw new NotFoundError("AuditReport", reportId);
    return this.render(report);
  }

  private async render(report: AuditReport): Promise<string> {
    const version = await this.deps.dataSource
      .getRepository(ModelVersion)
      .findOneOrFail({ where: { id: report.modelVersionId }, select: { id: true, version: true } });
    return renderAuditReport({ ...report, modelVersion: { id: version.id, version: version.version } });
  }

  private version(schoolId: string, id: string): Promise<ModelVersion | null> {
    return this.deps.dataSource.getRepository(ModelVersion).findOneBy({ id, schoolId });
  }

  private async activeVersion(schoolId: string): Promise<ModelVersion | null> {
    const id = await activeVersionId(this.deps.dataSource.manager, schoolId);
    return id ? this.version(schoolId, id) : null;
  }
}
