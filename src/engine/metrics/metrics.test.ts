import { auc, expectedCalibrationError, logLoss, rmse, spearman, averageRanks } from "./index.js";
import { EngineError } from "../errors.js";

describe("averageRanks", () => {
  it("gives tied values the mean of their ranks", () => {
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });
});

describe("auc", () => {
  it("is 1 for a perfect ranking and 0 for a reversed one", () => {
    expect(auc([0.1, 0.4, 0.6, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.6, 0.4, 0.1], [0, 0, 1, 1])).toBe(0);
  });
  it("matches a hand-computed case", () => {
    // positives 0.8, 0.4 ; negatives 0.6, 0.2 → pairs (0.8>0.6 ✓, 0.8>0.2 ✓, 0.4<0.6 ✗, 0.4>0.2 ✓) = 3/4
    expect(auc([0.8, 0.6, 0.4, 0.2], [1, 0, 1, 0])).toBeCloseTo(0.75, 12);
  });
  it("counts a tie between a positive and a negative as one half", () => {
    // positives 0.5, 0.9 ; negatives 0.5, 0.1 → (0.5=0.5: ½, 0.5>0.1 ✓, 0.9>0.5 ✓, 0.9>0.1 ✓) = 3.5/4
    expect(auc([0.5, 0.9, 0.5, 0.1], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    expect(auc([0.3, 0.3, 0.3], [1, 0, 1])).toBeCloseTo(0.5, 12);
  });
  it("is NaN with one class only, and rejects bad input with a typed error", () => {
    expect(auc([0.2, 0.3], [1, 1])).toBeNaN();
    expect(() => auc([0.2], [1, 0])).toThrow(EngineError);
    expect(() => auc([], [])).toThrow(EngineError);
    expect(() => auc([NaN, 0.2], [1, 0])).toThrow(EngineError);
  });
});

describe("rmse and log loss", () => {
  it("match hand-computed values", () => {
    // errors 0.2, 0.4, 0.1, 0.5 → squares 0.04, 0.16, 0.01, 0.25 → mean 0.115
    expect(rmse([0.8, 0.4, 0.9, 0.5], [1, 0, 1, 0])).toBeCloseTo(Math.sqrt(0.115), 12);
    const expected = -(Math.log(0.8) + Math.log(0.6) + Math.log(0.9) + Math.log(0.5)) / 4;
    expect(logLoss([0.8, 0.4, 0.9, 0.5], [1, 0, 1, 0])).toBeCloseTo(expected, 12);
  });
  it("clips log loss so a certain mistake stays finite", () => {
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-6), 9);
    expect(logLoss([0, 1], [1, 0], 0.01)).toBeCloseTo(-Math.log(0.01), 9);
  });
});

describe("expectedCalibrationError", () => {
  it("is 0 for perfectly calibrated bins", () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75], [1, 0, 0, 0, 1, 1, 1, 0])).toBeCloseTo(0, 12);
  });
  it("matches a hand-computed case with 10 equal-width bins", () => {
    // bin [0.1,0.2): p 0.15, 0.15 y 0,0 → |0.15−0| ·2/5 = 0.06
    // bin [0.9,1.0]: p 0.95, 0.95, 1.0 y 1,0,1 → mean p 0.9667, mean y 0.6667 → 0.3 ·3/5 = 0.18
    expect(expectedCalibrationError([0.15, 0.15, 0.95, 0.95, 1.0], [0, 0, 1, 0, 1])).toBeCloseTo(0.24, 12);
  });
});

describe("spearman", () => {
  it("is ±1 for monotone relations and exact with ties", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x: 1,2,3,4 ; y: 1, 2.5, 2.5, 4 → Pearson of ranks = 4.5/√(5·4.5) = 0.9487
    expect(spearman([1, 2, 3, 4], [1, 2, 2, 3])).toBeCloseTo(4.5 / Math.sqrt(5 * 4.5), 12);
  });
});
