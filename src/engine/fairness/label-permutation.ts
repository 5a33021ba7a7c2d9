/**
 * The permutation test of every group of one attribute against the rest, with one shuffle per round
 * (permutation.ts tests one split at a time). The attribute's learners are dealt into its sets — its
 * groups, and a remainder of the learners in no tested group — by shuffling their labels: each round, a
 * partial Fisher–Yates draw over the pool gives the first set's size of places to set 0, the next to set 1,
 * and so on; the last set takes the places left. So for each tested set the round's members are a uniform
 * draw of its size from the pool, exactly the null distribution of its own group-vs-rest test (permutation.ts,
 * p-values by the same rule), and one walk of the data serves every set (attribute-statistics.ts).
 *
 * With two sets (a group and the rest) the pool, the draws and so the rounds are those of
 * `permutationTest` with the same seed: the p-values are identical. With more, the sets share their
 * rounds: each p-value is valid on its own and the family's correction (Holm: any dependence) still holds.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng } from "../math.js";
import { checkRounds, ExtremeCounts, shufflePrefix } from "./permutation.js";

/** Labels of at most this many sets fit a Uint8Array (one value is kept for learners in no set). */
export const MAX_SETS = 255;
/** The label of a learner in no set. */
export const NO_SET = 255;

export interface LabelPermutationInput {
  /** Number of learners (indices 0 … learners − 1). */
  readonly learners: number;
  /** Disjoint sets of learners; set i's learners carry label i. The first `tested` sets are tested against all the others. */
  readonly sets: readonly (readonly number[])[];
  readonly tested: number;
  /** Per tested set, its statistics under the labels (label[learner]: a set, or NO_SET); it may reuse its buffers. */
  readonly statistic: (label: Uint8Array) => readonly ArrayLike<number>[];
  /** Per tested set, the statistics of the true labels. */
  readonly observed: readonly ArrayLike<number>[];
  readonly rounds: number;
  readonly seed: number;
  /** Per statistic: one-sided (T ≥ T_obs) instead of two-sided (|T| ≥ |T_obs|). */
  readonly oneSided?: readonly boolean[];
}

/** Per tested set, its p-values (null: undefined on the true labels, or in every round). */
export function labelPermutationTest(input: LabelPermutationInput): (number | null)[][] {
  const { learners, sets, tested, rounds } = input;
  checkRounds(rounds);
  if (sets.length > MAX_SETS || !(tested >= 1 && tested <= sets.length)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `labelPermutationTest: ${sets.length} sets, ${tested} tested`);
  }
  // The pool holds the sets from the last to the first, so that with two sets it is permutationTest's
  // [reference…, group…]; place i of a round goes to the set whose range holds i.
  const label = new Uint8Array(learners).fill(NO_SET);
  const pool: number[] = [];
  const setOfPlace: number[] = [];
  sets.forEach((members, s) => {
    for (const l of members) {
      if (!(l >= 0 && l < learners) || label[l] !== NO_SET) {
        throw new EngineError(EngineErrorCode.InvalidParameters, `labelPermutationTest: learner ${l} out of range or in two sets`);
      }
      label[l] = s;
      setOfPlace.push(s);
    }
  });
  for (let s = sets.length - 1; s >= 0; s--) pool.push(...sets[s]!);
  const places = Int32Array.from(pool);
  const placeSet = Uint8Array.from(setOfPlace);
  const drawn = places.length - sets[sets.length - 1]!.length;
  const counts = input.observed.slice(0, tested).map((obs) => new ExtremeCounts(obs, input.oneSided ?? []));
  const rng = createRng(input.seed);
  for (let r = 0; r < rounds; r++) {
    shufflePrefix(places, drawn, rng);
    for (let i = 0; i < places.length; i++) label[places[i]!] = placeSet[i]!;
    const values = input.statistic(label);
    for (let s = 0; s < tested; s++) counts[s]!.add(values[s]!);
  }
  return counts.map((c) => c.pValues());
}
