/**
 * Baum–Welch (EM) for one knowledge component's two-state HMM (Corbett & Anderson 1995 BKT):
 *
 *   hidden state: 0 = not known, 1 = known;   P(known at first attempt) = L0
 *   transition:   0 → 1 with T (learn),  1 → 0 with F (forget; fixed 0 without forgetting)
 *   emission:     P(correct | 0) = G (guess),  P(correct | 1) = 1 − S (slip)
 *
 * E-step: scaled forward–backward per sequence (the log-likelihood is Σ ln c_t of the scaling factors).
 * M-step (closed form): L0 = mean γ₁(1); T = Σξ(0→1)/Σγ(0) and F = Σξ(1→0)/Σγ(1) over t < last;
 * G = Σγ(0)·y / Σγ(0); S = Σγ(1)·(1 − y) / Σγ(1). Each parameter is then clamped into its bounds; each
 * term of the expected complete log-likelihood is concave in its own parameter, so the clamped value is
 * still the constrained maximiser and EM keeps never lowering the likelihood (tested per iteration).
 */
export interface BktKcParams {
  readonly L0: number;
  readonly T: number;
  readonly F: number;
  readonly G: number;
  readonly S: number;
}

export interface EmBounds {
  readonly maxGuess: number;
  readonly maxSlip: number;
  readonly forgetting: boolean;
}

export interface EmResult {
  readonly params: BktKcParams;
  readonly logLikelihood: number;
  /** Log-likelihood of the parameters at the start of each iteration (then the final one). */
  readonly history: number[];
}

const EPS = 1e-5;
const clamp = (x: number, lo: number, hi: number) => (Number.isNaN(x) ? lo : Math.min(Math.max(x, lo), hi));

/** One E-step: the log-likelihood at `p` and the M-step's new parameters. */
export function emStep(
  obs: Uint8Array,
  starts: Int32Array,
  p: BktKcParams,
  bounds: EmBounds,
  scratch: Float64Array,
): { ll: number; next: BktKcParams } {
  let ll = 0;
  let sumL0 = 0,
    nSeq = 0,
    t01 = 0,
    from0 = 0,
    t10 = 0,
    from1 = 0,
    g0 = 0,
    g0y = 0,
    g1 = 0,
    s1 = 0;
  const { L0, T, F, G, S } = p;
  for (let q = 0; q + 1 < starts.length; q++) {
    const a = starts[q]!,
      len = starts[q + 1]! - a;
    if (len === 0) continue;
    // scratch layout: alpha0, alpha1, c — 3 per step
    let y = obs[a]!;
    let a0 = (1 - L0) * (y ? G : 1 - G),
      a1 = L0 * (y ? 1 - S : S);
    let c = a0 + a1;
    scratch[0] = a0 / c;
    scratch[1] = a1 / c;
    scratch[2] = c;
    ll += Math.log(c);
    for (let t = 1; t < len; t++) {
      y = obs[a + t]!;
      const p0 = scratch[3 * (t - 1)]!,
        p1 = scratch[3 * (t - 1) + 1]!;
      a0 = (p0 * (1 - T) + p1 * F) * (y ? G : 1 - G);
      a1 = (p0 * T + p1 * (1 - F)) * (y ? 1 - S : S);
      c = a0 + a1;
      scratch[3 * t] = a0 / c;
      scratch[3 * t + 1] = a1 / c;
      scratch[3 * t + 2] = c;
      ll += Math.log(c);
    }
    // Backward pass, accumulating posteriors on the fly.
    let b0 = 1,
      b1 = 1;
    for (let t = len - 1; t >= 0; t--) {
      const al0 = scratch[3 * t]!,
        al1 = scratch[3 * t + 1]!;
      const yt = obs[a + t]!;
      const gam0 = al0 * b0,
        gam1 = al1 * b1;
      const gs = gam0 + gam1; // = 1 up to rounding
      g0 += gam0 / gs;
      g1 += gam1 / gs;
      if (yt) g0y += gam0 / gs;
      else s1 += gam1 / gs;
      if (t === 0) {
        sumL0 += gam1 / gs;
        nSeq++;
      }
      if (t > 0) {
        // ξ_{t−1}(i, j) = α_{t−1}(i) A_ij e_j(y_t) β_t(j) / c_t
        const pa0 = scratch[3 * (t - 1)]!,
          pa1 = scratch[3 * (t - 1) + 1]!,
          ct = scratch[3 * t + 2]!;
        const e0 = yt ? G : 1 - G,
          e1 = yt ? 1 - S : S;
        const x01 = (pa0 * T * e1 * b1) / ct,
          x00 = (pa0 * (1 - T) * e0 * b0) / ct;
        const x10 = (pa1 * F * e0 * b0) / ct,
          x11 = (pa1 * (1 - F) * e1 * b1) / ct;
        t01 += x01;
        from0 += x00 + x01;
        t10 += x10;
        from1 += x10 + x11;
        const nb0 = ((1 - T) * e0 * b0 + T * e1 * b1) / ct;
        const nb1 = (F * e0 * b0 + (1 - F) * e1 * b1) / ct;
        b0 = nb0;
        b1 = nb1;
      }
    }
  }
  const next: BktKcParams = {
    L0: clamp(nSeq > 0 ? sumL0 / nSeq : L0, EPS, 1 - EPS),
    T: clamp(from0 > 0 ? t01 / from0 : T, EPS, 1 - EPS),
    F: bounds.forgetting ? clamp(from1 > 0 ? t10 / from1 : F, EPS, 1 - EPS) : 0,
    G: clamp(g0 > 0 ? g0y / g0 : G, EPS, bounds.maxGuess),
    S: clamp(g1 > 0 ? s1 / g1 : S, EPS, bounds.maxSlip),
  };
  return { ll, next };
}

/** Runs EM from `init` until the relative gain falls under `tolerance` or `maxIterations`. */
export function fitKc(
  obs: Uint8Array,
  starts: Int32Array,
  init: BktKcParams,
  bounds: EmBounds,
  maxIterations: number,
  tolerance: number,
): EmResult {
  let maxLen = 1;
  for (let q = 0; q + 1 < starts.length; q++) maxLen = Math.max(maxLen, starts[q + 1]! - starts[q]!);
  const scratch = new Float64Array(3 * maxLen);
  // Start inside the bounds: EM's monotonicity holds from a feasible point on.
  let p: BktKcParams = {
    L0: clamp(init.L0, EPS, 1 - EPS),
    T: clamp(init.T, EPS, 1 - EPS),
    F: bounds.forgetting ? clamp(init.F, EPS, 1 - EPS) : 0,
    G: clamp(init.G, EPS, bounds.maxGuess),
    S: clamp(init.S, EPS, bounds.maxSlip),
  };
  const history: number[] = [];
  let prev = -Infinity;
  for (let i = 0; i < maxIterations; i++) {
    const { ll, next } = emStep(obs, starts, p, bounds, scratch);
    history.push(ll);
    if (i > 0 && ll - prev < tolerance * Math.abs(ll)) break;
    prev = ll;
    p = next;
  }
  // The parameters p are those whose likelihood is the last entry of history unless the loop ran out.
  const final = emStep(obs, starts, p, bounds, scratch).ll;
  if (history[history.length - 1] !== final) history.push(final);
  return { params: p, logLikelihood: final, history };
}
