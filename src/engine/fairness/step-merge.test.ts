import { mergeFlatSteps, mergeSteps } from "./step-merge.js";
import { abroca, createRng, rocCurve } from "../index.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

describe("mergeSteps", () => {
  it("integrates hand cases: a diagonal against steps", () => {
    // a: one negative tied with one positive, the diagonal y = f. b: 2 negatives, 1 positive.
    const diagonal = [f64([0]), f64([1]), 1, 1] as const;
    // the positive above both negatives: b = 1 on (0, 1]; ∫ (1 − f) = 1/2
    expect(mergeSteps(...diagonal, f64([1, 1]), f64([1, 1]), 2, 1)).toBeCloseTo(0.5, 15);
    // the positive between them: b = 0 then 1; ∫₀^½ f + ∫_½¹ (1 − f) = 1/4
    expect(mergeSteps(...diagonal, f64([0, 1]), f64([0, 1]), 2, 1)).toBeCloseTo(0.25, 15);
    // against itself: 0
    expect(mergeSteps(...diagonal, ...diagonal)).toBe(0);
  });

  it("equals roc.ts's abroca on random curves with ties, and mergeFlatSteps on flat ones", () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const curve = (n: number, ties: boolean) => {
        const p = Array.from({ length: n }, () => (ties ? Math.round(rng.next() * 5) / 5 : rng.next()));
        const y = p.map((s) => (rng.next() < s ? 1 : 0));
        if (!y.includes(0)) y[0] = 0;
        if (!y.includes(1)) y[1] = 1;
        // steps: per tie block (scores descending) of n negatives and q positives after P positives
        const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]!);
        const from: number[] = [],
          to: number[] = [];
        let above = 0;
        for (let i = 0; i < order.length; ) {
          let j = i;
          while (j < order.length && p[order[j]!] === p[order[i]!]) j++;
          const block = order.slice(i, j);
          const q = block.filter((k) => y[k] === 1).length,
            negatives = block.length - q;
          for (let t = 0; t < negatives; t++) {
            from.push(above + (t * q) / negatives);
            to.push(above + ((t + 1) * q) / negatives);
          }
          above += q;
          i = j;
        }
        return { roc: rocCurve(p, y)!, from: f64(from), to: f64(to), n: from.length, p: above };
      };
      const ties = trial % 2 === 0;
      const a = curve(5 + rng.int(60), ties),
        b = curve(5 + rng.int(60), ties);
      const merged = mergeSteps(a.from, a.to, a.n, a.p, b.from, b.to, b.n, b.p);
      expect(merged).toBeCloseTo(abroca(a.roc, b.roc), 12);
      if (!ties) expect(mergeFlatSteps(a.from, a.n, a.p, b.from, b.n, b.p)).toBeCloseTo(merged, 14);
    }
  });
});
