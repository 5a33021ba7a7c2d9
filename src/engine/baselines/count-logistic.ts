/**
 * Logistic knowledge-tracing models on practice counts: PFA and Best-LR are the same machinery with
 * different feature sets.
 *
 *   logit P(correct of u on task i) = b
 *       + w_i                                                  (item,   Best-LR)
 *       + Σ_{k ∈ Q(i)} q_ik · ( β_k + γ_k φ(s_uk) + ρ_k φ(f_uk) )  (skill,  PFA and Best-LR)
 *       + γ φ(S_u) + ρ φ(F_u)                                  (totals, Best-LR)
 *
 * s_uk / f_uk are u's earlier successes / failures on skill k, S_u / F_u over all skills, and
 * φ(x) = ln(1 + x) (Gervet et al. 2020's scaling; `counts: "raw"` gives Pavlik's original PFA).
 * Fitted by L2-regularised logistic regression (`sparse-logistic.ts`) on every training attempt, with
 * the counts taken before the attempt. Online, the learner's state is just the counts.
 *
 * A task never seen in training has w_i = 0 — the L2 prior's mean — so it is predicted from its skills'
 * parameters alone; a skill never seen likewise contributes 0.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { decodeModel, encodeModel, type TensorData } from "../serialization.js";
import { predictProbability } from "../math.js";
import type { FitOptions, LearnerState, SkillMastery, Trace, TrainingSet } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { flattenTrainingSet } from "./training-data.js";
import { fitSparseLogistic, SparseDesign } from "./sparse-logistic.js";
import { checkOutcome, checkState, num } from "./state.js";
import { checkSeed, pickParams, requireRange, invalidParameter } from "./params.js";
import { IndexedModel } from "./indexed-model.js";

export interface CountFeatureSet {
  readonly items: boolean;
  readonly skills: boolean;
  readonly skillCounts: boolean;
  readonly totalCounts: boolean;
}

export interface CountLogisticParams {
  /** λ of the L2 penalty on every weight but the intercept (scikit-learn's 1/C). */
  readonly l2: number;
  /** φ: "log1p" (ln(1 + x)) or "raw" counts. */
  readonly counts: "log1p" | "raw";
  readonly maxIterations: number;
}

export const DEFAULT_COUNT_LOGISTIC_PARAMS: CountLogisticParams = { l2: 1, counts: "log1p", maxIterations: 400 };

/** The counts a learner state holds. */
interface Counts {
  /** skill id → successes / failures */
  readonly s: Readonly<Record<string, number>>;
  readonly f: Readonly<Record<string, number>>;
  readonly S: number;
  readonly F: number;
}

/** Feature offsets in the weight vector, derived from the feature set and the catalogue size. */
export class Layout {
  readonly item: number;
  readonly skill: number;
  readonly skillSucc: number;
  readonly skillFail: number;
  readonly totalSucc: number;
  readonly totalFail: number;
  readonly size: number;
  constructor(
    readonly features: CountFeatureSet,
    tasks: number,
    skills: number,
  ) {
    let o = 1; // 0 = intercept
    /** The offset of the next `n` columns, which it reserves. */
    const take = (n: number) => {
      o += n;
      return o - n;
    };
    this.item = features.items ? take(tasks) : -1;
    this.skill = features.skills ? take(skills) : -1;
    this.skillSucc = features.skillCounts ? take(skills) : -1;
    this.skillFail = features.skillCounts ? take(skills) : -1;
    this.totalSucc = features.totalCounts ? take(1) : -1;
    this.totalFail = features.totalCounts ? take(1) : -1;
    this.size = o;
  }
}

const phiOf = (counts: CountLogisticParams["counts"]) => (counts === "raw" ? (x: number) => x : Math.log1p);

/**
 * THE feature map (one definition for training and prediction): calls emit(feature, value) for task t
 * given count look-ups.
 */
function emitFeatures(
  layout: Layout,
  cat: CatalogIndex,
  phi: (x: number) => number,
  t: number,
  succ: (k: number) => number,
  fail: (k: number) => number,
  S: number,
  F: number,
  emit: (feature: number, value: number) => void,
): void {
  emit(0, 1);
  if (layout.item >= 0) emit(layout.item + t, 1);
  for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
    const k = cat.qSkill[e]!,
      q = cat.qWeight[e]!;
    if (layout.skill >= 0) emit(layout.skill + k, q);
    if (layout.skillSucc >= 0) {
      emit(layout.skillSucc + k, q * phi(succ(k)));
      emit(layout.skillFail + k, q * phi(fail(k)));
    }
  }
  if (layout.totalSucc >= 0) {
    emit(layout.totalSucc, phi(S));
    emit(layout.totalFail, phi(F));
  }
}

