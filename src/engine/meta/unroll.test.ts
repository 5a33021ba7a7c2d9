/**
 * unroll.ts's hand-written op against the same recursion written with plain TensorFlow.js ops (which
 * TensorFlow.js differentiates itself): values and every input's gradient, with logits past the clamp
 * and with ψ's kernel shared (R = 1) and per window (R = B, DP-SGD's per-learner gradients).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
import { createRng } from "../math.js";
import { LOGIT_LIMIT } from "./equations.js";
import { type CrossPairs, unrollRecursion } from "./unroll.js";

beforeAll(async () => {
  await initBackend();
});

/** The recursion from TensorFlow.js ops, dense X [B, W(t'), S, W(t)]. */
function reference(
  base: tf.Tensor2D,
  general: tf.Tensor2D,
  skill: tf.Tensor3D,
  recent: tf.Tensor2D,
  y: tf.Tensor2D,
  X: tf.Tensor4D,
): tf.Tensor {
  const [B, W] = base.shape;
  const zs: tf.Tensor[] = [];
  const rs: tf.Tensor[] = [];
  for (let t = 0; t < W; t++) {
    let u = base.slice([0, t], [B, 1]).reshape([B]);
    for (let t0 = 0; t0 < t; t0++) {
      const m = general
        .slice([0, t0], [B, 1])
        .reshape([B])
        .add(recent.slice([0, t - t0 - 1], [-1, 1]).reshape([-1]))
        .add(
          skill
            .slice([0, t0, 0], [B, 1, -1])
            .reshape([B, -1])
            .mul(X.slice([0, t0, 0, t], [B, 1, -1, 1]).reshape([B, -1]))
            .sum(1),
        );
      u = u.add(m.mul(rs[t0]!));
    }
    const z = tf.clipByValue(u, -LOGIT_LIMIT, LOGIT_LIMIT);
    zs.push(z);
    rs.push(y.slice([0, t], [B, 1]).reshape([B]).sub(tf.sigmoid(z)));
  }
  return tf.stack(zs, 1);
}

describe("the unroll op", () => {
  it.each([1, 3])(
    "gives the values and gradients of the same recursion in TensorFlow.js ops (ψ's kernel rows R = %i of 3 windows)",
    (R) => {
      const rng = createRng(11);
      const [B, W, S] = [3, 6, 2];
      const draw = (n: number, scale: number, shift = 0) => Float32Array.from({ length: n }, () => shift + scale * (rng.next() - 0.5));
      const baseV = draw(B * W, 4);
      baseV[2] = 27; // window 0, step 2 starts past the clamp: its gradient there must be 0
      baseV[W + 4] = -25;
      const inputs = [
        tf.tensor2d(baseV, [B, W]),
        tf.tensor2d(draw(B * W, 1, 0.6), [B, W]),
        tf.tensor3d(draw(B * W * S, 1, 0.4), [B, W, S]),
        tf.tensor2d(draw(R * W, 0.5, 0.3), [R, W]),
      ] as const;
      const yV = Float32Array.from({ length: B * W }, () => (rng.next() < 0.6 ? 1 : 0));
      const dense = new Float32Array(B * W * S * W);
      const start = new Int32Array(B + 1);
      const code: number[] = [];
      const weight: number[] = [];
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < S; c++)
          for (let t0 = 0; t0 < W; t0++)
            for (let t = t0 + 1; t < W; t++) {
              if (rng.next() < 0.5) continue;
              const x = 0.2 + rng.next();
              dense[((b * W + t0) * S + c) * W + t] = x;
              code.push((c * W + t0) * W + t);
              weight.push(x);
            }
        start[b + 1] = code.length;
      }
      const pairs: CrossPairs = { start, code: Int32Array.from(code), weight: Float32Array.from(weight) };
      // A loss with a different weight on every logit, so that every G_t differs.
      const lossWeights = tf.tensor2d(draw(B * W, 2, 1), [B, W]);
      const loss = (z: tf.Tensor) =>
        tf
          .softplus(z)
          .sub(tf.tensor2d(yV, [B, W]).mul(z))
          .mul(lossWeights)
          .sum() as tf.Scalar;
      const ours = tf.tidy(() => {
        const [b, g, s, r] = inputs;
        const z = unrollRecursion(b, g, s, r, yV, pairs).arraySync();
        const grads = tf.grads((b2, g2, s2, r2) =>
          loss(unrollRecursion(b2 as tf.Tensor2D, g2 as tf.Tensor2D, s2 as tf.Tensor3D, r2 as tf.Tensor2D, yV, pairs)),
        )([b, g, s, r]);
        return { z, grads: grads.map((x) => Array.from(x.dataSync())) };
      });
      const theirs = tf.tidy(() => {
        const y = tf.tensor2d(yV, [B, W]);
        const X = tf.tensor4d(dense, [B, W, S, W]);
        const [b, g, s, r] = inputs;
        const z = reference(b, g, s, r, y, X).arraySync() as number[][];
        const grads = tf.grads((b2, g2, s2, r2) =>
          loss(reference(b2 as tf.Tensor2D, g2 as tf.Tensor2D, s2 as tf.Tensor3D, r2 as tf.Tensor2D, y, X)),
        )([b, g, s, r]);
        return { z, grads: grads.map((x) => Array.from(x.dataSync())) };
      });
      for (let b = 0; b < B; b++) for (let t = 0; t < W; t++) expect(ours.z[b]![t]!).toBeCloseTo(theirs.z[b]![t]!, 4);
      expect(ours.z[0]![2]).toBe(LOGIT_LIMIT);
      ours.grads.forEach((g, i) => {
        expect(g.length).toBe(theirs.grads[i]!.length);
        for (let k = 0; k < g.length; k++)
          expect(Math.abs(g[k]! - theirs.grads[i]![k]!)).toBeLessThan(1e-4 * (1 + Math.abs(theirs.grads[i]![k]!)));
        expect(g.some((v) => Math.abs(v) > 1e-3)).toBe(true); // not vacuous
      });
      expect(ours.grads[0]![2]).toBe(0); // the clamp stops the gradient
    },
  );
});
