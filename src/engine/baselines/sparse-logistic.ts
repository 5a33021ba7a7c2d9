/**
 * L2-regularised logistic regression on a sparse design matrix (CSR), fitted by L-BFGS:
 *
 *   minimise  Σ_r [ softplus(z_r) − y_r z_r ]  +  ½ Σ_j λ_j w_j²,   z_r = Σ_j X_{r,j} w_j
 *
 * (the objective of scikit-learn's LogisticRegression with C = 1/λ, as in Gervet et al. 2020). λ_j is
 * per feature so the intercept can go unpenalised. Gradient: Σ_r (σ(z_r) − y_r) X_r + λ ⊙ w.
 */
import { sigmoid } from "../math.js";
import { minimizeLbfgs, type LbfgsOptions } from "./lbfgs.js";

/** Rows built one at a time: `add(feature, value)` then `endRow(outcome)`. */
export class SparseDesign {
  private readonly cols: number[] = [];
  private readonly vals: number[] = [];
  private readonly starts: number[] = [0];
  private readonly ys: number[] = [];

  constructor(readonly featureCount: number) {}

  add(feature: number, value: number): void {
    if (value !== 0) {
      this.cols.push(feature);
      this.vals.push(value);
    }
  }

  endRow(outcome: 0 | 1): void {
    this.starts.push(this.cols.length);
    this.ys.push(outcome);
  }

  get rows(): number {
    return this.ys.length;
  }

  build(): SparseMatrix {
    return {
      featureCount: this.featureCount,
      rowStart: Int32Array.from(this.starts),
      col: Int32Array.from(this.cols),
      val: Float64Array.from(this.vals),
      y: Uint8Array.from(this.ys),
    };
  }
}

export interface SparseMatrix {
  readonly featureCount: number;
  readonly rowStart: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
  readonly y: Uint8Array;
}

export interface LogisticFitResult {
  readonly weights: Float64Array;
  readonly objective: number;
  readonly iterations: number;
}

/** Fits w; `l2[j]` is λ_j. `onProgress` gets the iteration fraction. */
export function fitSparseLogistic(
  X: SparseMatrix,
  l2: Float64Array,
  options: Partial<LbfgsOptions> & { onProgress?: (fraction: number) => void } = {},
): LogisticFitResult {
  const { rowStart, col, val, y, featureCount } = X;
  const rows = y.length;
  const objective = (w: Float64Array, grad: Float64Array): number => {
    let loss = 0;
    for (let j = 0; j < featureCount; j++) {
      grad[j] = l2[j]! * w[j]!;
      loss += 0.5 * l2[j]! * w[j]! * w[j]!;
    }
    for (let r = 0; r < rows; r++) {
      let z = 0;
      const end = rowStart[r + 1]!;
      for (let e = rowStart[r]!; e < end; e++) z += val[e]! * w[col[e]!]!;
      // softplus(z) − y z, computed stably
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[r]! * z;
      const residual = sigmoid(z) - y[r]!;
      for (let e = rowStart[r]!; e < end; e++) grad[col[e]!]! += residual * val[e]!;
    }
    return loss;
  };
  const maxIterations = options.maxIterations ?? 300;
  const result = minimizeLbfgs(objective, new Float64Array(featureCount), {
    ...options,
    onIteration: (i, v) => {
      options.onIteration?.(i, v);
      options.onProgress?.(Math.min(1, (i + 1) / maxIterations));
    },
  });
  return { weights: result.x, objective: result.value, iterations: result.iterations };
}
