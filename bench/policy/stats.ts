/**
 * The policy benchmark's statistics over episodes grouped by seed (school):
 *   - quantiles of attempts to mastery with censoring: an episode that never reached the goal (it hit
 *     maxAttempts or the learner dropped out) ranks after every episode that did (+∞); the q-quantile is
 *     the ⌈q·n⌉-th smallest value, "censored" when that one is;
 *   - their 95 % intervals by a cluster bootstrap over seeds (seeds resampled with replacement, each with
 *     all its episodes; the 2.5 % and 97.5 % quantiles of the rounds' values, censored ones ranking last);
 *   - means with a 95 % t interval over the per-seed means (mean ± t_{0.975, n−1} · sd / √n).
 */
import { createRng } from "../../src/engine/math.js";

/** Censored values are +∞. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Interval {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

/** The q-quantile of all episodes, with its cluster-bootstrap interval over seeds. */
export function clusteredQuantile(bySeed: readonly (readonly number[])[], q: number, rounds: number, seed: number): Interval {
  const all = bySeed.flat().sort((a, b) => a - b);
  const rng = createRng(seed);
  const values: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const sample: number[] = [];
    for (let i = 0; i < bySeed.length; i++) sample.push(...bySeed[rng.int(bySeed.length)]!);
    values.push(
      quantile(
        sample.sort((a, b) => a - b),
        q,
      ),
    );
  }
  values.sort((a, b) => a - b);
  return { value: quantile(all, q), lo: quantile(values, 0.025), hi: quantile(values, 0.975) };
}

/** Two-sided 97.5 % quantile of Student's t with df degrees of freedom (table to 30, then the normal's with a correction). */
export function tQuantile(df: number): number {
  const table = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
    2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
  ];
  if (df < 1) return Number.NaN;
  return df <= 30 ? table[df - 1]! : 1.96 + 2.4 / df;
}

/** The mean of per-seed means, with its t interval. */
export function meanInterval(perSeed: readonly number[]): Interval {
  const n = perSeed.length;
  const mean = perSeed.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { value: mean, lo: Number.NaN, hi: Number.NaN };
  const sd = Math.sqrt(perSeed.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const h = (tQuantile(n - 1) * sd) / Math.sqrt(n);
  return { value: mean, lo: mean - h, hi: mean + h };
}
