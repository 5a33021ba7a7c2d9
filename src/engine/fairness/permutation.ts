/**
 * A seeded learner-level permutation test. A learner's attempts are clustered (one learner's answers
 * are correlated), so the group labels are shuffled among the LEARNERS of the comparison and every
 * attempt stays with its learner; the statistics are recomputed per round. Under the null hypothesis
 * (group membership exchangeable given the model's behaviour) each round is a draw from the statistic's
 * null distribution, and
 *
 *   p = (1 + #{rounds r : |T_r| ≥ |T_obs|}) / (1 + R)        (two-sided, on a signed gap)
 *   p = (1 + #{rounds r :  T_r  ≥  T_obs })  / (1 + R)        (one-sided, e.g. ABROCA ≥ 0)
 *
 * which is a valid p-value (never 0: the observed assignment counts as one of the permutations;
 * Phipson & Smyth 2010). A round where a statistic is undefined (NaN: e.g. a permuted side with one
 * class) is left out of that statistic's R. Comparisons allow a relative 1e-10 for floating-point
 * noise, so a round that reproduces the observed split counts.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng, type Rng } from "../math.js";

/** `side[learner]`: 1 in the group, 0 in the reference, 2 in neither. */
export type SideStatistic = (side: Uint8Array) => ArrayLike<number>;

export interface PermutationTestInput {
  /** Number of learners (indices 0 … learners − 1). */
  readonly learners: number;
  readonly group: ArrayLike<number>;
  readonly reference: ArrayLike<number>;
  /** Statistics of one assignment (NaN where undefined); it may reuse its output buffer. */
  readonly statistic: SideStatistic;
  readonly rounds: number;
  readonly seed: number;
  /** Per statistic: one-sided (T ≥ T_obs) instead of two-sided (|T| ≥ |T_obs|). */
  readonly oneSided?: readonly boolean[];
}

export interface PermutationTestResult {
  /** The statistics of the true assignment. */
  readonly observed: number[];
  /** Per statistic; null when it is undefined on the true assignment or no round defined it. */
  readonly pValues: (number | null)[];
  /** Per statistic, the rounds where it was defined. */
  readonly validRounds: number[];
}

export function permutationTest(input: PermutationTestInput): PermutationTestResult {
  const { learners, group, reference, statistic, rounds, seed } = input;
  checkRounds(rounds);
  const side = new Uint8Array(learners).fill(2);
  const pool = new Int32Array(group.length + reference.length);
  for (let i = 0; i < reference.length; i++) pool[i] = reference[i]!;
  for (let i = 0; i < group.length; i++) pool[reference.length + i] = group[i]!;
  for (let i = 0; i < pool.length; i++) {
    const l = pool[i]!;
    if (!(l >= 0 && l < learners) || side[l] !== 2) {
      throw new EngineError(EngineErrorCode.InvalidParameters, `permutationTest: learner ${l} out of range or on both sides`);
    }
    side[l] = i >= reference.length ? 1 : 0;
  }
  const observed = Array.from(statistic(side));
  const counts = new ExtremeCounts(observed, input.oneSided ?? []);
  const rng = createRng(seed);
  const k = group.length;
  for (let r = 0; r < rounds; r++) {
    shufflePrefix(pool, k, rng); // the first k of the pool become the group
    for (let i = 0; i < pool.length; i++) side[pool[i]!] = i < k ? 1 : 0;
    counts.add(statistic(side));
  }
  return { observed, pValues: counts.pValues(), validRounds: counts.valid };
}

export function checkRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 0) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `permutationTest: rounds = ${rounds}, not an integer ≥ 0`);
  }
}

/** Partial Fisher–Yates: the first k entries of `pool` become a uniformly random ordered draw of k. */
export function shufflePrefix(pool: Int32Array, k: number, rng: Rng): void {
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
}

/** Per statistic, the rounds at least as extreme as the observed value and the rounds that defined it (the module comment's p). */
export class ExtremeCounts {
  readonly extreme: number[];
  readonly valid: number[];

  constructor(
    private readonly observed: ArrayLike<number>,
    private readonly oneSided: readonly boolean[],
  ) {
    this.extreme = new Array<number>(observed.length).fill(0);
    this.valid = new Array<number>(observed.length).fill(0);
  }

  add(values: ArrayLike<number>): void {
    for (let s = 0; s < this.observed.length; s++) {
      const v = values[s]!;
      const obs = this.observed[s]!;
      if (Number.isNaN(v) || Number.isNaN(obs)) continue;
      this.valid[s]!++;
      const tolerance = 1e-10 * Math.max(1, Math.abs(obs));
      const hit = this.oneSided[s] ? v >= obs - tolerance : Math.abs(v) >= Math.abs(obs) - tolerance;
      if (hit) this.extreme[s]!++;
    }
  }

  /** Per statistic; null when it is undefined on the true assignment or no round defined it. */
  pValues(): (number | null)[] {
    return Array.from(this.observed, (obs, s) =>
      Number.isNaN(obs) || this.valid[s] === 0 ? null : (1 + this.extreme[s]!) / (1 + this.valid[s]!),
    );
  }
}
