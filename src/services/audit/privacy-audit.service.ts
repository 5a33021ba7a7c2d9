/**
 * The privacy audit (issue #14; docs/privacy.md): of a model version — can its training learners be told
 * apart from held-out ones (membership inference: engine/privacy), did it train only on consenting,
 * un-erased learners — and of what the school releases and keeps: analytics suppression on live data,
 * the analytics catalogue and BI roles, retention, erasure receipts. Every check gives a verdict
 * (privacy-audit.types.ts); the audit FAILS when one fails, and is NOT_AUDITABLE when one cannot run.
 */
import { auditMembership, type MembershipAudit, type MembershipParams } from "../../engine/privacy/index.js";
import { trainers } from "../../engine/registry.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";
import * as inputs from "../../persistence/audit/privacy-inputs.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { AuditKind } from "../../persistence/model/audit-report.entity.js";
import { retentionCutoff } from "../privacy/retention.service.js";
import type { TrainingOptions } from "../training/private-fit.js";
import type { ServiceDeps } from "../service-deps.js";
import type { AuditRecord } from "./audit-record.js";
import { PrivacyCheckName, type PrivacyAudit, type PrivacyCheck, type ViewSuppression } from "./privacy-audit.types.js";
import { catalogueCheck, consentCheck, differentialPrivacyCheck, erasureCheck, retentionCheck } from "./privacy-checks.js";
import { TrainingPrivacyService } from "./training-privacy.service.js";
import { privacyGuaranteeOf } from "../training/private-fit.js";
import { privacyMarkdown } from "./privacy-summary.js";
import { checkView, viewFails } from "./privacy-suppression.js";

export interface PrivacySettings {
  /** The membership audit's parameters (engine defaults otherwise). */
  readonly membership: Partial<MembershipParams>;
  /** A soft NOT_AUDITABLE (too few learners to attack) refuses the promotion when true. */
  readonly requireAuditable: boolean;
  /** ZPD_RETENTION_DAYS (null: no period). */
  readonly retentionDays: number | null;
}

export const DEFAULT_PRIVACY_SETTINGS: PrivacySettings = { membership: {}, requireAuditable: false, retentionDays: null };

/** The model audited and what it was trained on. */
export interface PrivacySubject {
  readonly model: KnowledgeModel;
  /** The engine model kind (shadow models are trained like it). */
  readonly kind: string;
  /** Its training learners' traces; null when the version's snapshot is not known (cannot audit). */
  readonly trained: TrainingSet | null;
  /**
   * The training learners as recorded with a stored version (model_version_learner), consenting or not
   * now; default: the learners of `trained`. The consent and erasure checks read these.
   */
  readonly recorded?: readonly string[];
  /** A stored version's training learners erased since (their rows gone, their traces still in its weights). */
  readonly erasedSince?: number;
  /** Learners it was not trained on. */
  readonly heldOut: TrainingSet;
  /** The snapshot was just taken (a retraining): consent is checked as of now. */
  readonly atTraining: boolean;
  /** The options it was trained with (its shadows are trained alike); default: the engine's. */
  readonly trainingOptions?: TrainingOptions;
  /** Its membership audit when the training already ran it (private-fit.ts): not run again. */
  readonly membership?: MembershipAudit;
  readonly seed?: number;
}

export class PrivacyAuditor {
  private readonly settings: PrivacySettings;

  constructor(
    private readonly deps: ServiceDeps,
    settings: Partial<PrivacySettings> = {},
  ) {
    this.settings = { ...DEFAULT_PRIVACY_SETTINGS, ...settings };
  }

  /** The auditor with the deployment's settings (ServiceDeps.privacy: ZPD_PRIVACY_*, ZPD_RETENTION_DAYS). */
  static fromDeps(deps: ServiceDeps): PrivacyAuditor {
    const { advantageThreshold, shadows, requireAuditable, retentionDays } = deps.privacy ?? {};
    return new PrivacyAuditor(deps, {
      membership: {
        ...(advantageThreshold !== undefined ? { advantageThreshold } : {}),
        ...(shadows !== undefined ? { shadows } : {}),
      },
      ...(requireAuditable !== undefined ? { requireAuditable } : {}),
      retentionDays: retentionDays ?? null,
    });
  }

