/**
 * Promotion gates. A candidate model goes live only when every gate passes (or an admin overrides
 * them with a recorded reason); each gate's verdict is stored with the model version: the metric gate
 * here, the fairness and privacy audits (audit/fairness.gate.ts, audit/privacy.gate.ts). Every gate
 * receives the same context: the candidate, the active model, the held-out learners, and what the
 * candidate was trained on.
 *
 * The held-out learners are those of the school's evaluation set that neither model was trained on
 * (comparison-set.ts): both are judged out of sample, so that a challenger is never measured on
 * fresh learners against a champion measured on its own training data.
 */
import { predictSequences, scorePredictions, type Predictions, type Scores } from "../../engine/evaluation.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";
import type { AuditRecord } from "../audit/audit-record.js";
import type { MembershipAudit } from "../../engine/privacy/index.js";
import type { TrainingOptions } from "./private-fit.js";

export interface GateContext {
  readonly schoolId: string;
  readonly candidate: KnowledgeModel;
  readonly active: KnowledgeModel | null;
  readonly candidateScores: Scores;
  /** Scores of the active model on the same held-out attempts; null when no model is active. */
  readonly activeScores: Scores | null;
  /** The held-out learners both were evaluated on: trained on by neither. */
  readonly heldOut: TrainingSet;
  /** The candidate's predictions on them (the evaluation protocol's: an audit reuses them). */
  readonly candidatePredictions: Predictions;
  /** What the candidate is and was trained on (the privacy audit's members; null: not recorded). */
  readonly subject: CandidateSubject;
}

/** The candidate's kind and training snapshot, for the audits that need them. */
export interface CandidateSubject {
  /** The engine model kind ("meta", …). */
  readonly kind: string;
  /** Its training learners' traces; null when the version's training learners were not recorded. */
  readonly trained: TrainingSet | null;
  /** True for a retraining's candidate (the snapshot was just taken); false for a stored version. */
  readonly atTraining: boolean;
  /** A stored version's training learners as recorded, consenting or not now (default: those of `trained`). */
  readonly recorded?: readonly string[];
  /** A stored version's training learners erased since (model_version.erased_learners). */
  readonly erasedSince?: number;
  /** The options it was trained with (an audit trains its shadow models alike). */
  readonly trainingOptions?: TrainingOptions;
  /** Its membership audit, when its training already ran it (training/private-fit.ts). */
  readonly membership?: MembershipAudit;
}

export interface GateVerdict {
  readonly gate: string;
  readonly passed: boolean;
  /** Why, in a sentence. */
  readonly detail: string;
  readonly figures: Record<string, number | null>;
  /** An audit's full report (a fairness or privacy gate): stored as the version's AuditReport, not in its metrics. */
  readonly report?: AuditRecord;
}

/** An admin's decision to promote a version that failed its gates: who, and why (required). */
export interface PromotionOverride {
  readonly reason: string;
  /** The admin token's subject (pseudonymous). */
  readonly by: string;
  /** ISO instant of the request. */
  readonly at: string;
}

/** What a promotion was decided on, stored with the version it makes active. */
export interface Judgement {
  readonly verdicts: readonly GateVerdict[];
  /** The held-out set judged on (comparison-set.ts's summary). */
  readonly evaluation?: Record<string, unknown>;
  /** Present when the gates failed and an admin promoted the version all the same. */
  readonly override?: PromotionOverride;
}

/** A judgement as the version's metrics keys (promotionGates, promotionEvaluation, promotionOverride). */
export const judgementMetrics = (j: Judgement): Record<string, unknown> => ({
  promotionGates: j.verdicts,
  ...(j.evaluation ? { promotionEvaluation: j.evaluation } : {}),
  ...(j.override ? { promotionOverride: j.override } : {}),
});

export interface Gate {
  readonly name: string;
  check(ctx: GateContext): Promise<GateVerdict>;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Scores as stored in a version's metrics (JSON has no NaN: null). */
export const jsonScores = (s: Scores): Record<string, number | null> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, num(v)]));

