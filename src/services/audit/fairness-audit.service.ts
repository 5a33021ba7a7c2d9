/**
 * The fairness audit of a model (issue #15; docs/fairness.md): on held-out learners, the model's
 * predictions and the recommendations it makes are compared between groups of each protected attribute
 * (engine/fairness: accuracy, ABROCA, calibration, cold start, recommendation parity, each gap
 * permutation-tested and corrected for multiple testing).
 *
 * The protected attributes are read here, after the model has predicted and recommended without them:
 * they only group what the model already did.
 */
import { DEFAULT_RECOMMEND_PARAMS, type CompiledCurriculum } from "../../engine/recommend/index.js";
import { auditFairness, replayRecommendations, type FairnessAudit, type FairnessParams } from "../../engine/fairness/index.js";
import { predictSequences, type Predictions } from "../../engine/evaluation.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";
import { activeGoals, protectedAttributes } from "../../persistence/audit/audit-inputs.js";
import { AuditKind } from "../../persistence/model/audit-report.entity.js";
import type { ServiceDeps } from "../service-deps.js";
import type { AuditRecord } from "./audit-record.js";
import { fairnessMarkdown } from "./fairness-summary.js";

/** How a school's fairness audits run: the engine's parameters and what a NOT_AUDITABLE verdict does to a promotion. */
export interface FairnessSettings {
  readonly params: Partial<FairnessParams>;
  /**
   * A candidate whose audit is NOT_AUDITABLE for lack of data (no attributes, groups below the minimum
   * size) is refused when true; when false (the default) it passes its fairness gate with that verdict
   * stated. A corrupt model (non-finite predictions) is refused either way.
   */
  readonly requireAuditable: boolean;
}

export const DEFAULT_FAIRNESS_SETTINGS: FairnessSettings = { params: {}, requireAuditable: false };

export interface FairnessAuditOptions {
  /** The model's predictions on `heldOut`, when the caller has them (a gate): not made again. */
  readonly predictions?: Predictions;
  /** Epoch ms of the recommendation replay (default now). */
  readonly now?: number;
  readonly onProgress?: (fraction: number, message?: string) => void;
}

export class FairnessAuditor {
  private readonly settings: FairnessSettings;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly curriculum: (schoolId: string) => Promise<CompiledCurriculum>,
    settings: Partial<FairnessSettings> = {},
  ) {
    this.settings = { ...DEFAULT_FAIRNESS_SETTINGS, ...settings };
  }

  /** The audit of `model` on the held-out learners `heldOut` of the school. */
  async audit(schoolId: string, model: KnowledgeModel, heldOut: TrainingSet, opts: FairnessAuditOptions = {}): Promise<FairnessAudit> {
    const m = this.deps.dataSource.manager;
    const learnerIds = [...heldOut.sequences.keys()];
    opts.onProgress?.(0, "predicting the held-out learners");
    const pred = opts.predictions ?? predictSequences([model], heldOut.sequences)[0]!;
    opts.onProgress?.(0.3, "replaying the held-out learners' recommendations");
    const recommendations = replayRecommendations({
      model,
      curriculum: await this.curriculum(schoolId),
      sequences: heldOut.sequences,
      goals: await activeGoals(m, schoolId, learnerIds),
      now: opts.now ?? Date.now(),
    });
    // Read last, and only to group what the model already predicted and recommended.
    opts.onProgress?.(0.55, "reading the protected attributes");
    const byName = await protectedAttributes(m, this.deps.cipher, schoolId, learnerIds);
    const attributes = new Map([...byName].map(([name, values]) => [name, learnerIds.map((id) => values.get(id) ?? null)]));
    opts.onProgress?.(0.6, "comparing groups");
    // EQUAL_OPPORTUNITY's threshold is the recommender's band floor: a task predicted below it is not aimed at.
    const audit = auditFairness(
      { ...pred, learners: learnerIds.length, attributes, recommendations },
      { threshold: DEFAULT_RECOMMEND_PARAMS.bandLow, ...this.settings.params },
    );
    opts.onProgress?.(1, audit.status);
    return audit;
  }

  /** The audit as a gate's verdict and a stored report. */
  record(audit: FairnessAudit): AuditRecord {
    const corrupt = audit.status === "NOT_AUDITABLE" && /a corrupt model/.test(audit.reason);
    const passed = audit.status === "PASSED" || (audit.status === "NOT_AUDITABLE" && !corrupt && !this.settings.requireAuditable);
    return {
      kind: AuditKind.Fairness,
      passed,
      status: audit.status,
      reason: audit.reason,
      checks: audit.checks,
      figures: audit as unknown as Record<string, unknown>,
      rendering: fairnessMarkdown(audit),
    };
  }
}