export class CountLogisticModel extends IndexedModel<Counts> {
  /** Where each feature's weights are in `weights` (the new-task benchmark reads a task's item weight). */
  readonly layout: Layout;
  private readonly phi: (x: number) => number;
  /** Mean item weight over the trained tasks of each skill: the "typical task" of the skill for mastery. */
  private readonly typicalItem: Float64Array;

  constructor(
    readonly name: string,
    readonly features: CountFeatureSet,
    readonly params: CountLogisticParams,
    readonly catalog: CatalogIndex,
    readonly weights: Float64Array,
    readonly taskAttempts: Int32Array,
  ) {
    super();
    this.layout = new Layout(features, catalog.taskCount, catalog.skillCount);
    this.phi = phiOf(params.counts);
    this.typicalItem = new Float64Array(catalog.skillCount);
    if (this.layout.item >= 0) {
      const n = new Float64Array(catalog.skillCount);
      for (let t = 0; t < catalog.taskCount; t++) {
        if (taskAttempts[t] === 0) continue;
        for (let e = catalog.qStart[t]!; e < catalog.qStart[t + 1]!; e++) {
          this.typicalItem[catalog.qSkill[e]!]! += weights[this.layout.item + t]!;
          n[catalog.qSkill[e]!]!++;
        }
      }
      for (let k = 0; k < n.length; k++) if (n[k]! > 0) this.typicalItem[k]! /= n[k]!;
    }
  }

  initialState(): LearnerState {
    return { model: this.name, attempts: 0, data: { s: {}, f: {}, S: 0, F: 0 } };
  }

  protected decode(state: LearnerState): Counts {
    checkState(state, this.name);
    const d = state.data as Partial<Counts>;
    return { s: d.s ?? {}, f: d.f ?? {}, S: num(d.S, 0), F: num(d.F, 0) };
  }

  private logit(c: Counts, t: number): number {
    const ids = this.catalog.skillIds;
    let z = 0;
    const w = this.weights;
    emitFeatures(
      this.layout,
      this.catalog,
      this.phi,
      t,
      (k) => c.s[ids[k]!] ?? 0,
      (k) => c.f[ids[k]!] ?? 0,
      c.S,
      c.F,
      (j, v) => {
        z += w[j]! * v;
      },
    );
    return z;
  }

  protected probability(s: Counts, task: number): number {
    return predictProbability(this.logit(s, task));
  }

  update(state: LearnerState, trace: Trace): LearnerState {
    const c = this.decode(state);
    const t = this.catalog.task(trace.taskId);
    checkOutcome(trace.correct);
    const s = { ...c.s },
      f = { ...c.f };
    const bucket = trace.correct === 1 ? s : f;
    for (let e = this.catalog.qStart[t]!; e < this.catalog.qStart[t + 1]!; e++) {
      const id = this.catalog.skillIds[this.catalog.qSkill[e]!]!;
      bucket[id] = (bucket[id] ?? 0) + 1;
    }
    return {
      model: this.name,
      attempts: state.attempts + 1,
      data: { s, f, S: c.S + trace.correct, F: c.F + 1 - trace.correct },
    };
  }

  /**
   * P(correct) on a typical task of the skill: a single-skill task with the skill's mean item weight.
   * sd: the model has no posterior, so we report the binomial spread of a rate seen over n + 2 attempts,
   * √(p(1 − p) / (n + 2)) — wide for a new learner, narrowing with practice.
   */
  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[] {
    const c = this.decode(state);
    const L = this.layout,
      w = this.weights;
    return (skillIds ?? this.catalog.skillIds).map((skillId) => {
      const k = this.catalog.skill(skillId);
      const s = c.s[skillId] ?? 0,
        f = c.f[skillId] ?? 0;
      let z = w[0]! + this.typicalItem[k]!;
      if (L.skill >= 0) z += w[L.skill + k]!;
      if (L.skillSucc >= 0) z += w[L.skillSucc + k]! * this.phi(s) + w[L.skillFail + k]! * this.phi(f);
      if (L.totalSucc >= 0) z += w[L.totalSucc]! * this.phi(c.S) + w[L.totalFail]! * this.phi(c.F);
      const p = predictProbability(z);
      return { skillId, p, sd: Math.sqrt((p * (1 - p)) / (s + f + 2)), attempts: s + f };
    });
  }

