/**
 * The TensorFlow.js mirror of equations.ts for training: a batch of truncated windows, unrolled
 * predict-then-update, as one differentiable graph (first-order autodiff only; see equations.ts).
 *
 * Shapes: B windows × W steps × S skill slots. The personal part of z_t is
 *   start_t + Σ_{t'<t} M[t', t] · r_t'
 * with M built from the step sizes (general step for every pair, ψ's fading step, skill step where the
 * tasks share a skill: `cross`). The steps and the shared part are TensorFlow.js ops; the recursion over
 * the W steps is one op with a hand-written gradient (unroll.ts), which TensorFlow.js chains with theirs.
 */
import * as tf from "@tensorflow/tfjs";
import type { MetaParams } from "./equations.js";
import type { AttemptFeatures, Window } from "./features.js";
import { type CrossPairs, unrollRecursion } from "./unroll.js";

/**
 * The parameters a batch touches, already gathered per step and slot (TensorFlow.js's wasm backend has
 * no kernel for the gradient of tf.gather, so training differentiates with respect to these gathered
 * values and adds the gradients back per parameter in JS: see train.ts). Positive parameters (α, b) are
 * given as their logs, so the gradient is taken in the space the optimiser works in.
 */
export interface GraphInputs {
  readonly global: tf.Tensor2D; // [R, 3]
  readonly taskOffset: tf.Tensor2D; // [B, W]
  readonly skillEase: tf.Tensor3D; // [B, W, S]
  readonly skillWin: tf.Tensor3D;
  readonly skillFail: tf.Tensor3D;
  readonly phi0General: tf.Tensor2D; // [R, 1]
  readonly phi0Skill: tf.Tensor3D; // [B, W, S]
  readonly logAlphaGeneral: tf.Tensor2D; // [R, 1]
  readonly logAlphaSkill: tf.Tensor3D; // [B, W, S]
  readonly logDecay: tf.Tensor2D; // [R, 2]
  readonly logBoost: tf.Tensor2D; // [R, 2]
  /** [log α_ψ, logit λ]. */
  readonly recent: tf.Tensor2D; // [R, 2]
  /** The history weights ω (equations.ts). */
  readonly history: tf.Tensor2D; // [R, HISTORY_WEIGHTS]
}

export const INPUT_NAMES = [
  "global",
  "taskOffset",
  "skillEase",
  "skillWin",
  "skillFail",
  "phi0General",
  "phi0Skill",
  "logAlphaGeneral",
  "logAlphaSkill",
  "logDecay",
  "logBoost",
  "recent",
  "history",
] as const;

/** log of a non-negative parameter, finite (0 → −80, whose exp is 0 in float32 for all purposes). */
export const safeLog = (x: number): number => Math.max(-80, Math.log(x));
/** The raw (optimiser-space) form of [α_ψ, λ]: [log α_ψ, logit λ]. */
export const recentToRaw = (r: Float64Array): Float64Array => Float64Array.from([safeLog(r[0]!), safeLog(r[1]!) - safeLog(1 - r[1]!)]);
export const recentFromRaw = (raw: Float64Array): Float64Array => Float64Array.from([Math.exp(raw[0]!), 1 / (1 + Math.exp(-raw[1]!))]);

/**
 * Gathers the batch's parameters into graph inputs (log α, log b; b = 0 becomes log(0) = −∞ → exp 0).
 * The parameters shared by every window (global, φ₀ and α of the general coordinate, b, κ, ψ's) come as
 * R rows: R = 1 (one row, broadcast: their gradient is the batch's sum) or, `perWindow`, R = B copies, so
 * that their gradient arrives per window too (DP-SGD's per-learner gradients, dp-sgd.ts).
 */
