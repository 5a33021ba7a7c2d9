/**
 * The Meta model's hyper-parameters: one object, with defaults and validation (ts-fsrs style).
 * The defaults were chosen on a validation split carved out of the training learners of
 * ASSISTments 2009 (never on its test learners); see bench/meta-dev.ts.
 */
import { EngineError, EngineErrorCode } from "../errors.js";

export interface MetaOptions {
  /** Length of the truncated windows the training unrolls (attempts). */
  readonly window: number;
  /** Windows per optimisation step. */
  readonly batchWindows: number;
  /** Upper bound on passes over the training learners. */
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  /** Adam learning rate. */
  readonly learningRate: number;
  /** Share of the training learners held out for early stopping (0 = none: run maxEpochs). */
  readonly validationFraction: number;
  /** L2 penalty (a Gaussian prior's precision) on the per-task offsets, which shrinks them to their skills. */
  readonly l2Task: number;
  /** L2 penalty on the per-skill parameters. */
  readonly l2Skill: number;
  /** Initial step size α of every personal coordinate (Meta) before meta-learning. */
  readonly initialStep: number;
  /** Initial count decay b of the step α/(1 + b·n) (Meta). */
  readonly initialDecay: number;
  /** The ablation's one fixed step size (its φ₀ is 0 and its step does not decay). */
  readonly ablationStep: number;
  /** Prior sd of a personal ability, in logits: the uncertainty of mastery before any evidence. */
  readonly abilityPriorSd: number;
}

export const defaultMetaOptions: MetaOptions = Object.freeze({
  window: 64,
  batchWindows: 256,
  maxEpochs: 30,
  patience: 3,
  learningRate: 0.05,
  validationFraction: 0.1,
  l2Task: 1,
  l2Skill: 0.1,
  initialStep: 0.1,
  initialDecay: 0.1,
  ablationStep: 0.1,
  abilityPriorSd: 1,
});

const invalid = (name: string, value: unknown, rule: string) =>
  new EngineError(EngineErrorCode.InvalidParameters, `MetaOptions.${name} = ${String(value)}: ${rule}`, { name, value });

/** Merges `partial` over the defaults and checks every field; throws INVALID_PARAMETERS. */
export function validateMetaOptions(partial: Partial<MetaOptions> = {}): MetaOptions {
  const o: MetaOptions = { ...defaultMetaOptions, ...stripUndefined(partial) };
  const integer = (name: keyof MetaOptions, min: number) => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min) throw invalid(name, v, `must be an integer ≥ ${min}`);
  };
  const positive = (name: keyof MetaOptions) => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw invalid(name, v, "must be a finite number > 0");
  };
  const nonNegative = (name: keyof MetaOptions) => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw invalid(name, v, "must be a finite number ≥ 0");
  };
  integer("window", 2);
  integer("batchWindows", 1);
  integer("maxEpochs", 1);
  integer("patience", 1);
  positive("learningRate");
  nonNegative("l2Task");
  nonNegative("l2Skill");
  positive("initialStep");
  nonNegative("initialDecay");
  positive("ablationStep");
  positive("abilityPriorSd");
  const f = o.validationFraction;
  if (typeof f !== "number" || !(f >= 0 && f < 1)) throw invalid("validationFraction", f, "must be in [0, 1)");
  return o;
}

/** Picks the MetaOptions fields out of a fit's options bag (which also carries seed, onProgress). */
export function metaOptionsFrom(bag: Record<string, unknown>): Partial<MetaOptions> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(defaultMetaOptions)) if (bag[key] !== undefined) out[key] = bag[key];
  return out as Partial<MetaOptions>;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