/**
 * Not worse than the active model by more than `tolerance`: AUC(candidate) ≥ AUC(active) − tolerance
 * and log loss(candidate) ≤ log loss(active) + tolerance, on the same held-out attempts. With no active
 * model, the candidate must beat chance (AUC > 0.5) — a model that cannot rank is never promoted.
 */
export class MetricGate implements Gate {
  readonly name = "metrics";

  constructor(readonly tolerance = 0.005) {}

  async check(ctx: GateContext): Promise<GateVerdict> {
    const c = ctx.candidateScores;
    const a = ctx.activeScores;
    const learners = ctx.heldOut.sequences.size;
    const figures = {
      candidateAuc: num(c.auc),
      activeAuc: a ? num(a.auc) : null,
      candidateLogLoss: num(c.logloss),
      activeLogLoss: a ? num(a.logloss) : null,
      tolerance: this.tolerance,
      learners,
      attempts: c.attempts,
    };
    if (learners === 0)
      return {
        gate: this.name,
        passed: false,
        detail: "no held-out learners that neither model was trained on: nothing to judge on",
        figures,
      };
    if (!Number.isFinite(c.auc))
      return {
        gate: this.name,
        passed: false,
        detail: `the ${learners} held-out learners give no AUC (too few attempts or one class only)`,
        figures,
      };
    if (!a || !Number.isFinite(a.auc)) {
      const passed = c.auc > 0.5;
      return {
        gate: this.name,
        passed,
        detail: passed
          ? `no active model to compare with; AUC ${c.auc.toFixed(4)} beats chance`
          : `AUC ${c.auc.toFixed(4)} does not beat chance`,
        figures,
      };
    }
    const aucOk = c.auc >= a.auc - this.tolerance;
    const lossOk = c.logloss <= a.logloss + this.tolerance;
    const detail =
      aucOk && lossOk
        ? `AUC ${c.auc.toFixed(4)} vs ${a.auc.toFixed(4)}, log loss ${c.logloss.toFixed(4)} vs ${a.logloss.toFixed(4)}: within tolerance ${this.tolerance}`
        : [
            !aucOk && `AUC ${c.auc.toFixed(4)} is below the active model's ${a.auc.toFixed(4)} by more than ${this.tolerance}`,
            !lossOk && `log loss ${c.logloss.toFixed(4)} exceeds the active model's ${a.logloss.toFixed(4)} by more than ${this.tolerance}`,
          ]
            .filter(Boolean)
            .join("; ");
    return { gate: this.name, passed: aucOk && lossOk, detail, figures };
  }
}

/**
 * Evaluates candidate and active on the same held-out attempts and runs every gate (a retraining's
 * candidate, and an admin's promotion of a stored version). The audits' reports come back apart from
 * the verdicts, for the caller to store with the version (audit-record.ts). `onGate` is told each gate's
 * name as it starts (a job's progress: the evaluation is over when the first gate starts).
 */
export async function judge(
  gates: readonly Gate[],
  schoolId: string,
  candidate: KnowledgeModel,
  active: KnowledgeModel | null,
  heldOut: TrainingSet,
  subject: CandidateSubject,
  onGate?: (gate: string) => void,
) {
  const preds = predictSequences(active ? [candidate, active] : [candidate], heldOut.sequences);
  const candidateScores = scorePredictions(preds[0]!);
  const activeScores = active ? scorePredictions(preds[1]!) : null;
  const verdicts: GateVerdict[] = [];
  const reports: AuditRecord[] = [];
  for (const gate of gates) {
    onGate?.(gate.name);
    const { report, ...verdict } = await gate.check({
      schoolId,
      candidate,
      active,
      candidateScores,
      activeScores,
      heldOut,
      candidatePredictions: preds[0]!,
      subject,
    });
    verdicts.push(verdict);
    if (report) reports.push(report);
  }
  return { candidateScores, activeScores, verdicts, reports };
}
