import { auditFairness, DEFAULT_FAIRNESS_PARAMS, resolveFairnessParams } from "../index.js";
import { InvalidOptionError } from "../options.js";
import type { FairnessParams } from "../index.js";

describe("resolveFairnessParams", () => {
  it("fills in the defaults and merges thresholds per metric", () => {
    expect(resolveFairnessParams()).toEqual(DEFAULT_FAIRNESS_PARAMS);
    const p = resolveFairnessParams({ thresholds: { AUC: 0.05 } as FairnessParams["thresholds"] });
    expect(p.thresholds).toEqual({ ...DEFAULT_FAIRNESS_PARAMS.thresholds, AUC: 0.05 });
  });

  it.each([
    ["minGroupSize", { minGroupSize: 1 }],
    ["minGroupSize", { minGroupSize: 2.5 }],
    ["rounds", { rounds: -1 }],
    ["rounds", { rounds: 10.5 }],
    ["seed", { seed: -3 }],
    ["alpha", { alpha: 0 }],
    ["alpha", { alpha: 1 }],
    ["correction", { correction: "bonferroni" }],
    ["threshold", { threshold: 1.5 }],
    ["thresholds", { thresholds: { AUC: -0.01 } }],
    ["thresholds", { thresholds: { AUC: Number.NaN } }],
    ["thresholds", { thresholds: { BRIER: 0.1 } }],
    ["referenceGroups", { referenceGroups: { sex: "" } }],
    ["intersections", { intersections: "yes" }],
    ["readinessStrata", { readinessStrata: 0 }],
    ["readinessStrata", { readinessStrata: 2.5 }],
  ])("rejects a bad %s with an InvalidOptionError", (option, partial) => {
    let error: unknown;
    try {
      resolveFairnessParams(partial as unknown as Partial<FairnessParams>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it("accepts the edge values: rounds 0, a threshold of null, minGroupSize 2", () => {
    expect(() =>
      resolveFairnessParams({ rounds: 0, minGroupSize: 2, thresholds: { ...DEFAULT_FAIRNESS_PARAMS.thresholds, AUC: null } }),
    ).not.toThrow();
  });

  it("rejects a reference group for an attribute the input does not record", () => {
    const input = { p: [0.5, 0.5], y: [1, 0], position: [1, 2], learner: [0, 1], learners: 2, attributes: new Map([["sex", ["F", "M"]]]) };
    expect(() => auditFairness(input, { referenceGroups: { gender: "F" } })).toThrow(InvalidOptionError);
    expect(() => auditFairness(input, { referenceGroups: { sex: "F" } })).not.toThrow();
  });
});
