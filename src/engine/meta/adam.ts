/**
 * Adam (Kingma & Ba 2015) over float64 parameter arrays, in place. Training computes its gradients
 * with TensorFlow.js; the update itself is a few multiply-adds per parameter, done here in JS because
 * the gradients arrive per gathered parameter (see graph.ts) and float64 keeps runs reproducible.
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  x ← x − η·(m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε)
 */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly params: Float64Array[],
    /** η; the caller may change it between steps (a schedule). */
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  /** One update with `grads[i]` the gradient of `params[i]`. */
  step(grads: Float64Array[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    this.params.forEach((x, i) => {
      const g = grads[i]!,
        m = this.m[i]!,
        v = this.v[i]!;
      for (let j = 0; j < x.length; j++) {
        const gj = g[j]!;
        m[j] = this.beta1 * m[j]! + (1 - this.beta1) * gj;
        v[j] = this.beta2 * v[j]! + (1 - this.beta2) * gj * gj;
        x[j]! -= (this.learningRate * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + this.epsilon);
      }
    });
  }
}
