/**
 * A SortedWalk's attempts walked for every group of an attribute at once, in each permutation round
 * (label-permutation.ts). The rest of a group is every other learner of the attribute, so the rest's counts
 * are the attribute's — the same in every round, computed once — minus the group's:
 *
 * - AUC, as the Mann–Whitney count of (positive, negative) pairs ranked right, ties ½ (= the area under
 *   the trapezoidal ROC curve, metrics/auc.ts). Per block b of tied scores with n_b negatives and p_b
 *   positives, a set S has pairs(S) = Σ_b n_S,b (P_S,<b + p_S,b / 2). For the rest R = T − g of a group g,
 *   expanding the products,
 *
 *     pairs(R) = pairs(T) − Σ_{positives of g} w⁺ − Σ_{negatives of g} w⁻ + pairs(g)
 *
 *   with w⁺ = T's negatives ranked below a positive and w⁻ = T's positives ranked above a negative (ties ½
 *   each): fixed weights per attempt. One walk with per-label counters gives every group's pairs and its
 *   rest's, exactly (integers and halves); AUC = pairs / (negatives · positives).
 * - ABROCA, ∫₀¹ |ROC_g(f) − ROC_R(f)| df (roc.ts). A ROC curve rises only between negatives: its negative
 *   number t of N spans f ∈ [t/N, (t + 1)/N], over which the curve is linear, from L₀/P to L₁/P, L the
 *   positives ranked above (in a block of n negatives and p positives after P_<b positives, the t-th of its
 *   negatives has L₀ = P_<b + t·p/n, L₁ = P_<b + (t + 1)·p/n: the tie's diagonal segment, cut in n). So the
 *   two curves are two lists of such steps, on the fixed grids {t/N_g} and {t/N_R}; one pass over the
 *   attribute's attempts per group lists both (the rest's levels are the totals minus the group's), and
 *   merging the grids integrates |Δ| exactly on each piece where both are linear (step-merge.ts).
 *
 * Without ties (every block one attempt, as with continuous predictions) the walks take branch-free paths:
 * outcomes and labels are random, so branches on them would mostly mispredict.
 *
 * The figures equal SortedWalk's for the split group | rest up to floating-point rounding (it sums
 * normalised trapezoids; here the counts are exact and the curves normalised by reciprocals).
 */
import type { SortedWalk } from "./sorted-walk.js";
import { mergeFlatSteps, mergeSteps } from "./step-merge.js";

export class GroupedWalk {
  /** The attribute's attempts (learners with a label) in the walk's order, and the end of each tie block. */
  private readonly learner: Int32Array;
  private readonly y: Uint8Array;
  private readonly blockEnd: Int32Array;
  /** Per block, the attribute's positives ranked above it (fixed). */
  private readonly positivesBefore: Float64Array;
  /** No two attempts tied: every block is one attempt, and the walks take their branch-free paths. */
  private readonly untied: boolean;
  /** Per learner, 1 in the group being listed (listSteps). */
  private readonly member: Uint8Array;
  /** Per attempt: w⁺ for a positive, w⁻ for a negative (module comment); fixed. */
  private readonly weight: Float64Array;
  private readonly allPairs: number;
  private readonly allNegatives: number;
  private readonly allPositives: number;
  /** Per label, in the last walk: negatives and positives (2·label + y), pairs, Σ weight per class. */
  private readonly counts: Float64Array;
  private readonly pairs: Float64Array;
  private readonly weights: Float64Array;
  private readonly inBlock: Float64Array;
  private readonly lastBlock: Int32Array;
  /** The steps (module comment) of a group's curve and of its rest's: levels L₀, L₁ per negative. */
  private readonly groupFrom: Float64Array;
  private readonly groupTo: Float64Array;
  private readonly restFrom: Float64Array;
  private readonly restTo: Float64Array;
  /** After `aucs(g)`: the rest's AUC and the group's (NaN with one class or no attempt). */
  readonly auc = new Float64Array(2);

