/**
 * IRT 1PL (Rasch) with an online ability estimate for new learners.
 *
 *   P(correct of u on i) = σ(θ_u + e_i),   e_i = b + w_i = −(difficulty of i)
 *
 * Fit: joint L2-regularised maximum likelihood (MAP with N(0, 1/λ) priors) over the training learners'
 * abilities θ_u and the item easinesses w_i, by L-BFGS (`sparse-logistic.ts`); b is an unpenalised
 * intercept. The training abilities are then discarded — test learners are new.
 *
 * Online ability: a Gaussian (Laplace) posterior N(m, v) per learner, starting at the prior N(0, σ²)
 * with σ² = the variance of the fitted training abilities (floored at 0.05). After each attempt, one
 * Newton step on the log-posterior:
 *
 *   p = σ(m + e_i);   1/v' = 1/v + p(1 − p);   m' = m + v' · (y − p)
 *
 * — the MAP estimate with N(0, σ²) prior, updated incrementally in O(1) per attempt (exact for the
 * quadratic approximation of the past). Predictions use the point estimate m (the MAP).
 *
 * A task never seen in training gets the mean easiness of the trained tasks sharing its skills (else of
 * all trained tasks): `item-prior.ts`.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { predictProbability, variance } from "../math.js";
import type { FitOptions, LearnerState, ModelTrainer, SkillMastery, Trace } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { flattenTrainingSet } from "./training-data.js";
import { fitSparseLogistic, SparseDesign } from "./sparse-logistic.js";
import { fillUntrainedTasks, typicalTaskValue } from "./item-prior.js";
import { checkOutcome, checkState, num } from "./state.js";
import { checkSeed, pickParams, requireRange } from "./params.js";
import { IndexedModel } from "./indexed-model.js";

export interface IrtParams {
  /** λ of the L2 penalty on abilities and item easinesses during fitting. */
  readonly l2: number;
  readonly maxIterations: number;
  /** Floor of the prior variance σ² of a new learner's ability. */
  readonly minAbilityVariance: number;
}

export const DEFAULT_IRT_PARAMS: IrtParams = { l2: 1, maxIterations: 400, minAbilityVariance: 0.05 };

interface IrtState {
  /** Posterior mean and variance of the ability. */
  readonly m: number;
  readonly v: number;
  /** Attempts per skill (for mastery). */
  readonly n: Readonly<Record<string, number>>;
}

export class IrtModel extends IndexedModel<IrtState> {
  readonly name = "irt";
  private readonly typical: Float64Array;

  constructor(
    readonly catalog: CatalogIndex,
    /** e_t = b + w_t for every catalogue task (untrained tasks hold their prior). */
    readonly easiness: Float64Array,
    readonly taskAttempts: Int32Array,
    readonly abilityVariance: number,
  ) {
    super();
    this.typical = typicalTaskValue(catalog, easiness, taskAttempts);
  }

  initialState(): LearnerState {
    return { model: this.name, attempts: 0, data: { m: 0, v: this.abilityVariance, n: {} } };
  }

  protected decode(state: LearnerState): IrtState {
    checkState(state, this.name);
    const d = state.data as Partial<IrtState>;
    return { m: num(d.m, 0), v: Math.max(1e-9, num(d.v, this.abilityVariance)), n: d.n ?? {} };
  }

  protected probability(s: IrtState, task: number): number {
    return predictProbability(s.m + this.easiness[task]!);
  }

  update(state: LearnerState, trace: Trace): LearnerState {
    const s = this.decode(state);
    const t = this.catalog.task(trace.taskId);
    checkOutcome(trace.correct);
    const p = predictProbability(s.m + this.easiness[t]!);
    const v = 1 / (1 / s.v + p * (1 - p));
    const m = s.m + v * (trace.correct - p);
    const n = { ...s.n };
    for (let e = this.catalog.qStart[t]!; e < this.catalog.qStart[t + 1]!; e++) {
      const id = this.catalog.skillIds[this.catalog.qSkill[e]!]!;
      n[id] = (n[id] ?? 0) + 1;
    }
    return { model: this.name, attempts: state.attempts + 1, data: { m, v, n } };
  }

  /** P(correct) on a task of the skill's mean easiness; sd by the delta method, p(1 − p)·√v. */
  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[] {
    const s = this.decode(state);
    return (skillIds ?? this.catalog.skillIds).map((skillId) => {
      const p = predictProbability(s.m + this.typical[this.catalog.skill(skillId)]!);
      return { skillId, p, sd: p * (1 - p) * Math.sqrt(s.v), attempts: s.n[skillId] ?? 0 };
    });
  }

  serialize(): Uint8Array {
    const cat = this.catalog.toFile();
    return encodeModel({
      model: this.name,
      meta: { ...cat.meta, abilityVariance: this.abilityVariance },
      tensors: { ...cat.tensors, easiness: this.easiness, taskAttempts: this.taskAttempts },
    });
  }
}

export function loadIrtModel(bytes: Uint8Array): IrtModel {
  const file = decodeModel(bytes);
  if (file.model !== "irt") throw new EngineError(EngineErrorCode.InvalidData, `a ${file.model} model file cannot be loaded as irt`);
  const catalog = CatalogIndex.fromFile(file.meta, file.tensors);
  const { easiness, taskAttempts } = file.tensors;
  const variance = (file.meta as { abilityVariance?: unknown }).abilityVariance;
  if (
    !(easiness instanceof Float64Array) ||
    !(taskAttempts instanceof Int32Array) ||
    easiness.length !== catalog.taskCount ||
    typeof variance !== "number" ||
    !(variance > 0)
  ) {
    throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: irt fields missing");
  }
  return new IrtModel(catalog, easiness, taskAttempts, variance);
}

export const irtTrainer: ModelTrainer<IrtParams> = {
  name: "irt",
  async fit(data, options: FitOptions & Partial<IrtParams>) {
    checkSeed(options.seed);
    const params = pickParams(DEFAULT_IRT_PARAMS, options);
    requireRange("irt", "l2", params.l2, 0, 1e6, true);
    requireRange("irt", "maxIterations", params.maxIterations, 1, 100000);
    requireRange("irt", "minAbilityVariance", params.minAbilityVariance, 0, 100, true);
    const flat = flattenTrainingSet(data);
    const cat = flat.catalog;
    const U = flat.learnerIds.length;
    // Features: 0 = intercept, 1..U = learner abilities, U+1.. = item easinesses.
    const design = new SparseDesign(1 + U + cat.taskCount);
    for (let u = 0; u < U; u++) {
      for (let r = flat.learnerStart[u]!; r < flat.learnerStart[u + 1]!; r++) {
        design.add(0, 1);
        design.add(1 + u, 1);
        design.add(1 + U + flat.task[r]!, 1);
        design.endRow(flat.correct[r]! as 0 | 1);
      }
    }
    const l2 = new Float64Array(design.featureCount).fill(params.l2);
    l2[0] = 0;
    const fit = fitSparseLogistic(design.build(), l2, {
      maxIterations: params.maxIterations,
      onProgress: options.onProgress ? (f) => options.onProgress!(f, "irt L-BFGS") : undefined,
    });
    const w = fit.weights;
    const easiness = new Float64Array(cat.taskCount);
    for (let t = 0; t < cat.taskCount; t++) easiness[t] = w[0]! + w[1 + U + t]!;
    const abilities = w.subarray(1, 1 + U);
    const abilityVariance = Math.max(params.minAbilityVariance, variance(abilities));
    return new IrtModel(cat, fillUntrainedTasks(cat, easiness, flat.taskAttempts), flat.taskAttempts, abilityVariance);
  },
};
