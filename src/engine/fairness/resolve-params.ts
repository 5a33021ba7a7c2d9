import { mergeOptions, optionChecks } from "../options.js";
import { DEFAULT_FAIRNESS_PARAMS, type FairnessParams } from "./params.js";
import type { FairnessMetric } from "./types.js";

const OWNER = "FairnessParams";

/**
 * The defaults with `partial` over them, every field checked; throws InvalidOptionError
 * (INVALID_PARAMETERS). `thresholds` is merged per metric, so `{ thresholds: { AUC: 0.05 } }` keeps the
 * other defaults. Whether `referenceGroups` names recorded attributes is checked by the audit (it
 * needs the input).
 */
export function resolveFairnessParams(partial: Partial<FairnessParams> = {}): FairnessParams {
  const merged = mergeOptions(DEFAULT_FAIRNESS_PARAMS, partial);
  const { integer, range, fail } = optionChecks(OWNER, merged);
  integer("minGroupSize", 2);
  integer("readinessStrata", 1);
  integer("rounds", 0);
  integer("seed", 0, 0xffffffff);
  range("alpha", 0, 1, { lo: true, hi: true });
  if (merged.correction !== "holm" && merged.correction !== "benjamini-hochberg") {
    fail("correction", merged.correction, 'must be "holm" or "benjamini-hochberg"');
  }
  range("threshold", 0, 1);
  if (typeof merged.intersections !== "boolean") fail("intersections", merged.intersections, "must be a boolean");

  const given = merged.thresholds;
  if (typeof given !== "object" || given === null) fail("thresholds", given, "must be an object of metric → number or null");
  const thresholds = { ...DEFAULT_FAIRNESS_PARAMS.thresholds } as Record<FairnessMetric, number | null>;
  for (const [metric, value] of Object.entries(given)) {
    if (value === undefined) continue; // keeps the default, as mergeOptions does
    if (!(metric in thresholds)) fail("thresholds", given, `${metric} is not a fairness metric`);
    if (value !== null && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      fail("thresholds", given, `${metric} must be a finite number ≥ 0 or null`);
    }
    thresholds[metric as FairnessMetric] = value;
  }

  const references = merged.referenceGroups;
  if (typeof references !== "object" || references === null || Array.isArray(references)) {
    fail("referenceGroups", references, "must be an object of attribute → group label");
  }
  for (const [attribute, label] of Object.entries(references)) {
    if (typeof label !== "string" || label === "") fail("referenceGroups", references, `${attribute} must name a group`);
  }
  return { ...merged, thresholds, referenceGroups: { ...references } };
}

/** Throws InvalidOptionError when `referenceGroups` names an attribute that is not audited. */
export function checkReferenceAttributes(params: FairnessParams, attributes: readonly string[]): void {
  const { fail } = optionChecks(OWNER, params);
  for (const attribute of Object.keys(params.referenceGroups)) {
    if (!attributes.includes(attribute)) {
      fail(
        "referenceGroups",
        params.referenceGroups,
        `names no recorded attribute: ${attribute} (known: ${attributes.join(", ") || "none"})`,
      );
    }
  }
}
