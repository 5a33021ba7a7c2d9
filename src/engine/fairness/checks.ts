/**
 * A comparison's checks, one per metric, and their verdicts:
 *
 * - a side below minGroupSize: INSUFFICIENT_DATA (never PASS: a small group's gap is noise);
 * - the metric undefined on a side (one class of outcomes, no attempts after the first, no learner with a
 *   recommendation, recommendations not replayed): NOT_AUDITABLE, the reason says which side and why;
 * - threshold null ("reported only"): PASS whatever the gap, with its raw permutation p-value; these
 *   checks stay out of the multiple-testing family and never decide the audit's PASSED;
 * - no permutation round (params.rounds = 0): NOT_AUDITABLE;
 * - otherwise the check joins the audit's family: every gated p-value is adjusted together (Holm or
 *   Benjamini–Hochberg), and the check FAILs iff |gap| > threshold AND adjusted p < alpha, else PASSes —
 *   except when too few rounds make every adjusted p-value ≥ alpha (Holm: m/(R + 1) ≥ alpha for m gated
 *   tests and R rounds), where a gap beyond its threshold is NOT_AUDITABLE: it was never testable.
 *
 * RECOMMENDED_SUCCESS and GOAL_ADVANCING_SHARE gate on the gap conditional on readiness (types.ts); the
 * check carries the raw gap too (rawGap), and its reason says which is which.
 */
import { adjustPValues } from "./multiple-testing.js";
import type { PlannedComparison } from "./groups.js";
import type { FairnessParams } from "./params.js";
import { CONDITIONAL_ON_READINESS, FAIRNESS_METRICS, type SideValues } from "./statistics.js";
import type { CheckStatus, FairnessCheck, FairnessMetric } from "./types.js";

/** A check before the correction: PENDING ones are in the family. */
export type DraftCheck = Omit<FairnessCheck, "status" | "adjustedPValue"> & { status: CheckStatus | "PENDING" };

const RECOMMENDATION_FIELD: Partial<Record<FairnessMetric, string>> = {
  RECOMMENDED_SUCCESS: "recommended task with a predicted success",
  GOAL_ADVANCING_SHARE: "goal-advancing share",
  ATTEMPTS_TO_MASTERY: "estimate of the attempts to mastery",
};

/** A signed figure with 3 decimals and a true minus sign. */
export const formatGap = (x: number): string => (x < 0 ? `−${(-x).toFixed(3)}` : x.toFixed(3));
/** "gap 0.004", or for a check conditional on readiness "gap 0.004 conditional on readiness (raw gap −0.019)". */
const gapFigure = (gap: number, rawGap: number | null | undefined): string =>
  rawGap === undefined
    ? `gap ${formatGap(gap)}`
    : `gap ${formatGap(gap)} conditional on readiness (raw gap ${rawGap === null ? "undefined" : formatGap(rawGap)})`;
export const formatP = (p: number): string => String(Number(p.toPrecision(2)));
export const correctionName = (params: FairnessParams): string => (params.correction === "holm" ? "Holm" : "Benjamini–Hochberg");
const sideName = (label: string): string => (label === "rest" ? "the rest" : label);

/** Why `metric` is undefined on one side (null when it is defined there). */
function undefinedOn(metric: FairnessMetric, label: string, v: SideValues): string | null {
  const who = sideName(label);
  const noAttempts = `${who} has no attempts after each learner's first`;
  switch (metric) {
    case "AUC":
    case "ABROCA":
      if (!Number.isNaN(v.auc)) return null;
      if (v.attempts === 0) return noAttempts;
      return `every answer of ${who} after the first is ${v.meanObserved === 1 ? "correct" : "wrong"} (one class of outcomes)`;
    case "COLD_START_AUC":
      return Number.isNaN(v.coldStartAuc) ? `the attempts 2–10 of ${who} have fewer than two classes of outcomes` : null;
    case "ECE":
    case "CALIBRATION_IN_THE_LARGE":
      return v.attempts === 0 ? noAttempts : null;
    case "EQUAL_OPPORTUNITY":
      return Number.isNaN(v.truePositiveRate) ? `${who} has no correct answer after the first` : null;
    default: {
      const field = FAIRNESS_METRICS.find(([m]) => m === metric)![1]!;
      if (!Number.isNaN(v[field])) return null;
      if (v.recommendedLearners === 0) return `no learner of ${who} got a recommendation`;
      const raw = CONDITIONAL_ON_READINESS[metric];
      if (raw !== undefined && !Number.isNaN(v[raw])) {
        return `no learner of ${who} with a ${RECOMMENDATION_FIELD[metric]} has a readiness (no task the recommender could choose)`;
      }
      return `no learner of ${who} has a ${RECOMMENDATION_FIELD[metric]}`;
    }
  }
}

export interface ComparisonOutcome {
  readonly gaps: Float64Array;
  readonly pValues: readonly (number | null)[];
  readonly group: SideValues;
  readonly reference: SideValues;
}

