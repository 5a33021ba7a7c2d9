/**
 * Mitigations of a failed fairness audit, both pure and both outside the model.
 *
 * 1. `groupBalancedWeights` (deployable): per-learner training weights under which every group of an
 *    attribute carries the same total weight. They are passed to the fit as FitOptions.learnerWeights;
 *    the trained model never sees the attribute, and its predictions do not depend on it.
 *
 * 2. `perGroupCalibration` (measured, NOT deployed): a per-group Platt scaling of the predictions,
 *    p' = σ(slope_g · logit(p) + shift_g), fitted on the training learners' predictions ("shift": slope
 *    fixed at 1, a logit shift only). Applying it needs the learner's group at serving time, and the
 *    product's predictions must not depend on a protected attribute; the fairness benchmark uses it only
 *    to show what an attribute-aware correction would buy.
 */
import { minimizeLbfgs } from "../baselines/lbfgs.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { logit, predictProbability, sigmoid } from "../math.js";

/**
 * Learner id → weight: with n labelled learners in G groups, a learner of group g (n_g learners) weighs
 * n / (G · n_g), so every group's total is n / G; a learner without a label (null) weighs 1. The mean
 * weight over all learners is then 1: (unlabelled + G · n/G) / all = 1.
 */
export function groupBalancedWeights(groupOf: ReadonlyMap<string, string | null>): Map<string, number> {
  const sizes = new Map<string, number>();
  let labelled = 0;
  for (const g of groupOf.values()) {
    if (g === null) continue;
    sizes.set(g, (sizes.get(g) ?? 0) + 1);
    labelled++;
  }
  const out = new Map<string, number>();
  for (const [id, g] of groupOf) out.set(id, g === null ? 1 : labelled / (sizes.size * sizes.get(g)!));
  return out;
}

export type CalibrationMethod = "platt" | "shift";

/** One group's correction p' = σ(slope · logit(p) + shift). */
export interface GroupCalibration {
  readonly slope: number;
  readonly shift: number;
  /** Attempts it was fitted on. */
  readonly attempts: number;
}

export interface PerGroupCalibration {
  readonly method: CalibrationMethod;
  /** Per group label; a group absent here (or null) is left as it is. */
  readonly groups: ReadonlyMap<string, GroupCalibration>;
  /** The corrected predictions (clamped like every model's), attempt by attempt. */
  apply(p: ArrayLike<number>, group: ArrayLike<string | null>): Float64Array;
}

/**
 * Fits, per group, the slope and shift minimising the log loss Σ softplus(z) − y·z with
 * z = slope · logit(p) + shift over that group's attempts (L-BFGS; slope fixed at 1 for "shift").
 * `group[i]` is attempt i's group (null: not corrected). A group whose outcomes are all equal has no
 * finite optimum and is left uncorrected.
 */
export function perGroupCalibration(
  fit: { readonly p: ArrayLike<number>; readonly y: ArrayLike<number>; readonly group: ArrayLike<string | null> },
  method: CalibrationMethod = "platt",
): PerGroupCalibration {
  if (fit.p.length !== fit.y.length || fit.p.length !== fit.group.length) {
    throw new EngineError(EngineErrorCode.InvalidParameters, "perGroupCalibration: p, y and group must have the same length");
  }
  if (method !== "platt" && method !== "shift") {
    throw new EngineError(EngineErrorCode.InvalidParameters, `perGroupCalibration: unknown method ${String(method)}`);
  }
  const members = new Map<string, number[]>();
  for (let i = 0; i < fit.group.length; i++) {
    const g = fit.group[i];
    if (g === null || g === undefined) continue;
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  }
  const groups = new Map<string, GroupCalibration>();
  for (const [g, rows] of members) {
    let wins = 0;
    for (const i of rows) wins += fit.y[i]!;
    if (wins === 0 || wins === rows.length) continue;
    const x = rows.map((i) => logit(fit.p[i]!));
    const y = rows.map((i) => fit.y[i]!);
    // w = [shift, slope]; the slope's gradient is zeroed (and it stays at 1) for "shift".
    const objective = (w: Float64Array, grad: Float64Array): number => {
      let loss = 0;
      grad.fill(0);
      for (let r = 0; r < x.length; r++) {
        const z = w[1]! * x[r]! + w[0]!;
        loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[r]! * z;
        const residual = sigmoid(z) - y[r]!;
        grad[0]! += residual;
        if (method === "platt") grad[1]! += residual * x[r]!;
      }
      return loss;
    };
    const { x: w } = minimizeLbfgs(objective, Float64Array.from([0, 1]), { gradientTolerance: 1e-9 });
    groups.set(g, { slope: w[1]!, shift: w[0]!, attempts: rows.length });
  }
  return {
    method,
    groups,
    apply(p, group) {
      if (p.length !== group.length)
        throw new EngineError(EngineErrorCode.InvalidParameters, "apply: p and group must have the same length");
      const out = new Float64Array(p.length);
      for (let i = 0; i < p.length; i++) {
        const g = group[i];
        const c = g === null || g === undefined ? undefined : groups.get(g);
        out[i] = c === undefined ? p[i]! : predictProbability(c.slope * logit(p[i]!) + c.shift);
      }
      return out;
    },
  };
}
