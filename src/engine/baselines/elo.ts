/**
 * Elo rating for learners and items with Pelánek's uncertainty function (Pelánek 2016, "Applications of
 * the Elo rating system in adaptive educational systems"), plus per-skill learner ratings:
 *
 *   P(correct of u on i) = σ(θ_u + θ̄_{u,i} − d_i),  θ̄_{u,i} = Σ_k q_ik θ_{u,k} / Σ_k q_ik
 *   after the attempt, with e = y − P:
 *     θ_u     += U(n_u) · e
 *     θ_{u,k} += U(n_{u,k}) · e             for each skill k of i (if `skillRatings`)
 *     d_i     −= U(n_i) · e                 (training only: items are frozen afterwards)
 *   U(n) = a / (1 + b · n),  n = the number of earlier updates of that rating.
 *
 * Fit: one pass over the training learners, in a seeded random order, learner by learner (ASSISTments
 * has no cross-learner clock). a and b: grid search (a ∈ gridA, b ∈ gridB) on the log loss of a
 * validation split (20 %, seeded) of the training learners, scored exactly as the model is used (items
 * frozen, learner ratings updated online); then one pass over all training learners with the best pair.
 * Passing `a` and `b` skips the search.
 *
 * A task never seen in training gets the mean difficulty of the trained tasks sharing its skills
 * (`item-prior.ts`).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { decodeModel, encodeModel } from "../serialization.js";
import { createRng, predictProbability, sigmoid } from "../math.js";
import type { FitOptions, LearnerState, ModelTrainer, SkillMastery, Trace } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import { flattenTrainingSet, type FlatTraces } from "./training-data.js";
import { fillUntrainedTasks, typicalTaskValue } from "./item-prior.js";
import { checkOutcome, checkState, num } from "./state.js";
import { checkSeed, invalidParameter, pickParams } from "./params.js";
import { IndexedModel } from "./indexed-model.js";

export interface EloParams {
  /** U(n) = a / (1 + b n). When both are given, no grid search. */
  readonly a?: number;
  readonly b?: number;
  readonly gridA: readonly number[];
  readonly gridB: readonly number[];
  /** Per-skill learner ratings on top of the global one. */
  readonly skillRatings: boolean;
}

export const DEFAULT_ELO_PARAMS: EloParams = {
  gridA: [0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2, 1.8],
  gridB: [0, 0.003, 0.01, 0.03, 0.1, 0.3],
  skillRatings: true,
};

const uncertainty = (a: number, b: number, n: number) => a / (1 + b * n);

interface EloState {
  readonly theta: number;
  readonly n: number;
  /** skill id → [rating, updates] */
  readonly skills: Readonly<Record<string, readonly [number, number]>>;
}

/** One Elo pass over learners (given order); items update when `learnItems`. Returns the validation log loss sum. */
function eloPass(
  flat: FlatTraces,
  learners: readonly number[],
  difficulty: Float64Array,
  itemCount: Float64Array,
  a: number,
  b: number,
  skillRatings: boolean,
  learnItems: boolean,
): number {
  const cat = flat.catalog;
  const skillTheta = new Float64Array(cat.skillCount),
    skillN = new Float64Array(cat.skillCount);
  const touched: number[] = [];
  let loss = 0;
  for (const u of learners) {
    for (const k of touched) skillTheta[k] = skillN[k] = 0;
    touched.length = 0;
    let theta = 0,
      n = 0;
    for (let r = flat.learnerStart[u]!; r < flat.learnerStart[u + 1]!; r++) {
      const t = flat.task[r]!,
        y = flat.correct[r]!;
      let z = theta - difficulty[t]!;
      if (skillRatings) {
        let s = 0,
          w = 0;
        for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
          s += cat.qWeight[e]! * skillTheta[cat.qSkill[e]!]!;
          w += cat.qWeight[e]!;
        }
        if (w > 0) z += s / w;
      }
      const p = predictProbability(z);
      loss -= y ? Math.log(p) : Math.log(1 - p);
      const err = y - sigmoid(z);
      theta += uncertainty(a, b, n++) * err;
      if (skillRatings) {
        for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
          const k = cat.qSkill[e]!;
          if (skillN[k] === 0) touched.push(k);
          skillTheta[k]! += uncertainty(a, b, skillN[k]!) * err;
          skillN[k]!++;
        }
      }
      if (learnItems) {
        difficulty[t]! -= uncertainty(a, b, itemCount[t]!) * err;
        itemCount[t]!++;
      }
    }
  }
  return loss;
}

export class EloModel extends IndexedModel<EloState> {
  readonly name = "elo";
  private readonly typical: Float64Array;

  constructor(
    readonly catalog: CatalogIndex,
    readonly difficulty: Float64Array,
    readonly taskAttempts: Int32Array,
    readonly a: number,
    readonly b: number,
    readonly skillRatings: boolean,
  ) {
    super();
    this.typical = typicalTaskValue(catalog, difficulty, taskAttempts);
  }

  initialState(): LearnerState {
    return { model: this.name, attempts: 0, data: { theta: 0, n: 0, skills: {} } };
  }

  protected decode(state: LearnerState): EloState {
    checkState(state, this.name);
    const d = state.data as Partial<EloState>;
    return { theta: num(d.theta, 0), n: num(d.n, 0), skills: d.skills ?? {} };
  }

  private logit(s: EloState, t: number): number {
    let z = s.theta - this.difficulty[t]!;
    if (this.skillRatings) {
      const c = this.catalog;
      let sum = 0,
        w = 0;
      for (let e = c.qStart[t]!; e < c.qStart[t + 1]!; e++) {
        sum += c.qWeight[e]! * (s.skills[c.skillIds[c.qSkill[e]!]!]?.[0] ?? 0);
        w += c.qWeight[e]!;
      }
      if (w > 0) z += sum / w;
    }
    return z;
  }

