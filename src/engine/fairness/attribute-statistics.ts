/**
 * The statistics of every tested group of one attribute against the rest, for one labelling of its
 * learners (a round of label-permutation.ts): one GroupedWalk pass per sorted subset and one pass of the
 * per-learner sums per round, whatever the number of groups; each group then costs one merge over the
 * headline attempts (ABROCA: grouped-walk.ts) and O(labels × bins) for its sums.
 *
 * A group's figures are those FairnessStatistics.compute gives for the split group | rest, up to
 * floating-point rounding: its AUCs and ABROCA as grouped-walk.ts says, its sums as the sum of its rest's
 * labels' sums (learner-sums.ts; with one other label, an attribute of two groups, exactly the same).
 * Permutation p-values compare with a relative tolerance of 1e-10 (permutation.ts), far above this rounding.
 */
import { GroupedWalk } from "./grouped-walk.js";
import { sideSums } from "./learner-sums.js";
import { FAIRNESS_METRICS, type FairnessStatistics, gapsOf, sideValues } from "./statistics.js";

export class AttributeStatistics {
  private readonly headline: GroupedWalk;
  private readonly coldStart: GroupedWalk;
  /** Per tested group, the labels of its rest. */
  private readonly rest: number[][];
  private readonly gaps: Float64Array[];

  /**
   * @param label the true labels (label[learner]: its set, or a value ≥ sets outside the attribute); only
   *   who is in the attribute is read, so any labelling of the same learners will do
   * @param tested the groups compared with their rest: labels 0 … tested − 1
   */
  constructor(
    private readonly stats: FairnessStatistics,
    label: Uint8Array,
    private readonly sets: number,
    tested: number,
  ) {
    this.headline = new GroupedWalk(stats.headline, label, sets);
    this.coldStart = new GroupedWalk(stats.coldStart, label, sets);
    const labels = Array.from({ length: sets }, (_, s) => s);
    this.rest = Array.from({ length: tested }, (_, g) => labels.filter((s) => s !== g));
    this.gaps = Array.from({ length: tested }, () => new Float64Array(FAIRNESS_METRICS.length));
  }

  /** Per tested group, its gaps against the rest (FAIRNESS_METRICS order) under `label`; the buffers are reused. */
  compute(label: Uint8Array): readonly Float64Array[] {
    this.headline.walk(label);
    this.coldStart.walk(label);
    const sums = this.stats.sums.sumByLabel(label, this.sets);
    this.gaps.forEach((out, g) => {
      const abroca = this.headline.abroca(g, label);
      this.headline.aucs(g);
      const [restAuc, groupAuc] = this.headline.auc;
      this.coldStart.aucs(g);
      const [restCold, groupCold] = this.coldStart.auc;
      const group = sideValues(sideSums(sums, [g]), groupAuc!, groupCold!);
      const reference = sideValues(sideSums(sums, this.rest[g]!), restAuc!, restCold!);
      gapsOf({ group, reference, abroca }, out);
    });
    return this.gaps;
  }
}