  /** @param label the true labels: label[learner] < sets in the attribute (only who is in it is read) */
  constructor(walk: SortedWalk, label: Uint8Array, sets: number) {
    const keep: number[] = [];
    const ends: number[] = [];
    let start = 0;
    for (const end of walk.blockEnd) {
      for (let i = start; i < end; i++) if (label[walk.learner[i]!]! < sets) keep.push(i);
      if (keep.length > 0 && ends[ends.length - 1] !== keep.length) ends.push(keep.length);
      start = end;
    }
    this.learner = Int32Array.from(keep, (i) => walk.learner[i]!);
    this.y = Uint8Array.from(keep, (i) => walk.y[i]!);
    this.blockEnd = Int32Array.from(ends);
    this.untied = ends.length === keep.length;
    this.member = new Uint8Array(label.length);
    this.positivesBefore = new Float64Array(ends.length);
    let positives = 0;
    start = 0;
    ends.forEach((end, b) => {
      this.positivesBefore[b] = positives;
      for (let i = start; i < end; i++) positives += this.y[i]!;
      start = end;
    });
    this.allPositives = positives;
    this.allNegatives = keep.length - positives;
    this.weight = new Float64Array(keep.length);
    let pairs = 0,
      negativesBefore = 0;
    start = 0;
    ends.forEach((end, b) => {
      const before = this.positivesBefore[b]!;
      let p = 0;
      for (let i = start; i < end; i++) p += this.y[i]!;
      const n = end - start - p;
      for (let i = start; i < end; i++) {
        this.weight[i] = this.y[i] === 1 ? this.allNegatives - negativesBefore - n / 2 : before + p / 2;
      }
      pairs += n * (before + p / 2);
      negativesBefore += n;
      start = end;
    });
    this.allPairs = pairs;
    this.counts = new Float64Array(2 * sets);
    this.pairs = new Float64Array(sets);
    this.weights = new Float64Array(2 * sets);
    this.inBlock = new Float64Array(2 * sets);
    this.lastBlock = new Int32Array(sets);
    // one spare place: listSteps writes a step before knowing whether it is kept
    this.groupFrom = new Float64Array(this.allNegatives + 1);
    this.groupTo = new Float64Array(this.allNegatives + 1);
    this.restFrom = new Float64Array(this.allNegatives + 1);
    this.restTo = new Float64Array(this.allNegatives + 1);
  }

  /** Walks the order once for the labels `label` (label[learner]: its set): every label's pairs and counts. */
  walk(label: Uint8Array): void {
    const { learner, y, blockEnd, weight, inBlock, lastBlock } = this;
    const counts = this.counts.fill(0),
      pairs = this.pairs.fill(0),
      weights = this.weights.fill(0);
    if (this.untied) {
      untiedWalk(label, learner, y, weight, counts, pairs, weights);
      return;
    }
    lastBlock.fill(-1);
    let start = 0;
    for (let b = 0; b < blockEnd.length; b++) {
      const end = blockEnd[b]!;
      for (let i = start; i < end; i++) {
        const c = 2 * label[learner[i]!]! + y[i]!;
        inBlock[c]!++;
        weights[c]! += weight[i]!;
      }
      // once per label that answered in the block: its pairs (the block's positives count ½), its counts
      for (let i = start; i < end; i++) {
        const s = label[learner[i]!]!;
        if (lastBlock[s] === b) continue;
        lastBlock[s] = b;
        const n = inBlock[2 * s]!,
          p = inBlock[2 * s + 1]!;
        pairs[s]! += n * (counts[2 * s + 1]! + p / 2);
        counts[2 * s]! += n;
        counts[2 * s + 1]! += p;
        inBlock[2 * s] = 0;
        inBlock[2 * s + 1] = 0;
      }
      start = end;
    }
  }

  /** Sets `auc` to the rest's and group g's AUC after the last walk. */
  aucs(g: number): void {
    const n = this.counts[2 * g]!,
      p = this.counts[2 * g + 1]!;
    const restN = this.allNegatives - n,
      restP = this.allPositives - p;
    const restPairs = this.allPairs - this.weights[2 * g + 1]! - this.weights[2 * g]! + this.pairs[g]!;
    this.auc[0] = restN > 0 && restP > 0 ? restPairs / (restN * restP) : Number.NaN;
    this.auc[1] = n > 0 && p > 0 ? this.pairs[g]! / (n * p) : Number.NaN;
  }

