/**
 * Promotion gates. A candidate model goes live only when every gate passes; each gate's verdict is
 * stored with the model version. The metric gate exists now; the privacy and fairness audits plug
 * in here as gates when they land (they receive the same context: the candidate, the active model
 * and the held-out learners).
 */
import { predictSequences, scorePredictions, type Scores } from "../../engine/evaluation.js";
import type { KnowledgeModel, TrainingSet } from "../../engine/types.js";

export interface GateContext {
  readonly schoolId: string;
  readonly candidate: KnowledgeModel;
  readonly active: KnowledgeModel | null;
  readonly candidateScores: Scores;
  /** Scores of the active model on the same held-out attempts; null when no model is active. */
  readonly activeScores: Scores | null;
  /** The held-out learners both were evaluated on. */
  readonly heldOut: TrainingSet;
}

export interface GateVerdict {
  readonly gate: string;
  readonly passed: boolean;
  /** Why, in a sentence. */
  readonly detail: string;
  readonly figures: Record<string, number | null>;
}

export interface Gate {
  readonly name: string;
  check(ctx: GateContext): Promise<GateVerdict>;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

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
    const figures = { candidateAuc: num(c.auc), activeAuc: a ? num(a.auc) : null, candidateLogLoss: num(c.logloss), activeLogLoss: a ? num(a.logloss) : null, tolerance: this.tolerance, attempts: c.attempts };
    if (!Number.isFinite(c.auc)) return { gate: this.name, passed: false, detail: "the held-out learners give no AUC (too few attempts or one class only)", figures };
    if (!a || !Number.isFinite(a.auc)) {
      const passed = c.auc > 0.5;
      return { gate: this.name, passed, detail: passed ? `no active model to compare with; AUC ${c.auc.toFixed(4)} beats chance` : `AUC ${c.auc.toFixed(4)} does not beat chance`, figures };
    }
    const aucOk = c.auc >= a.auc - this.tolerance;
    const lossOk = c.logloss <= a.logloss + this.tolerance;
    const detail = aucOk && lossOk
      ? `AUC ${c.auc.toFixed(4)} vs ${a.auc.toFixed(4)}, log loss ${c.logloss.toFixed(4)} vs ${a.logloss.toFixed(4)}: within tolerance ${this.tolerance}`
      : [!aucOk && `AUC ${c.auc.toFixed(4)} is below the active model's ${a.auc.toFixed(4)} by more than ${this.tolerance}`, !lossOk && `log loss ${c.logloss.toFixed(4)} exceeds the active model's ${a.logloss.toFixed(4)} by more than ${this.tolerance}`].filter(Boolean).join("; ");
    return { gate: this.name, passed: aucOk && lossOk, detail, figures };
  }
}

/**
 * Evaluates candidate and active on the same held-out attempts and runs every gate (a retraining's
 * candidate, and an admin's promotion of a stored version).
 */
export async function judge(gates: readonly Gate[], schoolId: string, candidate: KnowledgeModel, active: KnowledgeModel | null, heldOut: TrainingSet) {
  const preds = predictSequences(active ? [candidate, active] : [candidate], heldOut.sequences);
  const candidateScores = scorePredictions(preds[0]!);
  const activeScores = active ? scorePredictions(preds[1]!) : null;
  const verdicts: GateVerdict[] = [];
  for (const gate of gates) verdicts.push(await gate.check({ schoolId, candidate, active, candidateScores, activeScores, heldOut }));
  return { candidateScores, activeScores, verdicts };
}