  protected probability(s: EloState, task: number): number {
    return predictProbability(this.logit(s, task));
  }

  update(state: LearnerState, trace: Trace): LearnerState {
    const s = this.decode(state);
    const t = this.catalog.task(trace.taskId);
    checkOutcome(trace.correct);
    const err = trace.correct - sigmoid(this.logit(s, t));
    const skills: Record<string, readonly [number, number]> = { ...s.skills };
    const c = this.catalog;
    for (let e = c.qStart[t]!; e < c.qStart[t + 1]!; e++) {
      const id = c.skillIds[c.qSkill[e]!]!;
      const [r, n] = skills[id] ?? [0, 0];
      skills[id] = [this.skillRatings ? r + uncertainty(this.a, this.b, n) * err : 0, n + 1];
    }
    return {
      model: this.name,
      attempts: state.attempts + 1,
      data: { theta: s.theta + uncertainty(this.a, this.b, s.n) * err, n: s.n + 1, skills },
    };
  }

  /**
   * P(correct) on a task of the skill's mean difficulty. sd: the rating's current step size U(n) stands
   * for its uncertainty (Pelánek's reading of U), mapped to probability by the delta method: p(1 − p)·U(n_k).
   */
  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[] {
    const s = this.decode(state);
    return (skillIds ?? this.catalog.skillIds).map((skillId) => {
      const k = this.catalog.skill(skillId);
      const [r, n] = s.skills[skillId] ?? [0, 0];
      const p = predictProbability(s.theta + (this.skillRatings ? r : 0) - this.typical[k]!);
      return { skillId, p, sd: p * (1 - p) * uncertainty(this.a, this.b, n), attempts: n };
    });
  }

  serialize(): Uint8Array {
    const cat = this.catalog.toFile();
    return encodeModel({
      model: this.name,
      meta: { ...cat.meta, a: this.a, b: this.b, skillRatings: this.skillRatings },
      tensors: { ...cat.tensors, difficulty: this.difficulty, taskAttempts: this.taskAttempts },
    });
  }
}

export function loadEloModel(bytes: Uint8Array): EloModel {
  const file = decodeModel(bytes);
  if (file.model !== "elo") throw new EngineError(EngineErrorCode.InvalidData, `a ${file.model} model file cannot be loaded as elo`);
  const catalog = CatalogIndex.fromFile(file.meta, file.tensors);
  const { difficulty, taskAttempts } = file.tensors;
  const m = file.meta as { a?: unknown; b?: unknown; skillRatings?: unknown };
  if (
    !(difficulty instanceof Float64Array) ||
    !(taskAttempts instanceof Int32Array) ||
    difficulty.length !== catalog.taskCount ||
    typeof m.a !== "number" ||
    typeof m.b !== "number" ||
    typeof m.skillRatings !== "boolean"
  ) {
    throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: elo fields missing");
  }
  return new EloModel(catalog, difficulty, taskAttempts, m.a, m.b, m.skillRatings);
}

export const eloTrainer: ModelTrainer<EloParams> = {
  name: "elo",
  async fit(data, options: FitOptions & Partial<EloParams>) {
    checkSeed(options.seed);
    const params = pickParams(DEFAULT_ELO_PARAMS, options);
    const valid = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;
    if ((params.a !== undefined && !(valid(params.a) && params.a! > 0)) || (params.b !== undefined && !valid(params.b))) {
      throw invalidParameter("elo", "a must be > 0 and b ≥ 0");
    }
    if (
      params.gridA.length === 0 ||
      params.gridB.length === 0 ||
      !params.gridA.every((a) => valid(a) && a > 0) ||
      !params.gridB.every(valid)
    ) {
      throw invalidParameter("elo", "gridA must hold numbers > 0 and gridB numbers ≥ 0");
    }
    const flat = flattenTrainingSet(data);
    const cat = flat.catalog;
    const rng = createRng(options.seed);
    const order = rng.shuffle(Array.from({ length: flat.learnerIds.length }, (_, i) => i));
    let a = params.a,
      b = params.b;
    if (a === undefined || b === undefined) {
      const nValid = Math.max(1, Math.floor(order.length * 0.2));
      const validLearners = order.slice(0, nValid),
        fitLearners = order.length > 1 ? order.slice(nValid) : order;
      let best = Infinity;
      const grid = params.gridA.flatMap((ga) => params.gridB.map((gb) => [ga, gb] as const));
      grid.forEach(([ga, gb], i) => {
        const d = new Float64Array(cat.taskCount),
          cnt = new Float64Array(cat.taskCount);
        eloPass(flat, fitLearners, d, cnt, ga, gb, params.skillRatings, true);
        const loss = eloPass(flat, validLearners, d, cnt, ga, gb, params.skillRatings, false);
        if (loss < best) {
          best = loss;
          a = ga;
          b = gb;
        }
        options.onProgress?.((i + 1) / (grid.length + 1), `elo grid a=${ga} b=${gb}`);
      });
    }
    const difficulty = new Float64Array(cat.taskCount),
      count = new Float64Array(cat.taskCount);
    eloPass(flat, order, difficulty, count, a!, b!, params.skillRatings, true);
    options.onProgress?.(1, "elo done");
    return new EloModel(cat, fillUntrainedTasks(cat, difficulty, flat.taskAttempts), flat.taskAttempts, a!, b!, params.skillRatings);
  },
};
