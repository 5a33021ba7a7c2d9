/**
 * Shared numeric helpers for the whole engine: ONE definition of the logistic function, of probability
 * clamping and of the seeded random generator, so that every model (baselines, Meta) agrees on them.
 */

/**
 * Predictions are kept inside [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR]: a model never answers 0 or 1,
 * so log loss stays finite and logit(p) stays finite.
 */
export const PROBABILITY_FLOOR = 1e-6;

/** σ(x) = 1 / (1 + e^(−x)), written to be stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Clamps p into [floor, 1 − floor]; NaN becomes 0.5 (an honest "no idea", never NaN downstream). */
export function clampProbability(p: number, floor: number = PROBABILITY_FLOOR): number {
  if (Number.isNaN(p)) return 0.5;
  return Math.min(Math.max(p, floor), 1 - floor);
}

/** logit(p) = ln(p / (1 − p)), with p clamped first so the result is finite. */
export function logit(p: number): number {
  const q = clampProbability(p);
  return Math.log(q / (1 - q));
}

/** σ(x) clamped into the probability band every model answers in. */
export function predictProbability(x: number): number {
  return clampProbability(sigmoid(x));
}

/** Arithmetic mean; 0 for an empty array. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Population variance; 0 for fewer than two values. */
export function variance(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / xs.length;
}

/**
 * The mean and its standard error s/√n, s² the sample variance Σ(x − x̄)² / (n − 1); the error is 0 for
 * fewer than two values, and the mean 0 for none.
 */
export function meanWithStandardError(xs: ArrayLike<number>): { mean: number; standardError: number } {
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) return { mean: m, standardError: 0 };
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i]! - m) ** 2;
  return { mean: m, standardError: Math.sqrt(s / (n - 1) / n) };
}

/** Seeded pseudo-random numbers. Deterministic: the same seed gives the same stream on every platform. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** A new array with the items in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** One item chosen uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32 so that nearby
 * seeds give unrelated streams. 32-bit integer arithmetic only, hence identical on every JS engine.
 */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(),
    b = splitmix(),
    c = splitmix(),
    d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up
  let spare: number | undefined;
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u = 0;
      while (u <= Number.EPSILON) u = next();
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i]!;
        out[i] = out[j]!;
        out[j] = tmp;
      }
      return out;
    },
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
  return rng;
}
