import { abroca, createRng, downsampleRoc, rocCurve } from "../index.js";
import type { RocCurve } from "../index.js";

const points = (c: RocCurve | null) => (c ? Array.from(c.fpr, (f, k) => [f, c.tpr[k]!]) : null);
const curve = (p: number[], y: number[]): RocCurve => rocCurve(p, y)!;

/**
 * Reference ABROCA independent of roc.ts: the ROC points by brute-force thresholding (for each distinct
 * score t, the shares of positives and negatives scored ≥ t), linear interpolation, and the midpoint
 * rule on a fine grid.
 */
function bruteForceAbroca(a: [number[], number[]], b: [number[], number[]], grid = 200_000): number {
  const tprAt = ([p, y]: [number[], number[]]) => {
    const pos = y.filter((v) => v === 1).length;
    const neg = y.length - pos;
    const pts: [number, number][] = [[0, 0]];
    for (const t of [...new Set(p)].sort((u, v) => v - u)) {
      const tp = p.filter((s, i) => s >= t && y[i] === 1).length;
      const fp = p.filter((s, i) => s >= t && y[i] === 0).length;
      pts.push([fp / neg, tp / pos]);
    }
    return (f: number) => {
      // the segment whose FPR range contains f (strictly inside: the grid's midpoints avoid breakpoints)
      for (let k = 1; k < pts.length; k++) {
        const [x0, y0] = pts[k - 1]!;
        const [x1, y1] = pts[k]!;
        if (x1 > x0 && f >= x0 && f <= x1) return y0 + ((y1 - y0) * (f - x0)) / (x1 - x0);
      }
      throw new Error(`no segment at ${f}`);
    };
  };
  const ta = tprAt(a),
    tb = tprAt(b);
  let area = 0;
  for (let k = 0; k < grid; k++) {
    const f = (k + 0.5) / grid;
    area += Math.abs(ta(f) - tb(f));
  }
  return area / grid;
}

describe("rocCurve", () => {
  it("steps up for a positive and right for a negative, one point per distinct score", () => {
    expect(points(rocCurve([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]))).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });
  it("makes a run of tied scores one diagonal segment", () => {
    // the tie at 0.5 holds one positive (of 1) and one negative (of 2): one point at (½, 1)
    expect(points(rocCurve([0.5, 0.5, 0.2], [1, 0, 0]))).toEqual([
      [0, 0],
      [0.5, 1],
      [1, 1],
    ]);
  });
  it("is null with one class", () => {
    expect(rocCurve([0.2, 0.7], [1, 1])).toBeNull();
    expect(rocCurve([0.2, 0.7], [0, 0])).toBeNull();
  });
});

describe("abroca", () => {
  it("is 0 between identical curves, whatever the scores", () => {
    expect(abroca(curve([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]), curve([0.4, 0.3, 0.2, 0.1], [1, 0, 1, 0]))).toBe(0);
  });
  it("is ½ between a perfect ranking and chance", () => {
    // perfect: (0,0) → (0,1) → (1,1); chance (all tied): (0,0) → (1,1); ∫₀¹ (1 − f) df = ½
    expect(abroca(curve([0.9, 0.1], [1, 0]), curve([0.5, 0.5], [1, 0]))).toBeCloseTo(0.5, 14);
  });
  it("integrates exactly across a crossing inside a segment", () => {
    // A: (0,0) → (0,½) → (1,1), i.e. TPR = ½ + f/2.  B: (0,0) → (½,1) → (1,1), i.e. TPR = 2f then 1.
    // On [0, ½]: d = ½ − 3f/2 crosses 0 at f = ⅓: triangles ½·⅓·½ = 1/12 and ½·⅙·¼ = 1/48.
    // On [½, 1]: d = f/2 − ½ from −¼ to 0: ½·½·¼ = 1/16.  Total 1/12 + 1/48 + 1/16 = 1/6.
    const a = curve([0.9, 0.5, 0.5], [1, 1, 0]);
    const b = curve([0.8, 0.8, 0.8, 0.2], [1, 1, 0, 0]);
    expect(points(a)).toEqual([
      [0, 0],
      [0, 0.5],
      [1, 1],
    ]);
    expect(points(b)).toEqual([
      [0, 0],
      [0.5, 1],
      [1, 1],
    ]);
    expect(abroca(a, b)).toBeCloseTo(1 / 6, 14);
    expect(abroca(b, a)).toBeCloseTo(1 / 6, 14);
  });
  it("equals a brute-force grid integration on random data with ties", () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 4; trial++) {
      const draw = (n: number, lift: number): [number[], number[]] => {
        const p = Array.from({ length: n }, () => Math.round(rng.next() * 8) / 8); // 9 distinct scores: many ties
        const y = p.map((s) => (rng.next() < 0.3 + lift * s ? 1 : 0));
        y[0] = 1;
        y[1] = 0;
        return [p, y];
      };
      const a = draw(40, 0.6),
        b = draw(55, 0.1 * trial);
      expect(abroca(curve(...a), curve(...b))).toBeCloseTo(bruteForceAbroca(a, b), 6);
    }
  });
});

describe("downsampleRoc", () => {
  it("keeps at most 101 points of the curve, from (0,0) to (1,1)", () => {
    const rng = createRng(5);
    const p = Array.from({ length: 2000 }, () => rng.next());
    const y = p.map((s) => (rng.next() < s ? 1 : 0));
    const full = curve(p, y);
    const fullPoints = new Set(points(full)!.map((pt) => pt.join()));
    const small = downsampleRoc(full);
    expect(small.length).toBeLessThanOrEqual(101);
    expect(small.length).toBeGreaterThan(90);
    expect(small[0]).toEqual([0, 0]);
    expect(small[small.length - 1]).toEqual([1, 1]);
    for (const pt of small) expect(fullPoints.has(pt.join())).toBe(true);
    for (let k = 1; k < small.length; k++) expect(small[k]![0]).toBeGreaterThanOrEqual(small[k - 1]![0]);
  });
  it("keeps a short curve whole", () => {
    expect(downsampleRoc(curve([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]))).toEqual(points(curve([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])));
  });
});