  serialize(): Uint8Array {
    const cat = this.catalog.toFile();
    const tensors: Record<string, TensorData> = { ...cat.tensors, weights: this.weights, taskAttempts: this.taskAttempts };
    return encodeModel({ model: this.name, meta: { ...cat.meta, features: this.features, params: this.params }, tensors });
  }

  static load(name: string, bytes: Uint8Array): CountLogisticModel {
    const file = decodeModel(bytes);
    if (file.model !== name) throw new EngineError(EngineErrorCode.InvalidData, `a ${file.model} model file cannot be loaded as ${name}`);
    const meta = file.meta as { features?: CountFeatureSet; params?: CountLogisticParams };
    const catalog = CatalogIndex.fromFile(file.meta, file.tensors);
    const { weights, taskAttempts } = file.tensors;
    if (!meta.features || !meta.params || !(weights instanceof Float64Array) || !(taskAttempts instanceof Int32Array)) {
      throw new EngineError(EngineErrorCode.CorruptModel, `corrupt model file: ${name} fields missing`);
    }
    const layout = new Layout(meta.features, catalog.taskCount, catalog.skillCount);
    if (weights.length !== layout.size || taskAttempts.length !== catalog.taskCount) {
      throw new EngineError(EngineErrorCode.CorruptModel, `corrupt model file: ${name} weights do not match the catalogue`);
    }
    return new CountLogisticModel(name, meta.features, meta.params, catalog, weights, taskAttempts);
  }
}

/** Fits a count-logistic model of the given feature set on the training set. */
export function fitCountLogistic(
  name: string,
  features: CountFeatureSet,
  data: TrainingSet,
  options: FitOptions & Partial<CountLogisticParams>,
): CountLogisticModel {
  checkSeed(options.seed);
  const params = pickParams(DEFAULT_COUNT_LOGISTIC_PARAMS, options);
  requireRange(name, "l2", params.l2, 0, 1e6);
  requireRange(name, "maxIterations", params.maxIterations, 1, 100000);
  if (params.counts !== "log1p" && params.counts !== "raw") throw invalidParameter(name, `counts must be "log1p" or "raw"`);
  const flat = flattenTrainingSet(data);
  const cat = flat.catalog;
  const layout = new Layout(features, cat.taskCount, cat.skillCount);
  const phi = phiOf(params.counts);
  const design = new SparseDesign(layout.size);
  const succ = new Float64Array(cat.skillCount),
    fail = new Float64Array(cat.skillCount);
  const touched: number[] = [];
  for (let u = 0; u < flat.learnerIds.length; u++) {
    for (const k of touched) succ[k] = fail[k] = 0;
    touched.length = 0;
    let S = 0,
      F = 0;
    for (let r = flat.learnerStart[u]!; r < flat.learnerStart[u + 1]!; r++) {
      const t = flat.task[r]!,
        y = flat.correct[r]! as 0 | 1;
      emitFeatures(
        layout,
        cat,
        phi,
        t,
        (k) => succ[k]!,
        (k) => fail[k]!,
        S,
        F,
        (j, v) => design.add(j, v),
      );
      design.endRow(y);
      for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
        const k = cat.qSkill[e]!;
        if (succ[k] === 0 && fail[k] === 0) touched.push(k);
        if (y === 1) succ[k]!++;
        else fail[k]!++;
      }
      S += y;
      F += 1 - y;
    }
  }
  const l2 = new Float64Array(layout.size).fill(params.l2);
  l2[0] = 0; // the intercept is not penalised
  const fit = fitSparseLogistic(design.build(), l2, {
    maxIterations: params.maxIterations,
    onProgress: options.onProgress ? (f) => options.onProgress!(f, `${name} L-BFGS`) : undefined,
  });
  options.onProgress?.(1, `${name} done`);
  return new CountLogisticModel(name, features, params, cat, fit.weights, flat.taskAttempts);
}

export const PFA_FEATURES: CountFeatureSet = { items: false, skills: true, skillCounts: true, totalCounts: false };
export const BESTLR_FEATURES: CountFeatureSet = { items: true, skills: true, skillCounts: true, totalCounts: true };