  async audit(
    schoolId: string,
    subject: PrivacySubject,
    opts: { now?: Date; onProgress?: (f: number, msg?: string) => void } = {},
  ): Promise<PrivacyAudit> {
    const t0 = performance.now();
    const now = opts.now ?? new Date();
    const progress = opts.onProgress ?? (() => {});
    const m = this.deps.dataSource.manager;
    progress(0, "re-reading the analytics views");
    const relations = await inputs.analyticsRelations(m);
    const k = await inputs.releasedK(m);
    const overlap = (await inputs.learnersInSeveralCohorts(m, schoolId)) > 0;
    const suppression: ViewSuppression[] = [];
    for (const [view, columns] of relations) {
      const bySchool = columns.some((c) => c.name === "school_id");
      suppression.push(checkView(view, columns, await inputs.releasedRows(m, view, bySchool ? schoolId : null), k, overlap));
    }
    progress(0.15, "reading the catalogue, retention and erasure receipts");
    const snapshotIds = subject.trained ? (subject.recorded ?? [...subject.trained.sequences.keys()]) : null;
    const cutoff = this.settings.retentionDays === null ? null : retentionCutoff(now, this.settings.retentionDays + 1);
    const keys = [this.deps.erasureKey, ...(this.deps.previousErasureKeys ?? [])].filter((x): x is Buffer => Boolean(x));
    const checks: PrivacyCheck[] = [
      suppressionCheck(suppression, k),
      catalogueCheck(relations, await inputs.columnsReadByAnalytics(m), await inputs.biRoleReach(m)),
      retentionCheck(
        this.settings.retentionDays,
        cutoff,
        cutoff ? await inputs.attemptsBefore(m, schoolId, cutoff) : { count: 0, oldest: null },
        cutoff ? await inputs.xapiRecordsBefore(m, schoolId, cutoff) : undefined,
        cutoff ? (await inputs.recommendationRowsBefore(m, schoolId, cutoff)).count : 0,
      ),
      erasureCheck(
        await inputs.erasureReceipts(m, schoolId),
        keys,
        await inputs.learnerIdsInData(m, schoolId),
        snapshotIds,
        subject.erasedSince ?? 0,
      ),
      consentCheck(
        snapshotIds,
        snapshotIds ? await inputs.withoutConsent(m, snapshotIds, ConsentPurpose.Training) : [],
        subject.atTraining,
      ),
      differentialPrivacyCheck(await new TrainingPrivacyService(this.deps).budget(schoolId), privacyGuaranteeOf(subject.model)),
    ];
    progress(0.25, "membership inference");
    const membership = !subject.trained
      ? null
      : (subject.membership ??
        (await this.membershipOf(subject, subject.trained, subject.trainingOptions, (f, msg) => progress(0.25 + 0.7 * f, msg))));
    checks.push(membershipCheck(membership));
    const failed = checks.filter((c) => c.status === "FAIL");
    const unaudited = checks.filter((c) => c.status === "NOT_AUDITABLE");
    progress(1, "done");
    return {
      status: failed.length ? "FAILED" : unaudited.length ? "NOT_AUDITABLE" : "PASSED",
      reason: failed.length
        ? failed.map((c) => `${c.name}: ${c.reason}`).join("; ")
        : unaudited.length
          ? unaudited.map((c) => `${c.name}: ${c.reason}`).join("; ")
          : "every check passed",
      k,
      checks,
      suppression,
      membership,
      subject: {
        trainingLearners: snapshotIds?.length ?? null,
        heldOutLearners: subject.heldOut.sequences.size,
        snapshot: subject.trained ? (subject.atTraining ? "IN_MEMORY" : "STORED") : "MISSING",
      },
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** The audit as a gate's verdict and a stored report: refused on a FAIL or a hard NOT_AUDITABLE. */
  record(audit: PrivacyAudit): AuditRecord {
    const blocking = audit.checks.filter(
      (c) => c.status === "FAIL" || (c.status === "NOT_AUDITABLE" && (!c.soft || this.settings.requireAuditable)),
    );
    return {
      kind: AuditKind.Privacy,
      passed: blocking.length === 0,
      status: audit.status,
      reason: audit.reason,
      checks: audit.checks,
      figures: audit as unknown as Record<string, unknown>,
      rendering: privacyMarkdown(audit),
    };
  }

  /** The membership audit of a model of `kind` trained on `trained` with `options`, against `heldOut`. */
  membershipOf(
    subject: Pick<PrivacySubject, "model" | "kind" | "heldOut" | "seed">,
    trained: TrainingSet,
    options: TrainingOptions | undefined,
    onProgress?: (f: number, msg?: string) => void,
  ): Promise<MembershipAudit> {
    const trainer = trainers[subject.kind];
    return auditMembership(
      {
        model: subject.model,
        catalog: trained.catalog,
        members: trained.sequences,
        nonMembers: subject.heldOut.sequences,
        // Shadows are trained as the candidate was (its kind and training options), on halves of the pool.
        ...(trainer ? { trainShadow: (set: TrainingSet, seed: number) => trainer.fit(set, { ...options, seed }) } : {}),
        onProgress,
      },
      { ...(subject.seed !== undefined ? { seed: subject.seed } : {}), ...this.settings.membership },
    );
  }
}

function suppressionCheck(views: readonly ViewSuppression[], k: number): PrivacyCheck {
  const failing = views.filter(viewFails);
  const violations = views.reduce((s, v) => s + (v.violationCount ?? v.violations.length), 0);
  const figures = {
    k,
    views: views.length,
    releasedCells: views.reduce((s, v) => s + v.releasedCells, 0),
    suppressedCells: views.reduce((s, v) => s + v.suppressedCells, 0),
    familiesChecked: views.reduce((s, v) => s + v.familiesChecked, 0),
    violations,
  };
  return failing.length
    ? {
        name: PrivacyCheckName.Suppression,
        status: "FAIL",
        reason: failing
          .map(
            (v) =>
              `${v.view}: ${v.violations.length ? `${v.violationCount ?? v.violations.length} violation(s), first ${v.violations[0]!.rule} on ${v.violations[0]!.column} = ${v.violations[0]!.value}` : v.note}`,
          )
          .join("; "),
        figures,
      }
    : {
        name: PrivacyCheckName.Suppression,
        status: "PASS",
        reason: `${figures.releasedCells} released cells in ${views.length} views, none over fewer than ${k} learners; ${figures.familiesChecked} totals minus their parts checked`,
        figures,
      };
}

function membershipCheck(audit: MembershipAudit | null): PrivacyCheck {
  const name = PrivacyCheckName.Membership;
  if (!audit)
    return { name, status: "NOT_AUDITABLE", reason: "the version's training learners were not recorded: cannot audit", figures: {} };
  const figures: Record<string, number | string | null> = {
    members: audit.members,
    nonMembers: audit.nonMembers,
    threshold: audit.params.advantageThreshold,
  };
  for (const a of audit.attacks) {
    const key = a.attack === "LOSS_THRESHOLD" ? "lossThreshold" : "likelihoodRatio";
    figures[`${key}Auc`] = a.result?.auc ?? null;
    figures[`${key}AucLow`] = a.result?.aucInterval[0] ?? null;
    figures[`${key}AucHigh`] = a.result?.aucInterval[1] ?? null;
  }
  const status = audit.status === "FAILED" ? "FAIL" : audit.status === "PASSED" ? "PASS" : "NOT_AUDITABLE";
  // Too few learners to attack is a property of a small school, not a missing record: it does not block by default.
  return { name, status, reason: audit.reason, figures, ...(status === "NOT_AUDITABLE" ? { soft: true } : {}) };
}
