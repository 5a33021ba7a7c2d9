import { permutationTest } from "../index.js";

/** Difference of the mean value of the group's learners and the reference's (side 2: neither). */
const meanGap = (values: readonly number[]) => (side: Uint8Array) => {
  const sum = [0, 0],
    n = [0, 0];
  side.forEach((s, l) => {
    if (s < 2) {
      sum[s]! += values[l]!;
      n[s]!++;
    }
  });
  return [sum[1]! / n[1]! - sum[0]! / n[0]!];
};

/** Every way of choosing k of the pool as the group. */
function* subsets(pool: readonly number[], k: number, from = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === k) yield chosen;
  else for (let i = from; i < pool.length; i++) yield* subsets(pool, k, i + 1, [...chosen, pool[i]!]);
}

describe("permutationTest", () => {
  // 9 learners; learner 8 is in neither side. Group {1, 3, 6, 7} vs reference {0, 2, 4, 5}.
  const values = [1, 2, 3, 4.5, 5, 6, 7, 8, 100];
  const group = [1, 3, 6, 7],
    reference = [0, 2, 4, 5];
  const statistic = meanGap(values);
  const exact = (oneSided: boolean) => {
    const observed = statistic(Uint8Array.from(values, (_, l) => (group.includes(l) ? 1 : reference.includes(l) ? 0 : 2)))[0]!;
    let extreme = 0,
      total = 0;
    for (const g of subsets([...group, ...reference], group.length)) {
      const side = Uint8Array.from(values, (_, l) => (g.includes(l) ? 1 : l === 8 ? 2 : 0));
      const t = statistic(side)[0]!;
      if (oneSided ? t >= observed - 1e-12 : Math.abs(t) >= Math.abs(observed) - 1e-12) extreme++;
      total++;
    }
    expect(total).toBe(70); // C(8, 4)
    return extreme / total;
  };

  it("agrees with the exact test over all 70 splits (two-sided and one-sided)", () => {
    const rounds = 40_000;
    for (const oneSided of [false, true]) {
      const { observed, pValues } = permutationTest({ learners: 9, group, reference, statistic, rounds, seed: 11, oneSided: [oneSided] });
      expect(observed[0]).toBeCloseTo((4.5 + 2 + 7 + 8) / 4 - (1 + 3 + 5 + 6) / 4, 12);
      const p = exact(oneSided);
      expect(p).toBeGreaterThan(0.1); // a case where the Monte Carlo estimate has room to be wrong
      // The Monte Carlo p-value estimates the exact one: within 4 standard errors.
      expect(Math.abs(pValues[0]! - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / rounds));
    }
  });

  it("gives p = 1 when every split has the same statistic", () => {
    const same = meanGap(new Array(9).fill(3));
    const { pValues } = permutationTest({ learners: 9, group, reference, statistic: same, rounds: 200, seed: 1 });
    expect(pValues[0]).toBe(1);
  });

  it("gives the smallest possible p, 1/(rounds + 1), when no shuffle comes near the observed split", () => {
    // 40 learners at 100 against 40 at 0: a shuffle reproduces the split with probability 1/C(80, 40) ≈ 1e-23.
    const v = Array.from({ length: 80 }, (_, l) => (l < 40 ? 100 : 0));
    const g = v.map((_, l) => l).filter((l) => l < 40);
    const r = v.map((_, l) => l).filter((l) => l >= 40);
    const { pValues } = permutationTest({ learners: 80, group: g, reference: r, statistic: meanGap(v), rounds: 999, seed: 2 });
    expect(pValues[0]).toBe(1 / 1000);
  });

  it("is seeded: the same seed gives the same p-value", () => {
    const run = (seed: number) => permutationTest({ learners: 9, group, reference, statistic, rounds: 300, seed }).pValues[0];
    expect(run(4)).toBe(run(4));
  });

  it("leaves rounds where a statistic is undefined out of its count, and gives null without rounds", () => {
    let call = 0;
    const sometimesNaN = (side: Uint8Array) => (call++ % 2 === 1 ? [Number.NaN] : statistic(side));
    const result = permutationTest({ learners: 9, group, reference, statistic: sometimesNaN, rounds: 100, seed: 3 });
    expect(result.validRounds[0]).toBe(50);
    const none = permutationTest({ learners: 9, group, reference, statistic, rounds: 0, seed: 3 });
    expect(none.pValues[0]).toBeNull();
  });
});
