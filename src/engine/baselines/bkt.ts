/**
 * Bayesian Knowledge Tracing (Corbett & Anderson 1995), one HMM per knowledge component, fitted by EM
 * (`bkt-em.ts`), with optional forgetting (the "bkt-forget" trainer; Khajah et al. 2016, pyBKT's
 * `forgets`).
 *
 * Multi-skill tasks: the knowledge component of a task is its SET of skills (the Q-matrix row), so a
 * task with skills {a, b} belongs to the component "a+b" — the usual treatment of ASSISTments 2009 in
 * BKT benchmarks (pyBKT on the combined skill id). A task with one skill belongs to that skill's component.
 *
 *   predict:  P(correct) = L (1 − S) + (1 − L) G          L = P(known) of the task's component
 *   update:   L|y = L(1 − S)/P(correct)  or  L S/(1 − P(correct));   L' = L|y (1 − F) + (1 − L|y) T
 *
 * Restarts: EM from a fixed start and from `restarts − 1` seeded random starts; the best likelihood wins.
 * A component never seen in training (a task whose skill set no training attempt had) uses the
 * attempt-weighted mean of the fitted components' parameters.
 *
 * Mastery of a skill: P(correct) of its own single-skill component (or the mean over the components
 * that contain it), with sd = (1 − S − G)·√(L(1 − L)) — the spread of P(correct) implied by the
 * uncertainty about the hidden state.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { clampProbability, createRng } from "../math.js";
import type { FitOptions, LearnerState, ModelTrainer, SkillMastery, Trace, TrainingSet } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { flattenTrainingSet } from "./training-data.js";
import { fitKc, type BktKcParams, type EmBounds } from "./bkt-em.js";
import { checkOutcome, checkState, num } from "./state.js";
import { checkSeed, pickParams, requireRange } from "./params.js";
import { IndexedModel } from "./indexed-model.js";

export interface BktParams {
  readonly forgetting: boolean;
  readonly restarts: number;
  readonly maxIterations: number;
  /** Stop EM when the relative log-likelihood gain of an iteration falls below this. */
  readonly tolerance: number;
  /** Upper bounds of guess and slip (keep "known" meaning known: G, S < 0.5). */
  readonly maxGuess: number;
  readonly maxSlip: number;
}

export const DEFAULT_BKT_PARAMS: BktParams = {
  forgetting: false,
  restarts: 4,
  maxIterations: 200,
  tolerance: 1e-7,
  maxGuess: 0.5,
  maxSlip: 0.5,
};

const FIXED_START: BktKcParams = { L0: 0.4, T: 0.1, F: 0.02, G: 0.2, S: 0.1 };

/** Knowledge components = distinct skill sets of the catalogue's tasks. */
function componentsOf(cat: CatalogIndex): { keys: string[]; taskKc: Int32Array } {
  const keyOf = (t: number) => {
    const ids: string[] = [];
    for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) ids.push(cat.skillIds[cat.qSkill[e]!]!);
    return ids.sort().join("+");
  };
  const taskKeys = Array.from({ length: cat.taskCount }, (_, t) => keyOf(t));
  const keys = [...new Set(taskKeys)].sort();
  const index = new Map(keys.map((k, i) => [k, i]));
  return { keys, taskKc: Int32Array.from(taskKeys, (k) => index.get(k)!) };
}

interface BktState {
  /** component key → P(known) */
  readonly L: Readonly<Record<string, number>>;
  /** skill id → attempts */
  readonly n: Readonly<Record<string, number>>;
}

export class BktModel extends IndexedModel<BktState> {
  private readonly kcKeys: string[];
  private readonly taskKc: Int32Array;
  /** For each skill, the components used for its mastery. */
  private readonly skillKcs: number[][];

  constructor(
    readonly name: "bkt" | "bkt-forget",
    readonly catalog: CatalogIndex,
    /** Per component: L0, T, F, G, S (5 values each), for every component of the catalogue. */
    readonly kcParams: Float64Array,
    /** Training attempts per component (0 = never seen: holds the default parameters). */
    readonly kcAttempts: Int32Array,
  ) {
    super();
    const { keys, taskKc } = componentsOf(catalog);
    this.kcKeys = keys;
    this.taskKc = taskKc;
    if (kcParams.length !== 5 * keys.length || kcAttempts.length !== keys.length) {
      throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: bkt parameters do not match the catalogue");
    }
    const kcIndex = new Map(keys.map((k, i) => [k, i]));
    this.skillKcs = catalog.skillIds.map((id) => {
      const own = kcIndex.get(id);
      if (own !== undefined) return [own];
      return keys
        .map((k, i) => [k, i] as const)
        .filter(([k]) => k.split("+").includes(id))
        .map(([, i]) => i);
    });
  }