export function gatherInputs(p: MetaParams, a: BatchArrays, perWindow = false): GraphInputs {
  const { B, W, S } = a;
  const R = perWindow ? B : 1;
  const rows = (values: ArrayLike<number>): tf.Tensor2D => {
    const k = values.length;
    const out = new Float32Array(R * k);
    for (let r = 0; r < R; r++) for (let i = 0; i < k; i++) out[r * k + i] = values[i]!;
    return tf.tensor2d(out, [R, k]);
  };
  const bw = B * W,
    bws = B * W * S;
  const taskOffset = new Float32Array(bw);
  for (let i = 0; i < bw; i++) taskOffset[i] = p.taskOffset[a.task[i]!]!;
  const ease = new Float32Array(bws),
    win = new Float32Array(bws),
    fail = new Float32Array(bws),
    phi = new Float32Array(bws),
    la = new Float32Array(bws);
  for (let i = 0; i < bws; i++) {
    const k = a.skill[i]!;
    ease[i] = p.skillEase[k]!;
    win[i] = p.skillWin[k]!;
    fail[i] = p.skillFail[k]!;
    phi[i] = p.phi0[k + 1]!;
    la[i] = Math.log(p.alpha[k + 1]!);
  }
  return {
    global: rows(p.global),
    taskOffset: tf.tensor2d(taskOffset, [B, W]),
    skillEase: tf.tensor3d(ease, [B, W, S]),
    skillWin: tf.tensor3d(win, [B, W, S]),
    skillFail: tf.tensor3d(fail, [B, W, S]),
    phi0General: rows([p.phi0[0]!]),
    phi0Skill: tf.tensor3d(phi, [B, W, S]),
    logAlphaGeneral: rows([Math.log(p.alpha[0]!)]),
    logAlphaSkill: tf.tensor3d(la, [B, W, S]),
    logDecay: rows([safeLog(p.decay[0]!), safeLog(p.decay[1]!)]),
    logBoost: rows([safeLog(p.boost[0]!), safeLog(p.boost[1]!)]),
    recent: rows(recentToRaw(p.recent)),
    history: rows(p.history),
  };
}

/** One batch as plain typed arrays (built in JS, uploaded once per step). */
export interface BatchArrays {
  readonly B: number;
  readonly W: number;
  readonly S: number;
  readonly task: Int32Array; // [B, W]
  readonly skill: Int32Array; // [B, W, S], padding → 0 (weight 0)
  readonly weight: Float32Array;
  readonly winLog: Float32Array;
  readonly failLog: Float32Array;
  readonly count: Float32Array;
  readonly attempts: Float32Array; // [B, W]
  readonly totalWinLog: Float32Array;
  readonly totalFailLog: Float32Array;
  readonly y: Float32Array;
  /** The history features (features.ts): [B, W] R⁻, R⁺, log(1+w_ui), log(1+l_ui); [B, W, S] per slot. */
  readonly repeatFail: Float32Array;
  readonly repeatWin: Float32Array;
  readonly taskWinLog: Float32Array;
  readonly taskFailLog: Float32Array;
  readonly lastWin: Float32Array;
  readonly lastFail: Float32Array;
  readonly gapLog: Float32Array;
  /**
   * skillStreak, skillDecay, outcomeByCount (absent when all three are off): [B, W, S, 6] the run's
   * indicators (history slots 7–12), [B, W, S] D_uk, log(1+n_uk)·1[o_uk = 1], log(1+n_uk)·1[o_uk = 0].
   */
  readonly extras?: {
    readonly runOneHot: Float32Array;
    readonly decay: Float32Array;
    readonly lastWinCount: Float32Array;
    readonly lastFailCount: Float32Array;
  };
  /** Each attempt's weight in the loss: 1 (or its learner's normalised weight, learner-weights.ts); 0 for padding. */
  readonly mask: Float32Array;
  readonly startPersonal: Float32Array; // [B, W], used where first = 0
  /** ψ at the window start (0 for a learner's first window). */
  readonly startRecent: Float32Array; // [B]
  readonly first: Float32Array; // [B]
  /** X: how much a step on slot c of t' moves the logit of t, Σ_a [skill(t',c) = skill(t,a)]·q(t,a), for t' < t (unroll.ts). */
  readonly cross: CrossPairs;
  /** Real (unpadded) attempts in the batch. */
  readonly attemptsInBatch: number;
}

/** The learners' states at their windows' starts, from the typed-array forward pass (train.ts forwardStarts). */
export interface WindowStarts {
  /** θ_0 + Σ q θ_k of the learner at the start of the window containing attempt j, on attempt j's task. */
  readonly personal: Float64Array;
  /** ψ at the start of the window containing attempt j. */
  readonly recent: Float64Array;
}

