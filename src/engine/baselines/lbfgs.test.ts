import { minimizeLbfgs } from "./lbfgs.js";
import { fitSparseLogistic, SparseDesign } from "./sparse-logistic.js";
import { createRng, sigmoid } from "../math.js";

describe("L-BFGS and sparse logistic regression", () => {
  it("minimises an ill-conditioned quadratic", () => {
    const scales = [1, 10, 100, 1000];
    const { x } = minimizeLbfgs((w, g) => {
      let f = 0;
      w.forEach((wi, i) => {
        f += 0.5 * scales[i]! * (wi - i) ** 2;
        g[i] = scales[i]! * (wi - i);
      });
      return f;
    }, new Float64Array(4));
    Array.from(x).forEach((xi, i) => {
      expect(xi).toBeCloseTo(i, 5);
    });
  });

  it("recovers logistic weights and satisfies the first-order optimality condition", () => {
    const rng = createRng(5);
    const trueW = [-0.5, 1.5, -2];
    const design = new SparseDesign(3);
    const rows: number[][] = [];
    for (let r = 0; r < 4000; r++) {
      const x = [1, rng.normal(), rng.next() < 0.5 ? 1 : 0];
      rows.push(x);
      x.forEach((v, j) => {
        design.add(j, v);
      });
      design.endRow(rng.next() < sigmoid(x.reduce((s, v, j) => s + v * trueW[j]!, 0)) ? 1 : 0);
    }
    const X = design.build();
    const l2 = Float64Array.from([0, 1, 1]);
    const { weights } = fitSparseLogistic(X, l2, { maxIterations: 200 });
    weights.forEach((w, j) => {
      expect(w).toBeCloseTo(trueW[j]!, 0);
    });
    // gradient of the penalised loss vanishes at the optimum
    const grad = Array.from(l2, (l, j) => l * weights[j]!);
    rows.forEach((x, r) => {
      const res = sigmoid(x.reduce((s, v, j) => s + v * weights[j]!, 0)) - X.y[r]!;
      x.forEach((v, j) => {
        grad[j]! += res * v;
      });
    });
    grad.forEach((g) => {
      expect(Math.abs(g)).toBeLessThan(1e-3);
    });
  });
});
