/**
 * A learner's loss under a model: the mean binary cross-entropy of the model's predictions on the
 * learner's attempts (from `fromPosition` on), each predicted from the learner's earlier attempts only —
 * the evaluation protocol's predictions (evaluation.ts):
 *
 *   loss_u = −(1/n_u) Σ_t [ y_t log p_t + (1 − y_t) log(1 − p_t) ],   p clamped to [1e-6, 1 − 1e-6]
 *
 * A model that remembers its training learners predicts their answers better than anyone else's: their
 * losses are lower. That difference is what a membership-inference attack reads.
 */
import type { Predictions } from "../evaluation.js";

const EPS = 1e-6;

/** Per learner index (0 … learners − 1), its mean loss; NaN for a learner with no attempt counted. */
export function learnerLosses(pred: Predictions, learners: number, fromPosition = 1): Float64Array {
  const sum = new Float64Array(learners);
  const n = new Float64Array(learners);
  for (let i = 0; i < pred.p.length; i++) {
    if (pred.position[i]! < fromPosition) continue;
    const p = Math.min(1 - EPS, Math.max(EPS, pred.p[i]!));
    const u = pred.learner[i]!;
    sum[u]! -= pred.y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    n[u]!++;
  }
  const out = new Float64Array(learners);
  for (let u = 0; u < learners; u++) out[u] = n[u]! > 0 ? sum[u]! / n[u]! : Number.NaN;
  return out;
}
