import { createRng } from "../math.js";
import { emStep, fitKc, type BktKcParams } from "./bkt-em.js";

/** Draws `learners` sequences of `length` attempts from a known BKT. */
function drawBkt(truth: BktKcParams, learners: number, length: number, seed: number) {
  const rng = createRng(seed);
  const obs: number[] = [],
    starts = [0];
  for (let u = 0; u < learners; u++) {
    let known = rng.next() < truth.L0;
    const len = 1 + rng.int(length);
    for (let t = 0; t < len; t++) {
      obs.push(rng.next() < (known ? 1 - truth.S : truth.G) ? 1 : 0);
      known = known ? rng.next() >= truth.F : rng.next() < truth.T;
    }
    starts.push(obs.length);
  }
  return { obs: Uint8Array.from(obs), starts: Int32Array.from(starts) };
}

describe("BKT EM (Baum–Welch)", () => {
  const truth: BktKcParams = { L0: 0.3, T: 0.15, F: 0.05, G: 0.2, S: 0.1 };
  const { obs, starts } = drawBkt(truth, 300, 25, 1);

  it.each([false, true])("never lowers the log-likelihood, iteration after iteration (forgetting %s)", (forgetting) => {
    const rng = createRng(forgetting ? 2 : 3);
    for (let restart = 0; restart < 5; restart++) {
      const init = {
        L0: rng.next(),
        T: 0.01 + 0.5 * rng.next(),
        F: 0.01 + 0.2 * rng.next(),
        G: 0.01 + 0.4 * rng.next(),
        S: 0.01 + 0.4 * rng.next(),
      };
      const { history } = fitKc(obs, starts, init, { forgetting, maxGuess: 0.5, maxSlip: 0.5 }, 60, 0);
      expect(history.length).toBeGreaterThan(5);
      for (let i = 1; i < history.length; i++)
        expect(history[i]!).toBeGreaterThanOrEqual(history[i - 1]! - 1e-9 * Math.abs(history[i - 1]!));
      expect(history.every(Number.isFinite)).toBe(true);
    }
  });

  it("keeps monotone under tight guess/slip bounds (the clamped M-step)", () => {
    const { history } = fitKc(
      obs,
      starts,
      { L0: 0.5, T: 0.2, F: 0, G: 0.1, S: 0.1 },
      { forgetting: false, maxGuess: 0.12, maxSlip: 0.05 },
      40,
      0,
    );
    for (let i = 1; i < history.length; i++) expect(history[i]!).toBeGreaterThanOrEqual(history[i - 1]! - 1e-9 * Math.abs(history[i - 1]!));
  });

  it("recovers the generating parameters roughly", () => {
    const big = drawBkt(truth, 3000, 30, 4);
    const { params } = fitKc(
      big.obs,
      big.starts,
      { L0: 0.5, T: 0.1, F: 0.02, G: 0.25, S: 0.2 },
      { forgetting: true, maxGuess: 0.5, maxSlip: 0.5 },
      300,
      1e-10,
    );
    expect(params.L0).toBeCloseTo(truth.L0, 1);
    expect(params.T).toBeCloseTo(truth.T, 1);
    expect(params.G).toBeCloseTo(truth.G, 1);
    expect(params.S).toBeCloseTo(truth.S, 1);
    expect(params.F).toBeLessThan(0.15);
  });

  it("computes the exact likelihood of a one-attempt sequence", () => {
    const p: BktKcParams = { L0: 0.3, T: 0.1, F: 0, G: 0.2, S: 0.1 };
    const { ll } = emStep(
      Uint8Array.from([1]),
      Int32Array.from([0, 1]),
      p,
      { forgetting: false, maxGuess: 0.5, maxSlip: 0.5 },
      new Float64Array(3),
    );
    expect(ll).toBeCloseTo(Math.log(0.3 * 0.9 + 0.7 * 0.2), 12);
  });
});