  private p(kc: number): BktKcParams {
    const o = 5 * kc,
      w = this.kcParams;
    return { L0: w[o]!, T: w[o + 1]!, F: w[o + 2]!, G: w[o + 3]!, S: w[o + 4]! };
  }

  initialState(): LearnerState {
    return { model: this.name, attempts: 0, data: { L: {}, n: {} } };
  }

  protected decode(state: LearnerState): BktState {
    checkState(state, this.name);
    const d = state.data as Partial<BktState>;
    return { L: d.L ?? {}, n: d.n ?? {} };
  }

  private known(s: BktState, kc: number): number {
    return num(s.L[this.kcKeys[kc]!], this.kcParams[5 * kc]!);
  }

  private pCorrect(s: BktState, kc: number): number {
    const L = this.known(s, kc),
      G = this.kcParams[5 * kc + 3]!,
      S = this.kcParams[5 * kc + 4]!;
    return L * (1 - S) + (1 - L) * G;
  }

  protected probability(s: BktState, task: number): number {
    return clampProbability(this.pCorrect(s, this.taskKc[task]!));
  }

  update(state: LearnerState, trace: Trace): LearnerState {
    const s = this.decode(state);
    const t = this.catalog.task(trace.taskId);
    checkOutcome(trace.correct);
    const kc = this.taskKc[t]!;
    const { T, F, G, S } = this.p(kc);
    const L = this.known(s, kc);
    const posterior = trace.correct ? (L * (1 - S)) / (L * (1 - S) + (1 - L) * G) : (L * S) / (L * S + (1 - L) * (1 - G));
    const next = posterior * (1 - F) + (1 - posterior) * T;
    const n = { ...s.n };
    for (let e = this.catalog.qStart[t]!; e < this.catalog.qStart[t + 1]!; e++) {
      const id = this.catalog.skillIds[this.catalog.qSkill[e]!]!;
      n[id] = (n[id] ?? 0) + 1;
    }
    return { model: this.name, attempts: state.attempts + 1, data: { L: { ...s.L, [this.kcKeys[kc]!]: clampProbability(next, 1e-9) }, n } };
  }

  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[] {
    const s = this.decode(state);
    return (skillIds ?? this.catalog.skillIds).map((skillId) => {
      const kcs = this.skillKcs[this.catalog.skill(skillId)]!;
      let p = 0,
        sd = 0;
      for (const kc of kcs) {
        const L = this.known(s, kc),
          { G, S } = this.p(kc);
        p += L * (1 - S) + (1 - L) * G;
        sd += Math.abs(1 - S - G) * Math.sqrt(L * (1 - L));
      }
      const m = Math.max(1, kcs.length);
      return { skillId, p: clampProbability(kcs.length ? p / m : 0.5), sd: kcs.length ? sd / m : 0.5, attempts: s.n[skillId] ?? 0 };
    });
  }

  /** The fitted parameters of every component, by key (for reports and tests). */
  components(): { key: string; attempts: number; params: BktKcParams }[] {
    return this.kcKeys.map((key, kc) => ({ key, attempts: this.kcAttempts[kc]!, params: this.p(kc) }));
  }

  serialize(): Uint8Array {
    const cat = this.catalog.toFile();
    return encodeModel({
      model: this.name,
      meta: cat.meta,
      tensors: { ...cat.tensors, kcParams: this.kcParams, kcAttempts: this.kcAttempts },
    });
  }
}

export function loadBktModel(bytes: Uint8Array): BktModel {
  const file = decodeModel(bytes);
  if (file.model !== "bkt" && file.model !== "bkt-forget")
    throw new EngineError(EngineErrorCode.InvalidData, `a ${file.model} model file cannot be loaded as bkt`);
  const catalog = CatalogIndex.fromFile(file.meta, file.tensors);
  const { kcParams, kcAttempts } = file.tensors;
  if (!(kcParams instanceof Float64Array) || !(kcAttempts instanceof Int32Array))
    throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: bkt fields missing");
  return new BktModel(file.model, catalog, kcParams, kcAttempts);
}

