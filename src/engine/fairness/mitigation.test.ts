/**
 * The mitigations: group-balanced training weights (hand cases) and the per-group calibration that the
 * benchmark measures (closed-form optima of saturated cases, and recovery of an injected logit shift).
 */
import { EngineError } from "../errors.js";
import { createRng, logit, sigmoid } from "../math.js";
import { groupBalancedWeights, perGroupCalibration } from "./mitigation.js";

describe("groupBalancedWeights", () => {
  it("gives every group the same total weight and a mean weight of 1 (3 A, 1 B: 2/3 each and 2)", () => {
    const w = groupBalancedWeights(
      new Map([
        ["a", "A"],
        ["b", "A"],
        ["c", "A"],
        ["d", "B"],
      ]),
    );
    expect(w.get("a")).toBeCloseTo(2 / 3, 15);
    expect(w.get("b")).toBeCloseTo(2 / 3, 15);
    expect(w.get("c")).toBeCloseTo(2 / 3, 15);
    expect(w.get("d")).toBe(2);
  });

  it("weighs unlabelled learners 1 and balances the labelled ones among themselves (1 A, 2 B, 1 null)", () => {
    // 3 labelled in 2 groups: each group totals 3/2, so A's one learner 1.5 and B's two 0.75; mean (1.5 + 1.5 + 1)/4 = 1.
    const w = groupBalancedWeights(
      new Map<string, string | null>([
        ["a", "A"],
        ["b", "B"],
        ["c", "B"],
        ["d", null],
      ]),
    );
    expect([...w.entries()]).toEqual([
      ["a", 1.5],
      ["b", 0.75],
      ["c", 0.75],
      ["d", 1],
    ]);
  });

  it("leaves everyone at 1 with one group, no label or no learner", () => {
    expect([
      ...groupBalancedWeights(
        new Map([
          ["a", "A"],
          ["b", "A"],
        ]),
      ).values(),
    ]).toEqual([1, 1]);
    expect([
      ...groupBalancedWeights(
        new Map<string, string | null>([
          ["a", null],
          ["b", null],
        ]),
      ).values(),
    ]).toEqual([1, 1]);
    expect(groupBalancedWeights(new Map()).size).toBe(0);
  });
});

describe("perGroupCalibration", () => {
  it("finds the closed-form optimum of a saturated case (Platt: two prediction levels)", () => {
    // Group G: 4 attempts at logit −1 with 1 success, 4 at logit +1 with 3. The two-parameter model fits
    // both rates exactly: −slope + shift = logit(1/4) = −ln 3 and slope + shift = ln 3, so slope = ln 3, shift = 0.
    const p = [...Array(4).fill(sigmoid(-1)), ...Array(4).fill(sigmoid(1))];
    const y = [1, 0, 0, 0, 1, 1, 1, 0];
    const c = perGroupCalibration({ p, y, group: Array(8).fill("G") }, "platt");
    expect(c.groups.get("G")!.slope).toBeCloseTo(Math.log(3), 5);
    expect(c.groups.get("G")!.shift).toBeCloseTo(0, 5);
    expect(c.groups.get("G")!.attempts).toBe(8);
  });

  it("shifts only the logit with 'shift' (p = ½ everywhere, 3 of 4 right: shift = logit ¾ = ln 3)", () => {
    const c = perGroupCalibration({ p: [0.5, 0.5, 0.5, 0.5], y: [1, 1, 1, 0], group: ["G", "G", "G", "G"] }, "shift");
    expect(c.groups.get("G")!.slope).toBe(1);
    expect(c.groups.get("G")!.shift).toBeCloseTo(Math.log(3), 6);
    expect(c.apply([0.5], ["G"])[0]).toBeCloseTo(0.75, 6);
  });

  it("recovers an injected under-prediction of one group and leaves the others alone", () => {
    // Outcomes drawn from the true p; group B's predictions are σ(logit(p) − 0.5): the fitted shift of B
    // should be ≈ +0.5 (sd ≈ 1/√(n p(1−p)) ≈ 0.03 here) and A's ≈ 0.
    const rng = createRng(7);
    const n = 8000;
    const p: number[] = [],
      y: number[] = [],
      group: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      const truth = sigmoid(2 * rng.normal());
      const g = i % 2 === 0 ? "A" : "B";
      y.push(rng.next() < truth ? 1 : 0);
      p.push(g === "B" ? sigmoid(logit(truth) - 0.5) : truth);
      group.push(g);
    }
    const c = perGroupCalibration({ p, y, group }, "shift");
    expect(c.groups.get("B")!.shift).toBeGreaterThan(0.4);
    expect(c.groups.get("B")!.shift).toBeLessThan(0.6);
    expect(Math.abs(c.groups.get("A")!.shift)).toBeLessThan(0.1);
    const platt = perGroupCalibration({ p, y, group }, "platt");
    expect(Math.abs(platt.groups.get("B")!.slope - 1)).toBeLessThan(0.1);
    const fixed = platt.apply([0.3, 0.3, 0.3], ["B", null, "C"]);
    expect(fixed[0]).toBeGreaterThan(0.3);
    expect(fixed[1]).toBe(0.3);
    expect(fixed[2]).toBe(0.3);
  });

  it("leaves a group with one outcome only uncorrected and rejects bad input", () => {
    expect(perGroupCalibration({ p: [0.2, 0.7], y: [1, 1], group: ["G", "G"] }).groups.has("G")).toBe(false);
    expect(() => perGroupCalibration({ p: [0.2], y: [1, 0], group: ["G"] })).toThrow(EngineError);
    expect(() => perGroupCalibration({ p: [0.2], y: [1], group: ["G"] }, "isotonic" as "platt")).toThrow(EngineError);
  });
});
