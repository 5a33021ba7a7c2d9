/**
 * The privacy audit of a model version and of what the school releases (docs/privacy.md): what it
 * checks, and the shape of its stored figures (an AuditReport of kind PRIVACY; report/privacy-report.ts
 * renders it). Every check gives a verdict and the figures it was decided on.
 */
import type { MembershipAudit } from "../../engine/privacy/index.js";

export enum PrivacyCheckName {
  /** Every analytics view re-read as released: no cell over 0 < n < k learners, no family residual under k. */
  Suppression = "SUPPRESSION",
  /** No personal column reachable from the `analytics` schema, and no BI role reaching beyond it. */
  Catalogue = "CATALOGUE",
  /** No attempt older than the retention period (ZPD_RETENTION_DAYS) beyond the daily job's grace. */
  Retention = "RETENTION",
  /** No erased learner (erasure receipts) in the live data or in the model's training snapshot. */
  Erasure = "ERASURE",
  /** Every learner of the model's training snapshot had TRAINING consent. */
  Consent = "CONSENT",
  /** Membership inference against the model: its training learners cannot be told from held-out ones. */
  Membership = "MEMBERSHIP",
  /** With the school's privacy budget set, the model's DP-SGD guarantee is within it. */
  DifferentialPrivacy = "DIFFERENTIAL_PRIVACY",
}

export type PrivacyCheckStatus = "PASS" | "FAIL" | "NOT_AUDITABLE";

export interface PrivacyCheck {
  readonly name: PrivacyCheckName;
  readonly status: PrivacyCheckStatus;
  /** Why, in a sentence or two (no personal data: ids of views, tables, roles and counts only). */
  readonly reason: string;
  readonly figures: Readonly<Record<string, number | string | boolean | null>>;
  /**
   * A NOT_AUDITABLE verdict that still lets a promotion through (stated in the report): too few
   * learners to attack, receipts under a key no longer held. False: it refuses the promotion, like a
   * FAIL (an audit that cannot see the model's training snapshot is never a pass).
   */
  readonly soft?: boolean;
}

/** A released cell that breaks a rule, as the audit found it in a view. */
export interface SuppressionViolation {
  /** PRIMARY: a released learner count 0 < n < k; NOT_BLANK: a suppressed cell that shows a figure; RESIDUAL: a total minus its released parts gives 0 < n < k learners. */
  readonly rule: "PRIMARY" | "NOT_BLANK" | "RESIDUAL";
  /** The cell: its key columns and values (ids of cohorts, skills, tasks, days; never a learner). */
  readonly cell: Readonly<Record<string, string | number | boolean | null>>;
  readonly column: string;
  readonly value: number | null;
}

/** One analytics view re-read for one school. */
export interface ViewSuppression {
  readonly view: string;
  readonly rows: number;
  /** The learner-count columns checked (e.g. learners, learners_with_path) and the flag that covers each. */
  readonly counts: readonly { readonly column: string; readonly flag: string }[];
  readonly releasedCells: number;
  readonly suppressedCells: number;
  /** Total − released parts checked (0 when the view has no family or its parts may overlap). */
  readonly familiesChecked: number;
  /** The first violations found (at most 20). */
  readonly violations: readonly SuppressionViolation[];
  /** How many violations there were, when more than listed. */
  readonly violationCount?: number;
  /** Why the view was not (fully) verifiable, when it was not. */
  readonly note?: string;
}

export interface PrivacyAudit {
  readonly status: "PASSED" | "FAILED" | "NOT_AUDITABLE";
  readonly reason: string;
  /** The k the views were released with (analytics.settings). */
  readonly k: number;
  readonly checks: readonly PrivacyCheck[];
  /** The per-view detail of the SUPPRESSION check. */
  readonly suppression: readonly ViewSuppression[];
  /** The MEMBERSHIP check's audit (ROC curves of its attacks included); null when it could not run. */
  readonly membership: MembershipAudit | null;
  /** What was audited: the model's training learners (members) and held-out learners (non-members). */
  readonly subject: {
    readonly trainingLearners: number | null;
    readonly heldOutLearners: number;
    /** Where the training snapshot came from: the retraining in memory, the version's stored learner list, or none. */
    readonly snapshot: "IN_MEMORY" | "STORED" | "MISSING";
  };
  readonly seconds: number;
}
