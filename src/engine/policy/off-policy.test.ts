import { EngineError } from "../errors.js";
import { fitRidge, type LoggedEpisode, offPolicyEstimates, RidgeSums } from "./off-policy.js";

// Two logged episodes, by hand (off-policy.ts's notation):
//   A: t0 r=1 μ=0.5 π=1 (ρ=2, w=2), Q̂=0.5 V̂=0.8;  t1 r=2 μ=0.5 π=0.25 (ρ=0.5, w=1), Q̂=1 V̂=1.5
//   B: t0 r=0 μ=0.25 π=0.5 (ρ=2, w=2), Q̂=0.2 V̂=0.4; then ended (absorbing: w stays 2)
const A: LoggedEpisode = [
  { reward: 1, propensity: 0.5, target: 1, q: 0.5, v: 0.8 },
  { reward: 2, propensity: 0.5, target: 0.25, q: 1, v: 1.5 },
];
const B: LoggedEpisode = [{ reward: 0, propensity: 0.25, target: 0.5, q: 0.2, v: 0.4 }];

describe("offPolicyEstimates", () => {
  test("each estimator on a hand-computed case (H = 2; B ended after one step)", () => {
    const e = offPolicyEstimates([A, B], 2);
    expect(e.episodes).toBe(2);
    expect(e.is).toBeCloseTo((1 * 3 + 2 * 0) / 2, 12); // w_A = 1, G_A = 3; w_B = 2, G_B = 0
    expect(e.wis).toBeCloseTo(3 / 3, 12);
    expect(e.pdis).toBeCloseTo((2 * 1 + 2 * 0) / 2 + (1 * 2) / 2, 12); // t0: 1, t1: 1
    expect(e.wpdis).toBeCloseTo((2 * 1) / (2 + 2) + (1 * 2) / (1 + 2), 12); // 0.5 + 2/3
    // DR t0: A 2·(1 − 0.5) + 1·0.8, B 2·(0 − 0.2) + 1·0.4 → 1.8 / 2; t1: A 1·(2 − 1) + 2·1.5 → 4 / 2
    expect(e.dr).toBeCloseTo(0.9 + 2, 12);
    // WDR t0: (2·0.5 + 2·(−0.2)) / 4 + (0.8 + 0.4) / 2 = 0.75; t1: 1·1 / 3 + 2·1.5 / 4 = 1/3 + 0.75
    expect(e.wdr).toBeCloseTo(0.75 + 1 / 3 + 0.75, 12);
    expect(e.ess).toBeCloseTo(9 / 5, 12); // (1 + 2)² / (1 + 4)
  });

  test("a shorter horizon reads only the first decisions", () => {
    const e = offPolicyEstimates([A, B], 1);
    expect(e.is).toBeCloseTo((2 * 1 + 2 * 0) / 2, 12);
    expect(e.wpdis).toBeCloseTo(0.5, 12);
    expect(e.ess).toBeCloseTo(2, 12);
  });

  test("on-policy logs (π = μ) of a deterministic choice (V̂ = Q̂ of the action taken): every estimator is the mean return, ESS = N", () => {
    const eps: LoggedEpisode[] = [
      [
        { reward: 1, propensity: 0.3, target: 0.3 },
        { reward: 0.5, propensity: 1, target: 1 },
      ],
      [{ reward: -1, propensity: 0.6, target: 0.6, q: 7, v: 7 }],
      [
        { reward: 2, propensity: 0.1, target: 0.1, q: 1, v: 1 },
        { reward: 0, propensity: 0.9, target: 0.9, q: -2, v: -2 },
      ],
    ];
    const mean = (1.5 - 1 + 2) / 3;
    const e = offPolicyEstimates(eps, 5);
    for (const k of ["is", "wis", "pdis", "wpdis", "dr", "wdr"] as const) expect([k, e[k]]).toEqual([k, expect.closeTo(mean, 12)]);
    expect(e.ess).toBeCloseTo(3, 12);
  });

  test("an action the target never takes gets weight 0; all weights 0 leaves the self-normalised ones undefined", () => {
    const e = offPolicyEstimates([[{ reward: 5, propensity: 0.5, target: 0 }]], 1);
    expect(e.is).toBe(0);
    expect(e.pdis).toBe(0);
    expect(e.wis).toBeNaN();
    expect(e.wpdis).toBeNaN();
    expect(e.ess).toBe(0);
  });

  test("bad input is INVALID_PARAMETERS", () => {
    expect(() => offPolicyEstimates([], 1)).toThrow(EngineError);
    expect(() => offPolicyEstimates([A], 0)).toThrow(EngineError);
    expect(() => offPolicyEstimates([[{ reward: 1, propensity: 0, target: 1 }]], 1)).toThrow(/propensity/);
    expect(() => offPolicyEstimates([[{ reward: 1, propensity: 0.5, target: 1.5 }]], 1)).toThrow(/target/);
  });
});

describe("fitRidge", () => {
  test("recovers a linear function (y = 2·x₁ − 3·x₂ + 1) with a small λ, and shrinks toward 0 with a large one", () => {
    const sums = new RidgeSums(3);
    for (let i = 0; i < 50; i++) {
      const x1 = (i % 7) / 7,
        x2 = ((i * 3) % 11) / 11;
      sums.add([x1, x2, 1], 2 * x1 - 3 * x2 + 1);
    }
    expect(sums.count).toBe(50);
    const beta = fitRidge(sums, 1e-9);
    expect([...beta].map((b) => Number(b.toFixed(6)))).toEqual([2, -3, 1]);
    const shrunk = fitRidge(sums, 1e6);
    expect(Math.max(...[...shrunk].map(Math.abs))).toBeLessThan(1e-3);
    expect(() => fitRidge(sums, 0)).toThrow(EngineError);
    expect(() => sums.add([1, 2], 0)).toThrow(EngineError);
  });
});