  /** ABROCA of group g against the rest under `label` (the last walk's), NaN when either lacks a class. */
  abroca(g: number, label: Uint8Array): number {
    const groupN = this.counts[2 * g]!,
      groupP = this.counts[2 * g + 1]!;
    const restN = this.allNegatives - groupN,
      restP = this.allPositives - groupP;
    if (groupN === 0 || groupP === 0 || restN === 0 || restP === 0) return Number.NaN;
    this.listSteps(g, label);
    if (this.untied) return mergeFlatSteps(this.groupFrom, groupN, groupP, this.restFrom, restN, restP);
    return mergeSteps(this.groupFrom, this.groupTo, groupN, groupP, this.restFrom, this.restTo, restN, restP);
  }

  /** Fills the group's and the rest's steps (levels in positives), walking the attempts once. */
  private listSteps(g: number, label: Uint8Array): void {
    const { learner, y, blockEnd, positivesBefore, groupFrom, groupTo, restFrom, restTo, member } = this;
    for (let l = 0; l < label.length; l++) member[l] = label[l] === g ? 1 : 0;
    if (this.untied) {
      untiedSteps(member, learner, y, positivesBefore, groupFrom, restFrom);
      return;
    }
    let t = 0,
      r = 0,
      groupPositives = 0,
      start = 0;
    for (let b = 0; b < blockEnd.length; b++) {
      const end = blockEnd[b]!;
      let n = 0,
        p = 0,
        all = 0;
      for (let i = start; i < end; i++) {
        all += y[i]!;
        if (member[learner[i]!] === 0) continue;
        n += 1 - y[i]!;
        p += y[i]!;
      }
      const restNegatives = end - start - all - n,
        restPositives = all - p,
        restBefore = positivesBefore[b]! - groupPositives;
      for (let k = 0; k < n; k++, t++) {
        groupFrom[t] = groupPositives + (k * p) / n;
        groupTo[t] = groupPositives + ((k + 1) * p) / n;
      }
      for (let k = 0; k < restNegatives; k++, r++) {
        restFrom[r] = restBefore + (k * restPositives) / restNegatives;
        restTo[r] = restBefore + ((k + 1) * restPositives) / restNegatives;
      }
      groupPositives += p;
      start = end;
    }
  }
}

/**
 * The walk when no two attempts are tied, branch-free (outcomes and labels are random, so branches on them
 * mispredict): pairs(s) gains the positives of s seen so far at each negative of s.
 */
function untiedWalk(
  label: Uint8Array,
  learner: Int32Array,
  y: Uint8Array,
  weight: Float64Array,
  counts: Float64Array,
  pairs: Float64Array,
  weights: Float64Array,
): void {
  for (let i = 0; i < y.length; i++) {
    const s = label[learner[i]!]!,
      positive = y[i]!;
    pairs[s]! += (1 - positive) * counts[2 * s + 1]!;
    counts[2 * s + positive]!++;
    weights[2 * s + positive]! += weight[i]!;
  }
}

/**
 * listSteps when no two attempts are tied: every step is flat (only its level is written), one per
 * negative, written always and kept (its counter moved on) when it is the group's or the rest's, branch-free.
 */
function untiedSteps(
  member: Uint8Array,
  learner: Int32Array,
  y: Uint8Array,
  positivesBefore: Float64Array,
  groupFrom: Float64Array,
  restFrom: Float64Array,
): void {
  let t = 0,
    r = 0,
    groupPositives = 0;
  for (let i = 0; i < y.length; i++) {
    const mine = member[learner[i]!]!,
      positive = y[i]!;
    const negative = 1 - positive;
    groupFrom[t] = groupPositives;
    restFrom[r] = positivesBefore[i]! - groupPositives;
    t += mine * negative;
    r += (1 - mine) * negative;
    groupPositives += mine * positive;
  }
}
