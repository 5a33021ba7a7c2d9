/**
 * The all-groups pass (one walk per round for every group of an attribute) against the per-split
 * statistics (FairnessStatistics, themselves checked against the metrics module in statistics.test.ts):
 * each tested group's gaps against the rest, for random labellings, with and without tied scores.
 */
import { createRng } from "../index.js";
import { AttributeStatistics } from "./attribute-statistics.js";
import { NO_SET } from "./label-permutation.js";
import { FAIRNESS_METRICS, FairnessStatistics, gapsOf } from "./statistics.js";
import type { FairnessAuditInput } from "./types.js";

const rng = createRng(29);

function school(ties: boolean): FairnessAuditInput {
  const learners = 50 + rng.int(50);
  const p: number[] = [],
    y: number[] = [],
    position: number[] = [],
    learner: number[] = [];
  for (let l = 0; l < learners; l++) {
    const attempts = 1 + rng.int(30);
    for (let k = 1; k <= attempts; k++) {
      const score = ties ? Math.round(rng.next() * 8) / 8 : rng.next(); // 9 values, 0 and 1 included
      p.push(score);
      y.push(rng.next() < 0.15 + 0.7 * score ? 1 : 0);
      position.push(k);
      learner.push(l);
    }
  }
  const recommendations = Array.from({ length: learners }, () =>
    rng.next() < 0.2
      ? null
      : {
          predictedSuccess: [rng.next(), rng.next()],
          goalAdvancingShare: rng.next(),
          attemptsToMastery: rng.int(40),
          readiness: rng.next(),
        },
  );
  return { p, y, position, learner, learners, attributes: new Map(), recommendations };
}

describe("AttributeStatistics", () => {
  it.each([
    ["without ties", false],
    ["with ties", true],
  ])("gives each tested group the gaps of its own split against the rest (%s)", (_, ties) => {
    for (let trial = 0; trial < 12; trial++) {
      const input = school(ties);
      const stats = new FairnessStatistics(input, 0.65, 10);
      const sets = 2 + rng.int(4);
      const label = Uint8Array.from({ length: input.learners }, () => (rng.next() < 0.1 ? NO_SET : rng.int(sets)));
      const tested = 1 + rng.int(sets);
      const grouped = new AttributeStatistics(stats, label, sets, tested);
      // the same instance serves several labellings of the same learners (a permutation's rounds)
      for (let round = 0; round < 3; round++) {
        const shuffled = label.slice();
        const inAttribute = [...label.keys()].filter((l) => label[l] !== NO_SET);
        const drawn = rng.shuffle(inAttribute.map((l) => label[l]!));
        inAttribute.forEach((l, k) => {
          shuffled[l] = drawn[k]!;
        });
        const all = grouped.compute(shuffled);
        for (let g = 0; g < tested; g++) {
          const side = shuffled.map((s) => (s === NO_SET ? 2 : s === g ? 1 : 0));
          const own = gapsOf(stats.compute(side));
          FAIRNESS_METRICS.forEach(([metric], m) => {
            if (Number.isNaN(own[m]!)) expect([metric, all[g]![m]]).toEqual([metric, Number.NaN]);
            else expect([metric, all[g]![m]!]).toEqual([metric, expect.closeTo(own[m]!, 12)]);
          });
        }
      }
    }
  });
});
