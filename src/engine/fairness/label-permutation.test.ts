import { labelPermutationTest, NO_SET } from "./label-permutation.js";
import { permutationTest } from "./permutation.js";

/** Per tested set: mean value of its learners minus the mean of every other labelled learner. */
const meanGaps = (values: readonly number[], tested: number) => (label: Uint8Array) =>
  Array.from({ length: tested }, (_, g) => {
    const sum = [0, 0],
      n = [0, 0];
    label.forEach((s, l) => {
      if (s === NO_SET) return;
      const side = s === g ? 1 : 0;
      sum[side]! += values[l]!;
      n[side]!++;
    });
    return [sum[1]! / n[1]! - sum[0]! / n[0]!];
  });

/** Every way of choosing k of the pool. */
function* subsets(pool: readonly number[], k: number, from = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === k) yield chosen;
  else for (let i = from; i < pool.length; i++) yield* subsets(pool, k, i + 1, [...chosen, pool[i]!]);
}

describe("labelPermutationTest", () => {
  // 10 learners, learner 9 in no set; sets A = {0, 4, 7}, B = {1, 2, 8}, C = {3, 5, 6}
  const values = [4, 3, 5.5, 6, 5, 7, 1, 4.5, 2, 100];
  const sets = [
    [0, 4, 7],
    [1, 2, 8],
    [3, 5, 6],
  ];
  const labelOf = (l: number) => sets.findIndex((m) => m.includes(l));
  const trueLabel = Uint8Array.from(values, (_, l) => (labelOf(l) < 0 ? NO_SET : labelOf(l)));

  it("with two sets draws as permutationTest with the same seed: the same p-values", () => {
    const group = [0, 4, 7],
      rest = [1, 2, 3, 5, 6, 8];
    const statistic = meanGaps(values, 1);
    const observed = statistic(Uint8Array.from(values, (_, l) => (group.includes(l) ? 0 : rest.includes(l) ? 1 : NO_SET)));
    for (const seed of [1, 7, 123]) {
      const byLabel = labelPermutationTest({ learners: 10, sets: [group, rest], tested: 1, statistic, observed, rounds: 500, seed });
      const bySide = permutationTest({
        learners: 10,
        group,
        reference: rest,
        statistic: (side) => statistic(side.map((s) => (s === 1 ? 0 : s === 0 ? 1 : NO_SET)))[0]!,
        rounds: 500,
        seed,
      });
      expect(byLabel[0]).toEqual(bySide.pValues);
    }
  });

  it("with three sets, each set's p-value estimates its own exact group-vs-rest test (all 84 draws)", () => {
    const statistic = meanGaps(values, 3);
    const observed = statistic(trueLabel);
    const rounds = 40_000;
    const pValues = labelPermutationTest({ learners: 10, sets, tested: 3, statistic, observed, rounds, seed: 5 });
    const pool = sets.flat();
    for (let g = 0; g < 3; g++) {
      const obs = observed[g]![0]!;
      let extreme = 0,
        total = 0;
      for (const draw of subsets(pool, 3)) {
        const label = Uint8Array.from(values, (_, l) => (l === 9 ? NO_SET : draw.includes(l) ? g : g === 0 ? 1 : 0));
        if (Math.abs(statistic(label)[g]![0]!) >= Math.abs(obs) - 1e-12) extreme++;
        total++;
      }
      expect(total).toBe(84); // C(9, 3)
      const exact = extreme / total;
      expect(exact).toBeGreaterThan(0.05); // room for the Monte Carlo estimate to be wrong
      expect(Math.abs(pValues[g]![0]! - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / rounds));
    }
  });

  it("deals every set a uniform draw of its size: each learner lands in each set as often as its size says", () => {
    const seen = sets.map(() => new Array<number>(10).fill(0));
    const rounds = 30_000;
    labelPermutationTest({
      learners: 10,
      sets,
      tested: 3,
      statistic: (label) => {
        label.forEach((s, l) => {
          if (s !== NO_SET) seen[s]![l]!++;
        });
        return [[0], [0], [0]];
      },
      observed: [[1], [1], [1]],
      rounds,
      seed: 9,
    });
    // 3 of 9 places: probability 1/3 each, standard error √(⅓·⅔/R)
    for (const counts of seen) {
      for (const [l, n] of counts.entries()) {
        if (l === 9) expect(n).toBe(0);
        else expect(Math.abs(n / rounds - 1 / 3)).toBeLessThan(4 * Math.sqrt(2 / 9 / rounds));
      }
    }
  });

  it("rejects a learner in two sets, and bad rounds", () => {
    const statistic = meanGaps(values, 1);
    const run = (s: number[][], rounds = 10) =>
      labelPermutationTest({ learners: 10, sets: s, tested: 1, statistic, observed: [[0]], rounds, seed: 1 });
    expect(() =>
      run([
        [0, 1],
        [1, 2],
      ]),
    ).toThrow(/two sets/);
    expect(() => run(sets, -1)).toThrow(/rounds/);
  });
});
