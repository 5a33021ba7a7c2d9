/**
 * How well an attack's scores tell members (a model's training learners) from non-members (held-out
 * learners): the AUC of the scores (members the positive class; 0.5 is chance), its bootstrap interval
 * (members and non-members resampled with replacement, percentile interval), the attack's best
 * advantage max_t (TPR(t) − FPR(t)) (Yeom et al. 2018's membership advantage), and the ROC curve for the
 * report.
 */
import { auc, averageRanks } from "../metrics/index.js";
import { createRng } from "../math.js";
import { downsampleRoc, rocCurve } from "../fairness/roc.js";

export interface AttackResult {
  readonly members: number;
  readonly nonMembers: number;
  /** AUC of the attack scores, members positive. */
  readonly auc: number;
  /** Percentile bootstrap interval of the AUC at the audit's level. */
  readonly aucInterval: readonly [number, number];
  /** max over thresholds of TPR − FPR. */
  readonly advantage: number;
  /** ROC curve (FPR, TPR), at most ~101 points. */
  readonly roc: readonly (readonly [number, number])[];
}

/**
 * `memberScores` and `nonMemberScores`: the attack's scores (higher = "was trained on"), NaN ones left
 * out. Null when either side is empty.
 */
export function scoreAttack(
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
  opts: { readonly bootstrap: number; readonly alpha: number; readonly seed: number },
): AttackResult | null {
  const rawM = Array.from(memberScores).filter(Number.isFinite);
  const rawO = Array.from(nonMemberScores).filter(Number.isFinite);
  if (rawM.length === 0 || rawO.length === 0) return null;
  // The AUC and the ROC curve read only the scores' order: ranks scaled into (0, 1) keep it (ties too) and
  // are what the metrics, written for probabilities, accept.
  const ranks = averageRanks([...rawM, ...rawO]);
  const scaled = Array.from(ranks, (r) => r / (ranks.length + 1));
  const m = scaled.slice(0, rawM.length);
  const o = scaled.slice(rawM.length);
  const scores = [...m, ...o];
  const labels = [...m.map(() => 1), ...o.map(() => 0)];
  const point = auc(scores, labels);
  const curve = rocCurve(scores, labels)!;
  let advantage = 0;
  for (let k = 0; k < curve.fpr.length; k++) advantage = Math.max(advantage, curve.tpr[k]! - curve.fpr[k]!);
  const rng = createRng(opts.seed);
  const resampled: number[] = [];
  const bs = new Array<number>(scores.length);
  const bl = new Array<number>(scores.length);
  for (let r = 0; r < opts.bootstrap; r++) {
    for (let i = 0; i < m.length; i++) {
      bs[i] = m[rng.int(m.length)]!;
      bl[i] = 1;
    }
    for (let i = 0; i < o.length; i++) {
      bs[m.length + i] = o[rng.int(o.length)]!;
      bl[m.length + i] = 0;
    }
    resampled.push(auc(bs, bl));
  }
  resampled.sort((a, b) => a - b);
  const at = (q: number) => resampled[Math.min(resampled.length - 1, Math.max(0, Math.floor(q * resampled.length)))]!;
  const aucInterval: [number, number] = opts.bootstrap > 0 ? [at(opts.alpha / 2), at(1 - opts.alpha / 2)] : [point, point];
  return { members: m.length, nonMembers: o.length, auc: point, aucInterval, advantage, roc: downsampleRoc(curve) };
}
