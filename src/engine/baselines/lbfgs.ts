/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4/7.5) with a backtracking Armijo line search, for
 * smooth convex objectives on Float64Arrays. Deterministic: no randomness, fixed operation order.
 */
export interface LbfgsOptions {
  /** Number of correction pairs kept. */
  readonly memory: number;
  readonly maxIterations: number;
  /** Stop when the objective's relative decrease over one iteration falls below this. */
  readonly relativeTolerance: number;
  /** Stop when ‖∇f‖∞ falls below this. */
  readonly gradientTolerance: number;
  /** Called once per iteration with (iteration, objective). */
  readonly onIteration?: (iteration: number, value: number) => void;
}

export const DEFAULT_LBFGS: LbfgsOptions = { memory: 10, maxIterations: 300, relativeTolerance: 1e-9, gradientTolerance: 1e-6 };

/** f(x) returns the objective and writes ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Minimises f from x0 (not modified); returns the minimiser and the final value. */
export function minimizeLbfgs(
  f: Objective,
  x0: Float64Array,
  options: Partial<LbfgsOptions> = {},
): { x: Float64Array; value: number; iterations: number } {
  const o = { ...DEFAULT_LBFGS, ...options };
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    rho: number[] = [];
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(o.memory);
  let iter = 0;
  for (; iter < o.maxIterations; iter++) {
    let gMax = 0;
    for (let i = 0; i < n; i++) gMax = Math.max(gMax, Math.abs(g[i]!));
    if (gMax < o.gradientTolerance) break;
    // Two-loop recursion: d = −H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(S[j]!, d);
      const y = Y[j]!,
        a = alpha[j]!;
      for (let i = 0; i < n; i++) d[i]! -= a * y[i]!;
    }
    const gamma =
      S.length > 0
        ? dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!)
        : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) d[i]! *= gamma;
    for (let j = 0; j < S.length; j++) {
      const b = rho[j]! * dot(Y[j]!, d);
      const s = S[j]!,
        c = alpha[j]! - b;
      for (let i = 0; i < n; i++) d[i]! += c * s[i]!;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / Math.max(1, Math.sqrt(dot(g, g)));
      slope = dot(g, d);
    }
    // Backtracking line search (Armijo, c = 1e-4).
    let step = 1;
    let fNew = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      fNew = f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew <= fx)) break; // no progress possible
    const s = new Float64Array(n),
      y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === o.memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = (fx - fNew) / Math.max(1, Math.abs(fx));
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    fx = fNew;
    o.onIteration?.(iter, fx);
    if (decrease < o.relativeTolerance) {
      iter++;
      break;
    }
  }
  return { x, value: fx, iterations: iter };
}
