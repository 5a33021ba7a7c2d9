/**
 * One subset of the attempts (the headline or the cold-start ones) sorted by prediction once, so that
 * each permutation round gets both sides' ROC curves from a single walk down that order with per-side
 * counters: a side's curve gets a point at the end of every run of tied scores where it had attempts
 * (a tie is one diagonal segment). Its AUC is the trapezoidal area under those points, which is the
 * Mann–Whitney AUC with ties counted ½ (metrics/auc.ts); ABROCA is the exact area between the two
 * curves (roc.ts).
 */
import { areaBetweenPoints, areaUnderPoints, orderByScore } from "./roc.js";
import type { FairnessAuditInput } from "./types.js";

export class SortedWalk {
  /** Per sorted attempt: its learner and outcome; the end (exclusive) of each run of tied scores. */
  readonly learner: Int32Array;
  readonly y: Uint8Array;
  readonly blockEnd: Int32Array;
  /** Each side's ROC points of the last walk (normalised when the side has both classes). */
  private readonly x: [Float64Array, Float64Array];
  private readonly yy: [Float64Array, Float64Array];
  private readonly points = [0, 0];
  private readonly counts = new Int32Array(6);
  /** Each side's AUC after the last walk (NaN with one class or no attempt). */
  readonly auc = new Float64Array(2);

  constructor(input: FairnessAuditInput, keep: (position: number) => boolean) {
    const indices: number[] = [];
    for (let i = 0; i < input.p.length; i++) if (keep(input.position[i]!)) indices.push(i);
    const { order, blockEnd } = orderByScore(input.p, Int32Array.from(indices));
    this.learner = new Int32Array(order.length);
    this.y = new Uint8Array(order.length);
    order.forEach((i, k) => {
      this.learner[k] = input.learner[i]!;
      this.y[k] = input.y[i]!;
    });
    this.blockEnd = blockEnd;
    const n = order.length + 1;
    this.x = [new Float64Array(n), new Float64Array(n)];
    this.yy = [new Float64Array(n), new Float64Array(n)];
  }

  /** Walks the order once for the split `side` (side[learner]: 1 group, 0 reference, 2 neither). */
  walk(side: Uint8Array): void {
    const [x0, x1] = this.x;
    const [y0, y1] = this.yy;
    // counts[2·side + y]: branch-free (outcomes are random, so branches on them mispredict); side 2 is
    // counted and ignored. A side's point is written every block but kept only when the side moved.
    // (No Math.min/abs in hot loops: under Jest's module sandbox such calls are not inlined, 10–20× slower.)
    const counts = this.counts.fill(0);
    const { learner, y, blockEnd } = this;
    let n0 = 1,
      n1 = 1,
      start = 0,
      seen0 = 0,
      seen1 = 0;
    x0[0] = 0;
    y0[0] = 0;
    x1[0] = 0;
    y1[0] = 0;
    for (let b = 0; b < blockEnd.length; b++) {
      const end = blockEnd[b]!;
      for (let i = start; i < end; i++) counts[2 * side[learner[i]!]! + y[i]!]!++;
      const fp0 = counts[0]!,
        tp0 = counts[1]!,
        fp1 = counts[2]!,
        tp1 = counts[3]!;
      x0[n0] = fp0;
      y0[n0] = tp0;
      x1[n1] = fp1;
      y1[n1] = tp1;
      n0 += fp0 + tp0 > seen0 ? 1 : 0;
      n1 += fp1 + tp1 > seen1 ? 1 : 0;
      seen0 = fp0 + tp0;
      seen1 = fp1 + tp1;
      start = end;
    }
    this.points[0] = n0;
    this.points[1] = n1;
    for (let s = 0; s < 2; s++) {
      const negatives = counts[2 * s]!,
        positives = counts[2 * s + 1]!;
      if (positives === 0 || negatives === 0) {
        this.auc[s] = Number.NaN;
        continue;
      }
      const xs = this.x[s]!,
        ys = this.yy[s]!;
      const n = this.points[s]!;
      for (let k = 0; k < n; k++) {
        xs[k]! /= negatives;
        ys[k]! /= positives;
      }
      this.auc[s] = areaUnderPoints(xs, ys, n);
    }
  }

  /** ABROCA between the two sides' curves of the last walk (NaN when either AUC is undefined). */
  abroca(): number {
    if (Number.isNaN(this.auc[0]!) || Number.isNaN(this.auc[1]!)) return Number.NaN;
    return areaBetweenPoints(this.x[0], this.yy[0], this.points[0]!, this.x[1], this.yy[1], this.points[1]!);
  }
}
