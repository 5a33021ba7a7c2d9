/**
 * Pair labels for the contrastive loss, from traces only (never from a simulator's ground truth and
 * never from the Q-matrix, which is the network's input, not its target).
 *
 * Two tasks "behave alike for learners" when learners of the same ability succeed on them equally often
 * AND a learner's surprise on one does not predict the opposite surprise on the other. Precisely:
 *
 * 1. **Rasch fit.** logit P(y = 1) = θ_u − b_i over all training attempts, maximum a posteriori with
 *    Gaussian priors θ_u, b_i ~ N(0, 1/λ) (λ = `raschPrior`), by RASCH_ITERATIONS alternating damped
 *    Newton steps. Residual of an attempt: r = y − σ(θ_u − b_i).
 * 2. **Co-attempts.** Two attempts of the same learner on different tasks i ≠ j, at most W = `window`
 *    attempts apart in the learner's sequence (so, nearly the same moment of their learning), form a
 *    co-attempt of the unordered pair {i, j}. Per pair: n_ij co-attempts and the sums Σ r_i r_j, Σ r_i²,
 *    Σ r_j² over them. Cost: at most W updates per attempt (W·N for N attempts) in a typed-array hash table.
 * 3. **Statistics** of a pair with n_ij ≥ `minCoAttempts`:
 *      gap_ij = |b_i − b_j|                                   (difficulty gap, logits)
 *      ρ_ij   = Σ r_i r_j / √(Σ r_i² · Σ r_j²)                 (residual correlation; 0 if a sum is 0)
 *      z_ij   = ρ_ij · √n_ij                                   (its approximate z-score under independence)
 * 4. **Label.**
 *      alike  (y = 1) ⇔ gap_ij ≤ `alikeGap`  and z_ij ≥ −Z
 *      unlike (y = 0) ⇔ gap_ij ≥ `unlikeGap` or  z_ij < −Z      (Z = `correlationZ`)
 *    So: alike = close difficulties and no evidence that a learner's surprises on the two point in
 *    opposite directions; unlike = far difficulties or such evidence (default Z = 0.5). Pairs in between
 *    (alikeGap < gap < unlikeGap with z ≥ −Z) are left unlabelled: the margin keeps labels confident.
 *    Pairs never co-attempted carry no evidence and are not labelled either.
 * 5. **Sampling.** When more than `maxPairs` pairs are labelled, a uniform sample of `maxPairs` of them is
 *    kept (seeded Fisher–Yates over the pairs in first-seen order; learners are visited in sorted id order),
 *    so memory and training time stay bounded on large schools. Training then draws balanced batches from
 *    the kept pairs (see train.ts).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { sigmoid, type Rng } from "../math.js";
import type { CatalogIndex } from "../catalog-index.js";
import type { TrainingSet } from "../types.js";
import type { EmbeddingOptions } from "./options.js";

/** Alternating Newton iterations of the Rasch fit (it converges well before on school-sized data). */
export const RASCH_ITERATIONS = 30;

/** The training attempts as flat arrays, learners in sorted id order: learner l owns [start[l], start[l+1]). */
export interface EncodedAttempts {
  readonly start: Int32Array;
  readonly task: Int32Array;
  readonly correct: Uint8Array;
}

export function encodeAttempts(cat: CatalogIndex, data: TrainingSet): EncodedAttempts {
  const ids = [...data.sequences.keys()].sort();
  let n = 0;
  for (const id of ids) n += data.sequences.get(id)!.length;
  if (n === 0) throw new EngineError(EngineErrorCode.EmptyTrainingSet, "the training set has no traces");
  const start = new Int32Array(ids.length + 1);
  const task = new Int32Array(n);
  const correct = new Uint8Array(n);
  let j = 0;
  ids.forEach((id, l) => {
    start[l] = j;
    for (const trace of data.sequences.get(id)!) {
      task[j] = cat.task(trace.taskId);
      correct[j] = trace.correct === 1 ? 1 : 0;
      j++;
    }
  });
  start[ids.length] = j;
  return { start, task, correct };
}

export interface RaschFit {
  readonly ability: Float64Array;
  readonly difficulty: Float64Array;
  /** y − σ(θ_u − b_i) per attempt. */
  readonly residual: Float64Array;
}

/** MAP Rasch fit by alternating damped Newton steps (see the module comment, step 1). */
export function fitRasch(att: EncodedAttempts, taskCount: number, prior: number): RaschFit {
  const learners = att.start.length - 1;
  const theta = new Float64Array(learners);
  const b = new Float64Array(taskCount);
  const gB = new Float64Array(taskCount),
    hB = new Float64Array(taskCount);
  const clampStep = (s: number) => Math.min(Math.max(s, -2), 2);
  for (let it = 0; it < RASCH_ITERATIONS; it++) {
    for (let l = 0; l < learners; l++) {
      let g = -prior * theta[l]!,
        h = prior;
      for (let t = att.start[l]!; t < att.start[l + 1]!; t++) {
        const p = sigmoid(theta[l]! - b[att.task[t]!]!);
        g += att.correct[t]! - p;
        h += p * (1 - p);
      }
      theta[l]! += clampStep(g / h);
    }
    for (let i = 0; i < taskCount; i++) {
      gB[i] = -prior * b[i]!;
      hB[i] = prior;
    }
    for (let l = 0; l < learners; l++) {
      for (let t = att.start[l]!; t < att.start[l + 1]!; t++) {
        const i = att.task[t]!;
        const p = sigmoid(theta[l]! - b[i]!);
        gB[i]! -= att.correct[t]! - p;
        hB[i]! += p * (1 - p);
      }
    }
    for (let i = 0; i < taskCount; i++) b[i]! += clampStep(gB[i]! / hB[i]!);
  }
  const residual = new Float64Array(att.task.length);
  for (let l = 0; l < learners; l++) {
    for (let t = att.start[l]!; t < att.start[l + 1]!; t++) residual[t] = att.correct[t]! - sigmoid(theta[l]! - b[att.task[t]!]!);
  }
  return { ability: theta, difficulty: b, residual };
}