/** Packs windows into a batch; `attemptWeight[j]` (absent: 1) weighs attempt j in the loss. */
export function packBatch(
  f: AttemptFeatures,
  tasks: Int32Array,
  correct: Uint8Array,
  starts: WindowStarts,
  windows: readonly Window[],
  attemptWeight?: Float64Array,
): BatchArrays {
  const B = windows.length;
  // At least 2 steps (a padded one if need be): with W = 1 the unroll never reads its update rows, and
  // TensorFlow.js's gradient of unstack then fails (a chunk of DP-SGD can be one 1-attempt window).
  let W = 2;
  for (const w of windows) W = Math.max(W, w.length);
  const S = f.slots;
  const a = {
    B,
    W,
    S,
    task: new Int32Array(B * W),
    skill: new Int32Array(B * W * S),
    weight: new Float32Array(B * W * S),
    winLog: new Float32Array(B * W * S),
    failLog: new Float32Array(B * W * S),
    count: new Float32Array(B * W * S),
    attempts: new Float32Array(B * W),
    totalWinLog: new Float32Array(B * W),
    totalFailLog: new Float32Array(B * W),
    y: new Float32Array(B * W),
    repeatFail: new Float32Array(B * W),
    repeatWin: new Float32Array(B * W),
    taskWinLog: new Float32Array(B * W),
    taskFailLog: new Float32Array(B * W),
    lastWin: new Float32Array(B * W * S),
    lastFail: new Float32Array(B * W * S),
    gapLog: new Float32Array(B * W * S),
    extras: f.skillExtras
      ? {
          runOneHot: new Float32Array(B * W * S * 6),
          decay: new Float32Array(B * W * S),
          lastWinCount: new Float32Array(B * W * S),
          lastFailCount: new Float32Array(B * W * S),
        }
      : undefined,
    mask: new Float32Array(B * W),
    startPersonal: new Float32Array(B * W),
    startRecent: new Float32Array(B),
    first: new Float32Array(B),
    attemptsInBatch: 0,
  };
  let real = 0;
  const start = new Int32Array(B + 1);
  pairs.length = 0;
  windows.forEach((win, b) => {
    a.first[b] = win.first ? 1 : 0;
    a.startRecent[b] = win.first ? 0 : starts.recent[win.from]!;
    for (let t = 0; t < win.length; t++) {
      const j = win.from + t;
      const bt = b * W + t;
      a.task[bt] = tasks[j]!;
      a.attempts[bt] = f.attemptsBefore[j]!;
      a.totalWinLog[bt] = f.totalWinLog[j]!;
      a.totalFailLog[bt] = f.totalFailLog[j]!;
      a.y[bt] = correct[j]!;
      a.repeatFail[bt] = f.repeatFail[j]!;
      a.repeatWin[bt] = f.repeatWin[j]!;
      a.taskWinLog[bt] = f.taskWinLog[j]!;
      a.taskFailLog[bt] = f.taskFailLog[j]!;
      a.mask[bt] = attemptWeight === undefined ? 1 : attemptWeight[j]!;
      a.startPersonal[bt] = starts.personal[j]!;
      for (let c = 0; c < S; c++) {
        const k = f.slotSkill[j * S + c]!;
        if (k < 0) continue;
        a.skill[bt * S + c] = k;
        a.weight[bt * S + c] = f.slotWeight[j * S + c]!;
        a.winLog[bt * S + c] = f.slotWinLog[j * S + c]!;
        a.failLog[bt * S + c] = f.slotFailLog[j * S + c]!;
        a.count[bt * S + c] = f.slotCount[j * S + c]!;
        a.lastWin[bt * S + c] = f.slotLastWin[j * S + c]!;
        a.lastFail[bt * S + c] = f.slotLastFail[j * S + c]!;
        a.gapLog[bt * S + c] = f.slotGapLog[j * S + c]!;
        if (a.extras) {
          const slot = f.slotRun[j * S + c]!;
          if (slot >= 0) a.extras.runOneHot[(bt * S + c) * 6 + slot - 7] = 1;
          a.extras.decay[bt * S + c] = f.slotDecay[j * S + c]!;
          a.extras.lastWinCount[bt * S + c] = f.slotLastWinCount[j * S + c]!;
          a.extras.lastFailCount[bt * S + c] = f.slotLastFailCount[j * S + c]!;
        }
      }
    }
    real += win.length;
    // X[c, t', t] for t' < t: how much a step on slot c of t' moves the logit of t (only the non-zero ones;
    // a task's slots are filled from 0, so the first −1 ends them).
    for (let t0 = 0; t0 < win.length; t0++) {
      const j0 = win.from + t0;
      for (let c = 0; c < S; c++) {
        const k = f.slotSkill[j0 * S + c]!;
        if (k < 0) break;
        for (let t = t0 + 1; t < win.length; t++) {
          const j = win.from + t;
          let x = 0;
          for (let s = 0; s < S; s++) {
            const ks = f.slotSkill[j * S + s]!;
            if (ks < 0) break;
            if (ks === k) x += f.slotWeight[j * S + s]!;
          }
          if (x !== 0) pairs.push((c * W + t0) * W + t, x);
        }
      }
    }
    start[b + 1] = pairs.length;
  });
  a.attemptsInBatch = real;
  return { ...a, cross: { start, code: pairs.code.slice(0, pairs.length), weight: pairs.weight.slice(0, pairs.length) } };
}

