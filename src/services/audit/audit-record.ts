/**
 * An audit as a gate hands it over and as it is stored: an AuditReport row of the model version it
 * judged (kind, verdict, checks, figures, a Markdown summary). One writer for every kind of audit
 * (fairness now, privacy next) and every path that audits: a retraining's gates, an admin's
 * promotion, the weekly audit of the active model and runAudit.
 */
import type { EntityManager } from "typeorm";
import { AuditKind, AuditReport } from "../../persistence/model/audit-report.entity.js";
import { uuidv7 } from "../../shared/ids.js";

export interface AuditRecord {
  readonly kind: AuditKind;
  readonly passed: boolean;
  /** PASSED, FAILED or NOT_AUDITABLE (with `passed`: a gate's policy may let a NOT_AUDITABLE pass). */
  readonly status: string;
  readonly reason: string;
  readonly checks: readonly unknown[];
  readonly figures: Record<string, unknown>;
  /** Markdown summary. */
  readonly rendering: string;
}

/** Stores the audits of a version (in the caller's transaction); returns their ids in order. */
export async function storeAuditReports(
  m: EntityManager,
  schoolId: string,
  modelVersionId: string,
  records: readonly AuditRecord[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const r of records) {
    const id = uuidv7();
    await m.insert(AuditReport, {
      id,
      schoolId,
      modelVersionId,
      kind: r.kind,
      passed: r.passed,
      checks: [...r.checks] as never,
      figures: { status: r.status, reason: r.reason, ...r.figures },
      rendering: r.rendering,
    });
    ids.push(id);
  }
  return ids;
}
