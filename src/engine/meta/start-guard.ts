/**
 * The start guard: after training, Meta's meta-learned start is kept only where it predicts the early
 * attempts of held-out TRAINING learners (the validation split of early stopping) at least as well as a
 * neutral start; otherwise the start is shrunk toward neutral or replaced by it. Test learners are never
 * read. The choice is part of the model file (model.ts), so the product and the reports can say which
 * start a model uses.
 *
 * ## Candidates (the shared parameters, α's count decay b and ψ's fading λ are those trained)
 *
 *   learned      φ₀, κ as trained
 *   no-boost     κ ← 0                                   (φ₀ kept)
 *   shrunk       φ₀ ← ½·φ₀, κ ← ½·κ                      (halfway to neutral)
 *   neutral      φ₀ ← 0,    κ ← 0                         (the meta-learned steady steps α, b, ψ only)
 *   fixed-step   α_c ← ablationStep, b = κ = 0, α_ψ = 0   (the ablation's step; φ₀ kept)
 *
 * φ₀ and the early boost κ/(1+n) are what acts on a learner's first attempts; α, b and ψ act all along.
 * φ₀ is not identified apart from the shared intercepts: only β_k + φ₀_k (and b + φ₀_0) enter z, at every
 * attempt, since the updates depend on the residuals only. Moving φ₀ into β would change no prediction;
 * setting it to 0 without moving it (shrunk, neutral) removes what the first windows taught beyond β — a
 * real, neutral, start only where φ₀ is held near 0 by its prior (l2Start). fixed-step therefore keeps φ₀
 * (the intercept the shared parameters were trained with) and replaces the step schedule only.
 *
 * ## The rule
 *
 * For validation learner u and candidate c, E_uc = Σ ℓ over u's attempts 2..guardAttempts (the cold-start
 * slices of the benchmark) and O_uc = Σ ℓ over all of u's attempts (ℓ: log loss of the online protocol).
 * With paired differences D_uc = E_uc − E_u,learned over the n validation learners,
 *
 *   gain_c = −Σ_u D_uc,   se(gain_c) = sqrt(n) · sd_u(D_uc)      (likewise for O, "cost")
 *
 * a candidate is eligible when gain_c > se(gain_c) (it predicts the early attempts better by more than one
 * standard error: the one-standard-error rule, in favour of what was trained) and its overall cost does
 * not exceed one standard error (Σ_u (O_uc − O_u,learned) ≤ se). Among the eligible the largest gain wins;
 * with none, the learned start stays.
 */
import type { EncodedSequences } from "./catalog.js";
import type { DenseLearner } from "./dense-learner.js";
import type { MetaParams } from "./equations.js";
import type { MetaOptions } from "./options.js";

export const START_KINDS = ["learned", "no-boost", "shrunk", "neutral", "fixed-step"] as const;
export type StartKind = (typeof START_KINDS)[number];

export interface StartCandidate {
  readonly kind: StartKind;
  /** Mean log loss per attempt on the validation learners' attempts 2..guardAttempts. */
  readonly earlyLoss: number;
  /** Mean log loss per attempt on all their attempts. */
  readonly overallLoss: number;
  /** Σ_u of the early loss saved against the learned start, and its standard error (0 for learned). */
  readonly earlyGain: number;
  readonly earlyGainSe: number;
}

/** What the guard did: serialised with the model (meta.start of the file). */
export interface StartChoice {
  /** "off": the guard did not run (startGuard "off", the ablation, or no validation learners). */
  readonly chosen: StartKind | "off";
  readonly validationLearners: number;
  /** Attempts 2..guardAttempts of the validation learners that were scored. */
  readonly earlyAttempts: number;
  readonly candidates: readonly StartCandidate[];
}

export const GUARD_OFF: StartChoice = Object.freeze({ chosen: "off", validationLearners: 0, earlyAttempts: 0, candidates: [] });

/** The parameters of a candidate start (a copy where it differs from `p`). */
export function startParams(p: MetaParams, kind: StartKind, options: MetaOptions): MetaParams {
  switch (kind) {
    case "learned":
      return p;
    case "no-boost":
      return { ...p, boost: new Float64Array(p.boost.length) };
    case "shrunk":
      return { ...p, phi0: p.phi0.map((v) => v / 2), boost: p.boost.map((v) => v / 2) };
    case "neutral":
      return { ...p, phi0: new Float64Array(p.phi0.length), boost: new Float64Array(p.boost.length) };
    case "fixed-step":
      return {
        ...p,
        alpha: new Float64Array(p.alpha.length).fill(options.ablationStep),
        decay: new Float64Array(p.decay.length),
        boost: new Float64Array(p.boost.length),
        recent: Float64Array.of(0, p.recent[1]!),
      };
  }
}

