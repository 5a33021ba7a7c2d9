/**
 * The learned policy's networks (float64 weights; plain JS for decisions, TensorFlow.js for training's
 * gradients, ppo.ts).
 *
 * Actor: a score per candidate from its feature row x (features.ts, F numbers), one hidden layer,
 *   s(x) = Σ_j w2_j · tanh(Σ_f x_f · W1_fj + b1_j)
 *   π(i | candidates) = exp(s(x_i)) / Σ_c exp(s(x_c))          (softmax over the decision's candidates)
 * so the policy is defined for any number of candidates, in any curriculum, and π(i) is its propensity.
 *
 * Critic (training only, not stored with the policy): the value of the decision's state from the mean of
 * its candidates' rows x̄ (the learner context and what the candidates look like on average),
 *   V = Σ_j u2_j · tanh(Σ_f x̄_f · U1_fj + c1_j) + c2.
 *
 * Initial weights (seeded): W1, U1 ~ U(±√(6 / (F + H))) (Glorot), w2 ~ U(±0.01) so the first policy
 * is close to uniform, u2, biases 0.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../math.js";

export interface ActorWeights {
  readonly features: number;
  readonly hidden: number;
  /** [features × hidden], row-major. */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
}

export interface CriticWeights {
  readonly u1: Float64Array;
  readonly c1: Float64Array;
  readonly u2: Float64Array;
  readonly c2: Float64Array;
}

const uniform = (rng: Rng, n: number, limit: number) => Float64Array.from({ length: n }, () => (2 * rng.next() - 1) * limit);

export function initialActor(rng: Rng, features: number, hidden: number): ActorWeights {
  const limit = Math.sqrt(6 / (features + hidden));
  return { features, hidden, w1: uniform(rng, features * hidden, limit), b1: new Float64Array(hidden), w2: uniform(rng, hidden, 0.01) };
}

export function initialCritic(rng: Rng, features: number, hidden: number): CriticWeights {
  const limit = Math.sqrt(6 / (features + hidden));
  return {
    u1: uniform(rng, features * hidden, limit),
    c1: new Float64Array(hidden),
    u2: new Float64Array(hidden),
    c2: new Float64Array(1),
  };
}

/** One hidden layer's output for row r of x: Σ_j out_j · tanh(Σ_f x_rf · W_fj + b_j). */
function mlpRow(x: ArrayLike<number>, row: number, F: number, H: number, w: Float64Array, b: Float64Array, out: Float64Array): number {
  let s = 0;
  const base = row * F;
  for (let j = 0; j < H; j++) {
    let z = b[j]!;
    for (let f = 0; f < F; f++) z += x[base + f]! * w[f * H + j]!;
    s += out[j]! * Math.tanh(z);
  }
  return s;
}

/**
 * π over the candidates whose rows are x (n × F): softmax of the scores, in float64. Columns from
 * `sharedFrom` on are the same in every row (the learner context, features.ts): their part of the
 * hidden layer's input is computed once per decision.
 */
export function actorProbabilities(a: ActorWeights, x: ArrayLike<number>, n: number, sharedFrom = a.features): Float64Array {
  const F = a.features,
    H = a.hidden,
    w1 = a.w1;
  const shared = Float64Array.from(a.b1);
  for (let f = sharedFrom; f < F; f++) {
    const xf = x[f]!;
    if (xf !== 0) for (let j = 0; j < H; j++) shared[j]! += xf * w1[f * H + j]!;
  }
  const z = new Float64Array(H);
  const p = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    z.set(shared);
    const row = i * F;
    for (let f = 0; f < sharedFrom; f++) {
      const xf = x[row + f]!;
      if (xf !== 0) for (let j = 0; j < H; j++) z[j]! += xf * w1[f * H + j]!;
    }
    let s = 0;
    for (let j = 0; j < H; j++) s += a.w2[j]! * Math.tanh(z[j]!);
    p[i] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(p[i]! - max);
    sum += p[i]!;
  }
  for (let i = 0; i < n; i++) p[i]! /= sum;
  return p;
}

/** V from the mean row x̄ of a decision's candidates. */
export function criticValue(c: CriticWeights, features: number, hidden: number, x: ArrayLike<number>, n: number): number {
  const mean = new Float64Array(features);
  for (let i = 0; i < n; i++) for (let f = 0; f < features; f++) mean[f]! += x[i * features + f]! / n;
  return mlpRow(mean, 0, features, hidden, c.u1, c.c1, c.u2) + c.c2[0]!;
}

/** The actor's scores as a graph: x [R, F] → [R]. */
export function actorScores(w1: tf.Tensor2D, b1: tf.Tensor1D, w2: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor1D {
  const h = tf.tanh(tf.add(tf.matMul(x, w1), b1));
  return tf.reshape(tf.matMul(h, tf.reshape(w2, [-1, 1])), [-1]) as tf.Tensor1D;
}

/** The critic as a graph: x̄ [B, F] → [B]. */
export function criticValues(u1: tf.Tensor2D, c1: tf.Tensor1D, u2: tf.Tensor1D, c2: tf.Tensor1D, xMean: tf.Tensor2D): tf.Tensor1D {
  const h = tf.tanh(tf.add(tf.matMul(xMean, u1), c1));
  return tf.add(tf.reshape(tf.matMul(h, tf.reshape(u2, [-1, 1])), [-1]), c2) as tf.Tensor1D;
}
