/**
 * The unroll's recursion (graph.ts unrolledLogits) as ONE TensorFlow.js op with its gradient written out
 * (tf.customGrad), computed window by window on typed arrays in float64. For window b and steps t' < t:
 *
 *   M[t', t] = g_t' + ρ_(t−t'−1) + Σ_c s_t'c · X[c, t', t]        (general step, ψ's kernel α_ψ λ^d, skill steps)
 *   u_t = base_t + Σ_{t'<t} M[t', t] · r_t',   z_t = clamp(u_t, ±LOGIT_LIMIT),   r_t = y_t − σ(z_t)
 *
 * X (the `cross` pairs of graph.ts packBatch) says how much a step on slot c of t' moves the logit of t;
 * it is sparse, so it comes as a list of (c, t', t, weight) per window. Built from TensorFlow.js ops, this
 * loop was ~8 kernels a step forward and ~40 backward (every saved input is copied for the tape, the
 * clamp's gradient alone is 5 kernels) and M a [B, W, S, W] product: the dispatch of ~2,000 kernels a
 * batch and the copies cost more than the arithmetic. Reverse mode, with G_t = ∂L/∂z_t from the loss:
 *
 *   R̄_t = Σ_{t''>t} M[t, t''] · Ū_t''                              (∂L/∂r_t)
 *   Ū_t = (G_t − R̄_t · σ'(z_t)) · 1[|u_t| ≤ LOGIT_LIMIT]           (the clamp's gradient, as tf.clipByValue's)
 *   ∂L/∂M[t', t] = Ū_t · r_t'  →  ∂L/∂g_t' = Σ_t, ∂L/∂ρ_d = Σ_{t−t'−1=d}, ∂L/∂s_t'c = Σ_t X[c, t', t] · …
 *   ∂L/∂base_t = Ū_t
 *
 * The gradients of everything before (the steps from the parameters) and after (the loss) are still
 * TensorFlow.js's; meta-math.test.ts checks the whole against float64 finite differences.
 */
import * as tf from "@tensorflow/tfjs";
import { LOGIT_LIMIT } from "./equations.js";

/** X of a batch: window b's entries are [start[b], start[b + 1]); `code` = (c·W + t')·W + t. */
export interface CrossPairs {
  readonly start: Int32Array;
  readonly code: Int32Array;
  readonly weight: Float32Array;
}

/**
 * z [B, W] (clamped logits) from base [B, W], the general steps g [B, W], the skill steps s [B, W, S],
 * ψ's kernel ρ [R, W] (ρ_d = α_ψ λ^d; R = 1 for every window or R = B, one row each), the outcomes y
 * ([B, W]) and X.
 */
export function unrollRecursion(
  base: tf.Tensor2D,
  general: tf.Tensor2D,
  skill: tf.Tensor3D,
  recent: tf.Tensor2D,
  y: Float32Array,
  pairs: CrossPairs,
): tf.Tensor2D {
  const op = tf.customGrad((...inputs) => {
    const [B, W, S] = (inputs[2] as tf.Tensor3D).shape;
    const R = (inputs[3] as tf.Tensor2D).shape[0];
    const [u0, g, s, rho] = (inputs.slice(0, 4) as tf.Tensor[]).map((x) => x.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const n = B * W;
    const z = new Float32Array(n);
    const slope = new Float64Array(n); // σ'(z_t)
    const inside = new Uint8Array(n);
    const r = new Float64Array(n);
    const M = new Float64Array(W * W);
    const acc = new Float64Array(W);
    /** Window b's M (row t', column t), in `M`. */
    const fillM = (b: number) => {
      const o = b * W,
        ro = (R === 1 ? 0 : b) * W;
      for (let t0 = 0; t0 < W; t0++) for (let t = t0 + 1; t < W; t++) M[t0 * W + t] = g[o + t0]! + rho[ro + t - t0 - 1]!;
      for (let i = pairs.start[b]!; i < pairs.start[b + 1]!; i++) {
        const code = pairs.code[i]!;
        const c = Math.floor(code / (W * W)),
          at = code % (W * W);
        M[at]! += s[(o + Math.floor(at / W)) * S + c]! * pairs.weight[i]!;
      }
    };
    for (let b = 0; b < B; b++) {
      fillM(b);
      acc.fill(0);
      const o = b * W;
      for (let t = 0; t < W; t++) {
        const u = u0[o + t]! + acc[t]!;
        const zc = Math.min(LOGIT_LIMIT, Math.max(-LOGIT_LIMIT, u));
        inside[o + t] = u >= -LOGIT_LIMIT && u <= LOGIT_LIMIT ? 1 : 0;
        z[o + t] = zc;
        const p = 1 / (1 + Math.exp(-zc));
        slope[o + t] = p * (1 - p);
        const rt = y[o + t]! - p;
        r[o + t] = rt;
        for (let t2 = t + 1; t2 < W; t2++) acc[t2]! += M[t * W + t2]! * rt;
      }
    }
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const G = dy.dataSync() as Float32Array;
      const dBase = new Float32Array(n),
        dGeneral = new Float64Array(n),
        dSkill = new Float64Array(n * S),
        dRecent = new Float64Array(R * W);
      const uBar = new Float64Array(W);
      for (let b = 0; b < B; b++) {
        fillM(b);
        const o = b * W,
          ro = (R === 1 ? 0 : b) * W;
        for (let t = W - 1; t >= 0; t--) {
          let rBar = 0;
          for (let t2 = t + 1; t2 < W; t2++) rBar += M[t * W + t2]! * uBar[t2]!;
          const ut = inside[o + t] ? G[o + t]! - rBar * slope[o + t]! : 0;
          uBar[t] = ut;
          dBase[o + t] = ut;
          for (let t0 = 0; t0 < t; t0++) {
            const v = ut * r[o + t0]!;
            dGeneral[o + t0]! += v;
            dRecent[ro + t - t0 - 1]! += v;
          }
        }
        for (let i = pairs.start[b]!; i < pairs.start[b + 1]!; i++) {
          const code = pairs.code[i]!;
          const c = Math.floor(code / (W * W)),
            at = code % (W * W);
          const t0 = Math.floor(at / W),
            t = at % W;
          dSkill[(o + t0) * S + c]! += pairs.weight[i]! * uBar[t]! * r[o + t0]!;
        }
      }
      return [
        tf.tensor2d(dBase, [B, W]),
        tf.tensor2d(Float32Array.from(dGeneral), [B, W]),
        tf.tensor3d(Float32Array.from(dSkill), [B, W, S]),
        tf.tensor2d(Float32Array.from(dRecent), [R, W]),
      ];
    };
    return { value: tf.tensor2d(z, [B, W]), gradFunc };
  });
  return op(base, general, skill, recent) as tf.Tensor2D;
}