/**
 * Per-learner sums of the online log loss: over attempts 2..lastEarly, and over all attempts; each
 * learner's sums times its weight when FitOptions.learnerWeights were given (`weight`: per attempt,
 * constant within a learner; learner-weights.ts), as in the validation loss of early stopping.
 */
function lossesByLearner(p: MetaParams, seq: EncodedSequences, learner: DenseLearner, lastEarly: number, weight?: Float64Array) {
  const n = seq.learnerIds.length;
  const early = new Float64Array(n),
    overall = new Float64Array(n);
  let earlyAttempts = 0;
  for (let l = 0; l < n; l++) {
    learner.reset(p);
    const from = seq.start[l]!,
      to = seq.start[l + 1]!;
    for (let j = from; j < to; j++) {
      const y = seq.correct[j]!;
      const prob = learner.step(p, seq.task[j]!, y);
      const loss = -Math.log(Math.max(1e-12, y === 1 ? prob : 1 - prob));
      overall[l]! += loss;
      const position = j - from + 1;
      if (position >= 2 && position <= lastEarly) {
        early[l]! += loss;
        earlyAttempts++;
      }
    }
    if (weight !== undefined && to > from) {
      early[l]! *= weight[from]!;
      overall[l]! *= weight[from]!;
    }
  }
  return { early, overall, earlyAttempts };
}

/** Σ of (a − b) and sqrt(n)·sd of the per-learner differences. */
function pairedSum(a: Float64Array, b: Float64Array): { sum: number; se: number } {
  const n = a.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! - b[i]!;
  const mean = sum / Math.max(1, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i]! - b[i]! - mean) ** 2;
  return { sum, se: n > 1 ? Math.sqrt(n) * Math.sqrt(ss / (n - 1)) : Infinity };
}

/**
 * Runs the rule above on the validation learners `val` (weighted like the early-stopping loss when
 * `weight` is given); returns the chosen parameters and the record.
 */
export function chooseStart(
  p: MetaParams,
  val: EncodedSequences,
  learner: DenseLearner,
  options: MetaOptions,
  weight?: Float64Array,
): { params: MetaParams; choice: StartChoice } {
  if (val.learnerIds.length < 2) return { params: p, choice: GUARD_OFF };
  const scored = START_KINDS.map((kind) => {
    const params = startParams(p, kind, options);
    return { kind, params, ...lossesByLearner(params, val, learner, options.guardAttempts, weight) };
  });
  const base = scored[0]!;
  const totalAttempts = val.task.length;
  let best = base,
    bestGain = 0;
  const candidates = scored.map((c): StartCandidate => {
    const early = pairedSum(base.early, c.early); // learned − candidate: the gain
    const cost = pairedSum(c.overall, base.overall);
    const isBase = c === base;
    if (!isBase && early.sum > early.se && cost.sum <= cost.se && early.sum > bestGain) {
      best = c;
      bestGain = early.sum;
    }
    const sumOf = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
    return {
      kind: c.kind,
      earlyLoss: sumOf(c.early) / Math.max(1, c.earlyAttempts),
      overallLoss: sumOf(c.overall) / Math.max(1, totalAttempts),
      earlyGain: isBase ? 0 : early.sum,
      earlyGainSe: isBase ? 0 : early.se,
    };
  });
  return {
    params: best.params,
    choice: { chosen: best.kind, validationLearners: val.learnerIds.length, earlyAttempts: base.earlyAttempts, candidates },
  };
}

/**
 * What a model version records of the guard (its metrics: the API shows them): the start kept and the
 * validation early loss of each candidate; null for a model without a start guard (not Meta).
 */
export function startSummary(
  model: unknown,
): { chosen: StartChoice["chosen"]; validationLearners: number; earlyLoss: Record<string, number> } | null {
  const start = (model as { start?: StartChoice } | null)?.start;
  if (!start) return null;
  return {
    chosen: start.chosen,
    validationLearners: start.validationLearners,
    earlyLoss: Object.fromEntries(start.candidates.map((c) => [c.kind, c.earlyLoss])),
  };
}