/** A growable list of X's entries, reused by every packBatch (copied out at its end). */
const pairs = {
  length: 0,
  code: new Int32Array(1 << 16),
  weight: new Float32Array(1 << 16),
  push(code: number, weight: number): void {
    if (this.length === this.code.length) {
      const code2 = new Int32Array(2 * this.length),
        weight2 = new Float32Array(2 * this.length);
      code2.set(this.code);
      weight2.set(this.weight);
      this.code = code2;
      this.weight = weight2;
    }
    this.code[this.length] = code;
    this.weight[this.length++] = weight;
  },
};

/** The unrolled logits z [B, W] of a batch (clamped like clampLogit). */
export function unrolledLogits(p: GraphInputs, a: BatchArrays): tf.Tensor2D {
  const { B, W, S } = a;
  const weight = tf.tensor3d(a.weight, [B, W, S]);
  // Column i of an [R, k] input as [R, 1] (broadcast over the window's steps) or [R, 1, 1].
  const col = (x: tf.Tensor2D, i: number) => x.slice([0, i], [-1, 1]);
  const col3 = (x: tf.Tensor2D, i: number) => col(x, i).expandDims(2);
  const g = (i: number) => col(p.global, i);
  const h = (i: number) => col(p.history, i);
  const h3 = (i: number) => col3(p.history, i);

  // Shared part (Best-LR features and the history features), all steps at once.
  let perSkill = p.skillEase
    .add(p.skillWin.mul(tf.tensor3d(a.winLog, [B, W, S])))
    .add(p.skillFail.mul(tf.tensor3d(a.failLog, [B, W, S])))
    .add(h3(4).mul(tf.tensor3d(a.lastWin, [B, W, S])))
    .add(h3(5).mul(tf.tensor3d(a.lastFail, [B, W, S])))
    .add(h3(6).mul(tf.tensor3d(a.gapLog, [B, W, S])));
  if (a.extras) {
    const runWeights = p.history.slice([0, 7], [-1, 6]).reshape([-1, 1, 1, 6]);
    perSkill = perSkill
      .add(tf.tensor4d(a.extras.runOneHot, [B, W, S, 6]).mul(runWeights).sum(3))
      .add(h3(13).mul(tf.tensor3d(a.extras.decay, [B, W, S])))
      .add(h3(14).mul(tf.tensor3d(a.extras.lastWinCount, [B, W, S])))
      .add(h3(15).mul(tf.tensor3d(a.extras.lastFailCount, [B, W, S])));
  }
  const shared = p.taskOffset
    .add(g(0))
    .add(g(1).mul(tf.tensor2d(a.totalWinLog, [B, W])))
    .add(g(2).mul(tf.tensor2d(a.totalFailLog, [B, W])))
    .add(h(0).mul(tf.tensor2d(a.repeatFail, [B, W])))
    .add(h(1).mul(tf.tensor2d(a.repeatWin, [B, W])))
    .add(h(2).mul(tf.tensor2d(a.taskWinLog, [B, W])))
    .add(h(3).mul(tf.tensor2d(a.taskFailLog, [B, W])))
    .add(perSkill.mul(weight).sum(2));

  // Personal part at the window start: φ₀ for a learner's first window, else the forward pass's state.
  const fromPhi0 = p.phi0Skill.mul(weight).sum(2).add(p.phi0General);
  const first = tf.tensor2d(a.first, [B, 1]);
  // ψ at the window start fades by λ^t inside the window.
  const logLambda = tf.neg(tf.softplus(tf.neg(col(p.recent, 1)))); // [R, 1]
  const fading = tf.exp(tf.tensor1d(steps(W)).mul(logLambda)); // [R, W]: λ^t
  const start = fromPhi0
    .mul(first)
    .add(tf.tensor2d(a.startPersonal, [B, W]).mul(tf.scalar(1).sub(first)))
    .add(tf.tensor2d(a.startRecent, [B, 1]).mul(fading));

  // The steps of the update (equations.ts): a_0(N_t') of the general coordinate, a_k(n_t'k)·q per skill slot,
  // and ψ's α_ψ λ^d; the recursion that applies them to the residuals is one op (unroll.ts).
  const decay = p.logDecay.exp();
  const boost = p.logBoost.exp();
  const attempts = tf.tensor2d(a.attempts, [B, W]);
  const count = tf.tensor3d(a.count, [B, W, S]);
  const generalStep = p.logAlphaGeneral
    .exp()
    .div(col(decay, 0).mul(attempts).add(1))
    .add(col(boost, 0).div(attempts.add(1)));
  const skillStep = p.logAlphaSkill
    .exp()
    .div(col3(decay, 1).mul(count).add(1))
    .add(col3(boost, 1).div(count.add(1)))
    .mul(weight);
  const recentKernel = tf.exp(tf.tensor1d(steps(W)).mul(logLambda).add(col(p.recent, 0))); // [R, W]: α_ψ λ^d
  return unrollRecursion(
    shared.add(start) as tf.Tensor2D,
    generalStep as tf.Tensor2D,
    skillStep as tf.Tensor3D,
    recentKernel as tf.Tensor2D,
    a.y,
    a.cross,
  );
}