/** Groups the training attempts by component: per component, its learners' subsequences in order. */
function sequencesByComponent(data: TrainingSet, taskKc: Int32Array, kcCount: number) {
  const flat = flattenTrainingSet(data);
  const obs: number[][] = Array.from({ length: kcCount }, () => []);
  const starts: number[][] = Array.from({ length: kcCount }, () => [0]);
  const perLearner = new Map<number, number[]>();
  for (let u = 0; u < flat.learnerIds.length; u++) {
    perLearner.clear();
    for (let r = flat.learnerStart[u]!; r < flat.learnerStart[u + 1]!; r++) {
      const kc = taskKc[flat.task[r]!]!;
      let list = perLearner.get(kc);
      if (!list) {
        list = [];
        perLearner.set(kc, list);
      }
      list.push(flat.correct[r]!);
    }
    for (const [kc, list] of perLearner) {
      for (const y of list) obs[kc]!.push(y);
      starts[kc]!.push(obs[kc]!.length);
    }
  }
  return { flat, obs: obs.map((o) => Uint8Array.from(o)), starts: starts.map((s) => Int32Array.from(s)) };
}

function makeTrainer(name: "bkt" | "bkt-forget", forgettingDefault: boolean): ModelTrainer<BktParams> {
  return {
    name,
    async fit(data, options: FitOptions & Partial<BktParams>) {
      checkSeed(options.seed);
      const params = pickParams({ ...DEFAULT_BKT_PARAMS, forgetting: forgettingDefault }, options);
      requireRange(name, "restarts", params.restarts, 1, 100);
      requireRange(name, "maxIterations", params.maxIterations, 1, 100000);
      requireRange(name, "tolerance", params.tolerance, 0, 1);
      requireRange(name, "maxGuess", params.maxGuess, 0, 1, true);
      requireRange(name, "maxSlip", params.maxSlip, 0, 1, true);
      const cat = CatalogIndex.fromCatalog(data.catalog);
      const { keys, taskKc } = componentsOf(cat);
      const { obs, starts } = sequencesByComponent(data, taskKc, keys.length);
      const bounds: EmBounds = { forgetting: params.forgetting, maxGuess: params.maxGuess, maxSlip: params.maxSlip };
      const rng = createRng(options.seed);
      const kcParams = new Float64Array(5 * keys.length);
      const kcAttempts = Int32Array.from(obs, (o) => o.length);
      const total = kcAttempts.reduce((a, b) => a + b, 0);
      let done = 0;
      const mean = [0, 0, 0, 0, 0];
      for (let kc = 0; kc < keys.length; kc++) {
        // Draw every restart's start even for empty components, so a component's fit does not depend on which others are empty.
        const startsForKc: BktKcParams[] = [FIXED_START];
        for (let r = 1; r < params.restarts; r++) {
          startsForKc.push({
            L0: 0.1 + 0.8 * rng.next(),
            T: 0.02 + 0.3 * rng.next(),
            F: 0.01 + 0.09 * rng.next(),
            G: 0.05 + 0.3 * rng.next(),
            S: 0.05 + 0.3 * rng.next(),
          });
        }
        if (obs[kc]!.length === 0) continue;
        let best: { params: BktKcParams; logLikelihood: number } | undefined;
        for (const init of startsForKc) {
          const r = fitKc(obs[kc]!, starts[kc]!, init, bounds, params.maxIterations, params.tolerance);
          if (!best || r.logLikelihood > best.logLikelihood) best = r;
        }
        const p = best!.params;
        kcParams.set([p.L0, p.T, p.F, p.G, p.S], 5 * kc);
        [p.L0, p.T, p.F, p.G, p.S].forEach((v, i) => {
          mean[i]! += (v * obs[kc]!.length) / total;
        });
        done += obs[kc]!.length;
        options.onProgress?.(done / total, `${name} EM ${kc + 1}/${keys.length}`);
      }
      for (let kc = 0; kc < keys.length; kc++) if (kcAttempts[kc] === 0) kcParams.set(mean, 5 * kc);
      return new BktModel(name, cat, kcParams, kcAttempts);
    },
  };
}

export const bktTrainer = makeTrainer("bkt", false);
export const bktForgettingTrainer = makeTrainer("bkt-forget", true);
