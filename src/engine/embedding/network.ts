/**
 * The shared embedding network f_θ. For task i with Q-matrix row {(k, w_ik)}:
 *
 *   x_i  = Σ_k w_ik · S_k / Σ_k w_ik          skill features: the Q-weighted mean of skill vectors S ∈ ℝ^{K×H}
 *   h_i  = ReLU(x_i + T_i + b₁)               T_i ∈ ℝ^H: the task's own vector (its id embedding)
 *   f(i) = W₂ᵀ h_i + b₂ ∈ ℝ^d
 *
 * T starts at zero and is L2-penalised, so T_i is the task's learnt deviation from what its skills
 * predict. A task that took part in no labelled pair keeps T_i = 0 exactly (Adam never moves a parameter
 * whose gradient has always been 0), so its vector is the one a new task with the same skills gets:
 * `embedNew` is f with T_i = 0. A task with no known skill has x_i = 0.
 *
 * Two implementations of the same equations: `embedRows` (TensorFlow.js, for training, on a batch's
 * rows gathered in JS — the wasm backend has no gradient for gather; dense 2-D matMuls only) and
 * `forward` (typed arrays, float64 accumulation rounded to float32, for inference). Every vector the
 * model answers with comes from `forward`; a test checks that both agree.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../math.js";

export interface NetworkWeights {
  readonly taskCount: number;
  readonly skillCount: number;
  readonly hidden: number;
  readonly dimension: number;
  /** S, K×H row-major. */
  readonly skill: Float32Array;
  /** T, N×H row-major. */
  readonly task: Float32Array;
  readonly b1: Float32Array;
  /** W₂, H×d row-major. */
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

/** Seeded initial weights: S ~ N(0, 1), W₂ ~ N(0, 0.35²/H), T = 0, b₁ = b₂ = 0. */
export function initialWeights(rng: Rng, taskCount: number, skillCount: number, hidden: number, dimension: number): NetworkWeights {
  const normal = (n: number, sd: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = sd * rng.normal();
    return out;
  };
  return {
    taskCount,
    skillCount,
    hidden,
    dimension,
    skill: normal(skillCount * hidden, 1),
    task: new Float32Array(taskCount * hidden),
    b1: new Float32Array(hidden),
    w2: normal(hidden * dimension, 0.35 / Math.sqrt(hidden)),
    b2: new Float32Array(dimension),
  };
}

/**
 * f for one task, in typed arrays. `skills`/`weights`: its Q-matrix row (dense skill indices);
 * `taskRow`: its row of T, or −1 for a task the network has no vector for (T_i = 0).
 */
export function forward(
  w: NetworkWeights,
  skills: ArrayLike<number>,
  weights: ArrayLike<number>,
  taskRow: number,
  out: Float32Array = new Float32Array(w.dimension),
): Float32Array {
  const H = w.hidden,
    D = w.dimension;
  const h = new Float64Array(H);
  let total = 0;
  for (let e = 0; e < skills.length; e++) total += weights[e]!;
  if (total > 0) {
    for (let e = 0; e < skills.length; e++) {
      const c = weights[e]! / total,
        base = skills[e]! * H;
      for (let j = 0; j < H; j++) h[j]! += c * w.skill[base + j]!;
    }
  }
  for (let j = 0; j < H; j++) {
    const v = h[j]! + (taskRow >= 0 ? w.task[taskRow * H + j]! : 0) + w.b1[j]!;
    // biome-ignore lint/complexity/useMathMinMax: Math.max(v, 0) would pass a NaN on; this ReLU has always made it 0
    h[j] = v > 0 ? v : 0;
  }
  for (let d = 0; d < D; d++) {
    let s = w.b2[d]!;
    for (let j = 0; j < H; j++) s += h[j]! * w.w2[j * D + d]!;
    out[d] = s;
  }
  return out;
}

/** The shared tensors of f_θ as graph inputs (T enters per batch row, gathered in JS). */
export interface SharedTensors {
  readonly skill: tf.Tensor; // K×H
  readonly b1: tf.Tensor; // H
  readonly w2: tf.Tensor; // H×d
  readonly b2: tf.Tensor; // d
}

/**
 * f for a batch of tasks: ReLU(Q̂·S + T + b₁)·W₂ + b₂, with Q̂ the tasks' normalised Q-matrix rows (B×K,
 * see `normalisedQRows`) and T their rows of T (B×H). 2-D matMuls only (the wasm fast path).
 */
export function embedRows(w: SharedTensors, q: tf.Tensor2D, t: tf.Tensor2D): tf.Tensor2D {
  const h = tf.relu(tf.add(tf.add(tf.matMul(q, w.skill as tf.Tensor2D), t), w.b1));
  return tf.add(tf.matMul(h, w.w2 as tf.Tensor2D), w.b2) as tf.Tensor2D;
}

/** Row i: w_ik / Σ_k w_ik over the skills of task i, 0 elsewhere (N×K, row-major): the x_i weights. */
export function normalisedQRows(
  taskCount: number,
  skillCount: number,
  qStart: Int32Array,
  qSkill: Int32Array,
  qWeight: Float64Array,
): Float32Array {
  const q = new Float32Array(taskCount * skillCount);
  for (let i = 0; i < taskCount; i++) {
    let total = 0;
    for (let e = qStart[i]!; e < qStart[i + 1]!; e++) total += qWeight[e]!;
    for (let e = qStart[i]!; e < qStart[i + 1]!; e++) q[i * skillCount + qSkill[e]!]! += qWeight[e]! / total;
  }
  return q;
}