/** The checks of one comparison before the correction. */
export function draftChecks(
  attribute: string,
  comparison: PlannedComparison,
  outcome: ComparisonOutcome,
  params: FairnessParams,
  recommendationsReplayed: boolean,
): DraftCheck[] {
  return FAIRNESS_METRICS.map(([metric], m): DraftCheck => {
    const gap = outcome.gaps[m]!;
    const threshold = params.thresholds[metric];
    const rawField = CONDITIONAL_ON_READINESS[metric];
    const raw = rawField === undefined ? undefined : outcome.group[rawField] - outcome.reference[rawField];
    const base = {
      attribute,
      group: comparison.group,
      reference: comparison.reference,
      metric,
      threshold,
      ...(raw === undefined ? {} : { rawGap: Number.isNaN(raw) ? null : raw }),
    };
    const draft = (status: DraftCheck["status"], reason: string, pValue: number | null = null): DraftCheck => ({
      ...base,
      gap: Number.isNaN(gap) ? null : gap,
      pValue,
      status,
      reason,
    });
    if (comparison.insufficient !== null) return draft("INSUFFICIENT_DATA", comparison.insufficient);
    if (metric in RECOMMENDATION_FIELD && !recommendationsReplayed) return draft("NOT_AUDITABLE", "no recommendations were replayed");
    const why = undefinedOn(metric, comparison.group, outcome.group) ?? undefinedOn(metric, comparison.reference, outcome.reference);
    if (why !== null || Number.isNaN(gap)) return draft("NOT_AUDITABLE", why ?? `${metric} is undefined`);
    const p = outcome.pValues[m] ?? null;
    if (threshold === null) {
      const tested = p === null ? "not tested" : `p = ${formatP(p)} before correction`;
      return draft("PASS", `reported only (no threshold): ${gapFigure(gap, base.rawGap)}, ${tested}`, p);
    }
    if (params.rounds === 0) return draft("NOT_AUDITABLE", "no permutation rounds");
    if (p === null) return draft("NOT_AUDITABLE", `no permutation round defined ${metric}`);
    return draft("PENDING", "", p);
  });
}

/**
 * The smallest adjusted p-value the family can produce: a permutation p-value is at least 1/(R + 1),
 * so after Holm the smallest is m/(R + 1), after Benjamini–Hochberg 1/(R + 1) (all m at the minimum).
 */
export const smallestAdjustedP = (params: FairnessParams, m: number): number =>
  (params.correction === "holm" ? m : 1) / (params.rounds + 1);

/**
 * Adjusts the PENDING checks' p-values together and gives every check its verdict. One guard beyond
 * "FAIL iff beyond the threshold and significant": when too few rounds make significance impossible
 * (smallestAdjustedP ≥ alpha), a gap beyond its threshold is NOT_AUDITABLE, not a vacuous PASS.
 */
export function settleChecks(drafts: readonly DraftCheck[], params: FairnessParams): FairnessCheck[] {
  const family = drafts.filter((c) => c.status === "PENDING");
  const adjusted = adjustPValues(
    family.map((c) => c.pValue!),
    params.correction,
  );
  const adjustedOf = new Map(family.map((c, k) => [c, adjusted[k]!]));
  const after = `after ${correctionName(params)}`;
  const floor = smallestAdjustedP(params, family.length);
  return drafts.map((c): FairnessCheck => {
    const adj = adjustedOf.get(c);
    if (adj === undefined) return { ...c, status: c.status as CheckStatus, adjustedPValue: null };
    const gap = c.gap!,
      threshold = c.threshold!;
    const beyond = Math.abs(gap) > threshold;
    const significant = adj < params.alpha;
    const figures = `${gapFigure(gap, c.rawGap)}, threshold ${threshold}, p = ${formatP(adj)} ${after}`;
    let status: CheckStatus = "PASS";
    let reason = `within the threshold: ${figures}`;
    if (beyond && significant) [status, reason] = ["FAIL", `beyond the threshold and significant: ${figures}`];
    else if (beyond && floor >= params.alpha) [status, reason] = ["NOT_AUDITABLE", `${underpowered(params, family.length)}: ${figures}`];
    else if (beyond) reason = `beyond the threshold but not significant at α = ${params.alpha}: ${figures}`;
    return { ...c, status, adjustedPValue: adj, reason };
  });
}

/** Why no check of an m-test family can be significant, and the rounds that would fix it. */
export function underpowered(params: FairnessParams, m: number): string {
  const needed = Math.floor((params.correction === "holm" ? m : 1) / params.alpha + 1e-9); // the least R with floor < α
  const floor = Math.min(1, smallestAdjustedP(params, m));
  return `too few permutation rounds: with ${params.rounds} rounds and ${m} gated tests no p-value after ${correctionName(params)} can fall below ${formatP(floor)}, so none can reach α = ${params.alpha} (at least ${needed} rounds needed)`;
}

/** A failing check named for the audit's reason, e.g. "group: B vs rest, CALIBRATION_IN_THE_LARGE gap −0.061 (threshold 0.03, p = 0.001 after Holm)". */
export const describeFailure = (c: FairnessCheck, params: FairnessParams): string =>
  `${c.attribute}: ${c.group} vs ${c.reference}, ${c.metric} ${gapFigure(c.gap!, c.rawGap)} (threshold ${c.threshold}, p = ${formatP(c.adjustedPValue!)} after ${correctionName(params)})`;
