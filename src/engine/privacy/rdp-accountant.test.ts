/**
 * The RDP accountant (rdp-accountant.ts) against the figures the reference tools publish for their
 * MNIST examples (N = 60,000, batches of 256, δ = 1e-5, 60 epochs), and against the mechanism's own
 * properties.
 */
import { EngineError } from "../errors.js";
import { DEFAULT_RDP_ORDERS, dpSgdEpsilon, sampledGaussianRdp } from "./rdp-accountant.js";

const q = 256 / 60_000;

test("TF Privacy's README: noise 1.1, 60 epochs (ceil(60 × 60,000 / 256) steps) satisfies ε = 3.01 at δ = 1e-5 (classic conversion)", () => {
  const steps = Math.ceil((60 * 60_000) / 256);
  const g = dpSgdEpsilon({ q, noiseMultiplier: 1.1, steps, delta: 1e-5, conversion: "classic" });
  expect(g.epsilon).toBeCloseTo(3.01, 2);
  expect(g.order).toBe(9);
});

test("Opacus's script: noise 1.12, orders 10, 20, 100, 60 epochs of 235 batches gives (2.95, 1e-5) (classic conversion)", () => {
  const g = dpSgdEpsilon({ q, noiseMultiplier: 1.12, steps: 60 * 235, delta: 1e-5, orders: [10, 20, 100], conversion: "classic" });
  expect(g.epsilon).toBeCloseTo(2.95, 2);
  expect(g.order).toBe(10);
});

test("q = 1 is the Gaussian mechanism, α/(2σ²); sampling amplifies privacy; the improved conversion is never worse", () => {
  for (const order of [2, 5, 64]) expect(sampledGaussianRdp(1, 2, order)).toBeCloseTo(order / 8, 12);
  expect(sampledGaussianRdp(0.01, 2, 8)).toBeLessThan(sampledGaussianRdp(0.1, 2, 8));
  for (const [sigma, steps] of [
    [0.8, 1_000],
    [1.1, 14_063],
    [4, 100],
  ] as const) {
    const classic = dpSgdEpsilon({ q, noiseMultiplier: sigma, steps, delta: 1e-5, conversion: "classic" });
    const improved = dpSgdEpsilon({ q, noiseMultiplier: sigma, steps, delta: 1e-5 });
    expect(improved.epsilon).toBeLessThanOrEqual(classic.epsilon);
  }
  // More steps, or less noise, spend more.
  const spend = (sigma: number, steps: number) => dpSgdEpsilon({ q, noiseMultiplier: sigma, steps, delta: 1e-5 }).epsilon;
  expect(spend(1.1, 2_000)).toBeLessThan(spend(1.1, 4_000));
  expect(spend(2, 4_000)).toBeLessThan(spend(1.1, 4_000));
  // No step spends nothing but the conversion's slack.
  expect(spend(1.1, 0)).toBeLessThan(0.05);
  expect(DEFAULT_RDP_ORDERS.every((o) => Number.isInteger(o) && o >= 2)).toBe(true);
});

test("out-of-range inputs are EngineErrors", () => {
  for (const bad of [
    () => sampledGaussianRdp(0, 1, 2),
    () => sampledGaussianRdp(1.5, 1, 2),
    () => sampledGaussianRdp(0.1, 0, 2),
    () => sampledGaussianRdp(0.1, 1, 1.5),
    () => dpSgdEpsilon({ q, noiseMultiplier: 1, steps: 10, delta: 0 }),
    () => dpSgdEpsilon({ q, noiseMultiplier: 1, steps: -1, delta: 1e-5 }),
  ])
    expect(bad).toThrow(EngineError);
});
