import { adjustPValues, benjaminiHochberg, EngineError, holm } from "../index.js";

const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i]!, 12);
  });
};

describe("Holm", () => {
  it("matches a hand-computed step-down, in input order", () => {
    // sorted: 0.005 (#3), 0.01 (#0), 0.03 (#2), 0.04 (#1)
    // 4·0.005 = 0.02; 3·0.01 = 0.03; 2·0.03 = 0.06; 1·0.04 = 0.04 → running max 0.06
    close(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
  });
  it("caps at 1 and keeps the adjusted values monotone", () => {
    // 2·0.5 = 1; 1·0.6 = 0.6 but not below the previous 1
    close(holm([0.6, 0.5]), [1, 1]);
  });
  it("is the identity for one test and empty for none", () => {
    close(holm([0.02]), [0.02]);
    expect(holm([])).toEqual([]);
  });
});

describe("Benjamini–Hochberg", () => {
  it("matches a hand-computed step-up, in input order", () => {
    // m·p/j: 4·0.005/1 = 0.02, 4·0.01/2 = 0.02, 4·0.03/3 = 0.04, 4·0.04/4 = 0.04 (already monotone)
    close(benjaminiHochberg([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02]);
  });
  it("steps up: a smaller p-value is never adjusted above a larger one's", () => {
    // m·p/j: 0.12, 0.0675, 0.05 → running minimum from the top: 0.05 for all three
    close(benjaminiHochberg([0.045, 0.04, 0.05]), [0.05, 0.05, 0.05]);
  });
  it("is never larger than Holm", () => {
    const p = [0.001, 0.2, 0.013, 0.04, 0.5, 0.0049];
    const bh = benjaminiHochberg(p),
      h = holm(p);
    p.forEach((_, i) => {
      expect(bh[i]!).toBeLessThanOrEqual(h[i]! + 1e-15);
    });
  });
});

describe("adjustPValues", () => {
  it("dispatches on the correction and rejects a p-value outside [0, 1]", () => {
    close(adjustPValues([0.01, 0.04], "holm"), holm([0.01, 0.04]));
    close(adjustPValues([0.01, 0.04], "benjamini-hochberg"), benjaminiHochberg([0.01, 0.04]));
    expect(() => holm([0.1, Number.NaN])).toThrow(EngineError);
    expect(() => benjaminiHochberg([1.5])).toThrow(EngineError);
  });
});
