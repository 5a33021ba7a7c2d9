/** The band between two ROC curves that the ROC plot shades, against hand-computed grids and areas. */
import { type BandRow, rocBand } from "./fairness-charts.js";

/** ∫|group − reference| dFPR over the band by the trapezoid rule (exact when the curves do not cross between rows). */
const area = (rows: readonly BandRow[]) =>
  rows.slice(1).reduce((sum, r, i) => {
    const prev = rows[i]!;
    return sum + ((r.fpr - prev.fpr) * (Math.abs(r.group - r.reference) + Math.abs(prev.group - prev.reference))) / 2;
  }, 0);

describe("rocBand", () => {
  test("a vertical step gives two rows at its FPR, and the band's area is the triangle it cuts off the diagonal", () => {
    const band = rocBand(
      [
        [0, 0],
        [0.5, 0.5],
        [0.5, 0.8],
        [1, 1],
      ],
      [
        [0, 0],
        [1, 1],
      ],
    );
    expect(band).toEqual([
      { fpr: 0, group: 0, reference: 0 },
      { fpr: 0.5, group: 0.5, reference: 0.5 },
      { fpr: 0.5, group: 0.8, reference: 0.5 },
      { fpr: 1, group: 1, reference: 1 },
    ]);
    // Triangle (0.5, 0.5), (0.5, 0.8), (1, 1): base 0.3 at FPR 0.5, height 0.5 → area 0.075.
    expect(area(band)).toBeCloseTo(0.075, 12);
  });

  test("each curve is interpolated linearly on the union of both grids", () => {
    const band = rocBand(
      [
        [0, 0],
        [0.2, 0.6],
        [1, 1],
      ],
      [
        [0, 0],
        [0.5, 0.5],
        [1, 1],
      ],
    );
    // Reference at 0.2: 0.2 (on the diagonal); group at 0.5: 0.6 + 0.4 · (0.3 / 0.8) = 0.75.
    expect(band.map((r) => r.fpr)).toEqual([0, 0.2, 0.5, 1]);
    expect(band[1]!.reference).toBeCloseTo(0.2, 12);
    expect(band[2]!.group).toBeCloseTo(0.75, 12);
    expect(band[2]!.reference).toBeCloseTo(0.5, 12);
  });

  test("points arrive in any order and non-finite ones (NaN stored as null) are skipped; an empty curve gives no band", () => {
    const shuffled = rocBand(
      [
        [1, 1],
        [0.5, 0.8],
        [null as unknown as number, 0.3],
        [0, 0],
        [0.5, 0.5],
      ],
      [
        [1, 1],
        [0, 0],
      ],
    );
    expect(shuffled.map((r) => [r.fpr, r.group])).toEqual([
      [0, 0],
      [0.5, 0.5],
      [0.5, 0.8],
      [1, 1],
    ]);
    expect(rocBand([], [[0, 0]])).toEqual([]);
  });
});
