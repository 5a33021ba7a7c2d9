/**
 * One learner's personal state as dense float64 arrays, for the training's forward pass (millions of
 * attempts): the same equations as the online model (equations.ts), without per-attempt allocation.
 */
import { sigmoid } from "../math.js";
import type { CatalogIndex } from "../catalog-index.js";
import {
  clampLogit,
  decayedAfter,
  generalStep,
  globalTerm,
  historySkillTerm,
  type HistoryShape,
  historyTaskTerm,
  type MetaParams,
  NO_HISTORY,
  recentAfter,
  runAfter,
  skillStep,
  skillTerm,
} from "./equations.js";
import { TaskMemory } from "./task-memory.js";

export class DenseLearner {
  readonly theta: Float64Array;
  readonly wins: Float64Array;
  readonly fails: Float64Array;
  totalWins = 0;
  totalFails = 0;
  attempts = 0;
  /** ψ: the short-memory coordinate (equations.ts). */
  recent = 0;
  /** The history (equations.ts, "History features"): the last distinct tasks, and per skill o_uk (−1: none) and when. */
  readonly memory: TaskMemory;
  readonly last: Int8Array;
  readonly lastAt: Float64Array;
  /** c_uk and D_uk ("skillStreak", "skillDecay"). */
  readonly run: Float64Array;
  readonly decayed: Float64Array;
  private readonly touched: number[] = [];
  private readonly isTouched: Uint8Array;

  constructor(
    private readonly cat: CatalogIndex,
    readonly history: HistoryShape = NO_HISTORY,
  ) {
    const k = cat.skillIds.length;
    this.theta = new Float64Array(k + 1);
    this.wins = new Float64Array(k);
    this.fails = new Float64Array(k);
    this.isTouched = new Uint8Array(k);
    this.memory = new TaskMemory(history.taskMemory);
    this.last = new Int8Array(k).fill(-1);
    this.lastAt = new Float64Array(k);
    this.run = new Float64Array(k);
    this.decayed = new Float64Array(k);
  }

  /** Back to a learner with no history: φ = φ₀, no counts. */
  reset(p: MetaParams): void {
    for (const k of this.touched) {
      this.wins[k] = 0;
      this.fails[k] = 0;
      this.isTouched[k] = 0;
      this.last[k] = -1;
      this.run[k] = 0;
      this.decayed[k] = 0;
    }
    this.touched.length = 0;
    this.memory.clear();
    this.theta.set(p.phi0);
    this.totalWins = this.totalFails = this.attempts = 0;
    this.recent = 0;
  }

  /** The personal part θ_0 + Σ q θ_k of the logit on `task`. */
  personal(task: number): number {
    const { qStart, qSkill, qWeight } = this.cat;
    let z = this.theta[0]!;
    for (let j = qStart[task]!; j < qStart[task + 1]!; j++) z += qWeight[j]! * this.theta[qSkill[j]! + 1]!;
    return z;
  }

  /** The clamped logit z on `task` before the attempt. */
  logit(p: MetaParams, task: number): number {
    const { qStart, qSkill, qWeight } = this.cat;
    let z = globalTerm(p, this.totalWins, this.totalFails) + p.taskOffset[task]! + this.theta[0]! + this.recent;
    const m = this.memory.find(task);
    z += historyTaskTerm(p, this.memory.previous(task), m < 0 ? 0 : this.memory.wins[m]!, m < 0 ? 0 : this.memory.fails[m]!);
    for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
      const k = qSkill[j]!;
      const o = this.last[k]!;
      z +=
        qWeight[j]! *
        (skillTerm(p, k, this.wins[k]!, this.fails[k]!) +
          this.theta[k + 1]! +
          historySkillTerm(
            p,
            o,
            o < 0 ? 0 : this.attempts - this.lastAt[k]! - 1,
            this.run[k]!,
            this.decayed[k]!,
            this.wins[k]! + this.fails[k]!,
          ));
    }
    return clampLogit(z);
  }

  /** Observes outcome y on `task`, predicted with probability `prob`: the online update. */
  observe(p: MetaParams, task: number, y: number, prob: number): void {
    const { qStart, qSkill, qWeight } = this.cat;
    const r = y - prob;
    this.theta[0]! += generalStep(p, this.attempts) * r;
    this.recent = recentAfter(p, this.recent, r);
    for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
      const k = qSkill[j]!;
      const q = qWeight[j]!;
      this.theta[k + 1]! += skillStep(p, k, this.wins[k]! + this.fails[k]!) * q * r;
      if (y === 1) this.wins[k]! += q;
      else this.fails[k]! += q;
      if (this.history.skillRecency) {
        this.last[k] = y;
        this.lastAt[k] = this.attempts;
      }
      if (this.history.skillRuns) {
        this.run[k] = runAfter(this.run[k]!, y);
        this.decayed[k] = decayedAfter(this.decayed[k]!, y);
      }
      if (!this.isTouched[k]) {
        this.isTouched[k] = 1;
        this.touched.push(k);
      }
    }
    this.memory.record(task, y);
    if (y === 1) this.totalWins++;
    else this.totalFails++;
    this.attempts++;
  }

  /** Predicts then observes: returns the prediction made before the update. */
  step(p: MetaParams, task: number, y: number): number {
    const prob = sigmoid(this.logit(p, task));
    this.observe(p, task, y, prob);
    return prob;
  }
}