/** Σ over real attempts of the weighted log loss mask · (softplus(z) − y·z). */
export function batchLogLoss(p: GraphInputs, a: BatchArrays): tf.Scalar {
  const z = unrolledLogits(p, a);
  const y = tf.tensor2d(a.y, [a.B, a.W]);
  return tf
    .softplus(z)
    .sub(y.mul(z))
    .mul(tf.tensor2d(a.mask, [a.B, a.W]))
    .sum() as tf.Scalar;
}

/**
 * A function giving the gradients of a batch's loss (batchLogLoss) with respect to its gathered inputs,
 * INPUT_NAMES order, as typed arrays; `perWindow` gathers the shared inputs once per window (gatherInputs).
 */
export function createBatchGradients(): (p: MetaParams, batch: BatchArrays, perWindow: boolean) => Float32Array[] {
  let batchNow: BatchArrays | undefined;
  const gradFn = tf.grads((...xs: tf.Tensor[]) =>
    batchLogLoss(Object.fromEntries(INPUT_NAMES.map((n, i) => [n, xs[i]])) as unknown as GraphInputs, batchNow!),
  );
  return (p, batch, perWindow) => {
    batchNow = batch;
    // tidy returns the gradient tensors, read afterwards: tidy walks what it returns element by element
    // looking for tensors, which costs seconds an epoch on typed arrays of a batch's size.
    const gradTensors = tf.tidy(() => {
      const inputs = gatherInputs(p, batch, perWindow);
      return gradFn(INPUT_NAMES.map((n) => inputs[n]));
    });
    const values = gradTensors.map((g) => g.dataSync() as Float32Array);
    tf.dispose(gradTensors);
    return values;
  };
}

/** [0, 1, …, W−1]. */
function steps(W: number): Float32Array {
  return Float32Array.from({ length: W }, (_, t) => t);
}