/** Open-addressing hash table from an unordered task pair to its co-attempt sums. */
class PairTable {
  size = 0;
  private capacity = 1 << 12;
  private keys = new Float64Array(this.capacity).fill(-1);
  private slot = new Int32Array(this.capacity);
  a = new Int32Array(1 << 11);
  b = new Int32Array(1 << 11);
  n = new Int32Array(1 << 11);
  sab = new Float64Array(1 << 11);
  saa = new Float64Array(1 << 11);
  sbb = new Float64Array(1 << 11);

  constructor(private readonly taskCount: number) {}

  add(i: number, j: number, ri: number, rj: number): void {
    if (i > j) {
      const t = i;
      i = j;
      j = t;
      const r = ri;
      ri = rj;
      rj = r;
    }
    const key = i * this.taskCount + j;
    let h = this.hash(key);
    for (;;) {
      const k = this.keys[h]!;
      if (k === key) break;
      if (k === -1) {
        this.insert(h, key, i, j);
        if (this.size * 2 > this.capacity) this.grow();
        h = this.find(key);
        break;
      }
      h = (h + 1) & (this.capacity - 1);
    }
    const e = this.slot[h]!;
    this.n[e]!++;
    this.sab[e]! += ri * rj;
    this.saa[e]! += ri * ri;
    this.sbb[e]! += rj * rj;
  }

  private hash(key: number): number {
    const lo = key >>> 0,
      hi = (key / 4294967296) >>> 0;
    return (Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 7) & (this.capacity - 1);
  }

  private find(key: number): number {
    let h = this.hash(key);
    while (this.keys[h] !== key) h = (h + 1) & (this.capacity - 1);
    return h;
  }

  private insert(h: number, key: number, i: number, j: number): void {
    if (this.size === this.a.length) {
      const grow = <T extends Int32Array | Float64Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
      this.n = grow(this.n);
      this.sab = grow(this.sab);
      this.saa = grow(this.saa);
      this.sbb = grow(this.sbb);
    }
    this.keys[h] = key;
    this.slot[h] = this.size;
    this.a[this.size] = i;
    this.b[this.size] = j;
    this.size++;
  }

  private grow(): void {
    const oldKeys = this.keys,
      oldSlot = this.slot;
    this.capacity *= 2;
    this.keys = new Float64Array(this.capacity).fill(-1);
    this.slot = new Int32Array(this.capacity);
    for (let h = 0; h < oldKeys.length; h++) {
      const key = oldKeys[h]!;
      if (key === -1) continue;
      let g = this.hash(key);
      while (this.keys[g] !== -1) g = (g + 1) & (this.capacity - 1);
      this.keys[g] = key;
      this.slot[g] = oldSlot[h]!;
    }
  }
}

export interface LabelledPairs {
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** 1 = alike, 0 = unlike. */
  readonly y: Uint8Array;
  readonly alike: number;
  readonly unlike: number;
  /** Distinct task pairs with at least one co-attempt. */
  readonly coAttemptedPairs: number;
  /** Pairs labelled before the `maxPairs` sample. */
  readonly labelledBeforeSampling: number;
}

/** Steps 2–5 of the module comment. */
export function labelPairs(att: EncodedAttempts, rasch: RaschFit, taskCount: number, o: EmbeddingOptions, rng: Rng): LabelledPairs {
  const table = new PairTable(taskCount);
  const learners = att.start.length - 1;
  for (let l = 0; l < learners; l++) {
    const end = att.start[l + 1]!;
    for (let t = att.start[l]!; t < end; t++) {
      const i = att.task[t]!,
        ri = rasch.residual[t]!;
      const last = Math.min(end - 1, t + o.window);
      for (let s = t + 1; s <= last; s++) {
        const j = att.task[s]!;
        if (j !== i) table.add(i, j, ri, rasch.residual[s]!);
      }
    }
  }
  const chosen: number[] = [];
  const label: number[] = [];
  for (let e = 0; e < table.size; e++) {
    const n = table.n[e]!;
    if (n < o.minCoAttempts) continue;
    const gap = Math.abs(rasch.difficulty[table.a[e]!]! - rasch.difficulty[table.b[e]!]!);
    const den = Math.sqrt(table.saa[e]! * table.sbb[e]!);
    const rho = den > 0 ? table.sab[e]! / den : 0;
    const z = rho * Math.sqrt(n);
    const negative = z < -o.correlationZ;
    if (gap <= o.alikeGap && !negative) {
      chosen.push(e);
      label.push(1);
    } else if (gap >= o.unlikeGap || negative) {
      chosen.push(e);
      label.push(0);
    }
  }
  let order = chosen.map((_, k) => k);
  if (order.length > o.maxPairs)
    order = rng
      .shuffle(order)
      .slice(0, o.maxPairs)
      .sort((x, y) => x - y);
  const a = new Int32Array(order.length),
    b = new Int32Array(order.length),
    y = new Uint8Array(order.length);
  let alike = 0;
  order.forEach((k, m) => {
    a[m] = table.a[chosen[k]!]!;
    b[m] = table.b[chosen[k]!]!;
    y[m] = label[k]!;
    alike += label[k]!;
  });
  return { a, b, y, alike, unlike: order.length - alike, coAttemptedPairs: table.size, labelledBeforeSampling: chosen.length };
}
