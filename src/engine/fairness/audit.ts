/**
 * The fairness audit of one model's held-out predictions (issue #15): per protected attribute (and per
 * intersection of two), each group is compared with the rest or a reference group (groups.ts) on
 * accuracy (AUC), ranking (ABROCA), calibration (ECE, calibration-in-the-large), equal opportunity,
 * cold start and the recommendations the learners got, each gap with a learner-level permutation test
 * (permutation.ts), corrected for multiple testing over the whole audit, then judged (checks.ts).
 *
 * The headline subset is every learner's attempts 2.. (as in evaluation.ts); cold start is attempts
 * 2–10. `FairnessAudit.attempts` counts the headline attempts.
 *
 * Verdict: FAILED when a check fails (the reason names each failing check with its gap and adjusted
 * p-value); else NOT_AUDITABLE when a gap beyond its threshold could not be tested because too few
 * permutation rounds make significance impossible for the family's size (checks.ts: at least
 * m/alpha rounds for Holm's m tests); else PASSED when a gated check (threshold not null) passed; else
 * NOT_AUDITABLE, the reason saying why nothing could be checked. Data the audit cannot judge — no held-out attempts, predictions
 * that are not probabilities (a corrupt model), no attribute recorded — is NOT_AUDITABLE, not an error;
 * malformed input (arrays of different lengths, learner indices out of range, outcomes other than 0/1)
 * and bad parameters throw EngineError(INVALID_PARAMETERS).
 *
 * Pure and seeded: the same input and params give the same audit. The groups of an attribute compared
 * with the rest share their permutation rounds (one shuffle of the attribute's labels serves them all:
 * label-permutation.ts), seeded by params.seed and the attribute's first tested comparison; a comparison
 * with a reference group has its own, seeded by its names. No attribute's rounds depend on another's.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import {
  type ComparisonOutcome,
  correctionName,
  describeFailure,
  draftChecks,
  type DraftCheck,
  settleChecks,
  underpowered,
} from "./checks.js";
import { groupStats } from "./group-stats.js";
import { type PlannedComparison, planAttributes, plannedNames } from "./groups.js";
import type { FairnessParams } from "./params.js";
import { AttributeStatistics } from "./attribute-statistics.js";
import { labelPermutationTest, MAX_SETS, NO_SET } from "./label-permutation.js";
import { permutationTest } from "./permutation.js";
import { checkReferenceAttributes, resolveFairnessParams } from "./resolve-params.js";
import { FAIRNESS_METRICS, FairnessStatistics, gapsOf } from "./statistics.js";
import type { AttributeSummary, FairnessAudit, FairnessAuditInput, FairnessComparison } from "./types.js";

function checkInput(input: FairnessAuditInput): void {
  const fail = (why: string): never => {
    throw new EngineError(EngineErrorCode.InvalidParameters, `fairness: ${why}`);
  };
  const n = input.p.length;
  if (input.y.length !== n || input.position.length !== n || input.learner.length !== n) {
    fail(`p, y, position and learner have different lengths (${n}, ${input.y.length}, ${input.position.length}, ${input.learner.length})`);
  }
  if (!Number.isInteger(input.learners) || input.learners < 0) fail(`learners = ${input.learners}, not an integer ≥ 0`);
  for (let i = 0; i < n; i++) {
    const l = input.learner[i]!,
      y = input.y[i]!,
      k = input.position[i]!;
    if (!(Number.isInteger(l) && l >= 0 && l < input.learners)) fail(`attempt ${i}: learner ${l} out of range`);
    if (y !== 0 && y !== 1) fail(`attempt ${i}: outcome ${y}, not 0 or 1`);
    if (!(Number.isInteger(k) && k >= 1)) fail(`attempt ${i}: position ${k}, not an integer ≥ 1`);
  }
  if (input.recommendations && input.recommendations.length !== input.learners) {
    fail(`${input.recommendations.length} recommendation entries for ${input.learners} learners`);
  }
}

/** FNV-1a of the comparison's names mixed with the seed: each comparison its own permutation stream. */
export function comparisonSeed(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

const ONE_SIDED = FAIRNESS_METRICS.map(([metric]) => metric === "ABROCA");

/** side[learner] of a comparison: 1 in the group, 0 in the reference, 2 in neither. */
function sidesOf(learners: number, c: PlannedComparison): Uint8Array {
  const side = new Uint8Array(learners).fill(2);
  for (const l of c.referenceMembers) side[l] = 0;
  for (const l of c.groupMembers) side[l] = 1;
  return side;
}

/**
 * Per comparison of the attribute, its p-values (nulls where it is not tested). Groups against the rest:
 * one labelPermutationTest for all of them (its rounds serve every group: attribute-statistics.ts), seeded
 * by the first tested comparison (with one tested group, the draws of permutationTest with that seed).
 * Against a reference group each comparison has its own pool, so its own permutationTest.
 */
function attributePValues(
  input: FairnessAuditInput,
  stats: FairnessStatistics,
  params: FairnessParams,
  attribute: string,
  comparisons: readonly PlannedComparison[],
  observed: readonly Float64Array[],
): (number | null)[][] {
  const untested = FAIRNESS_METRICS.map(() => null);
  const tested = comparisons.flatMap((c, k) => (c.insufficient === null ? [k] : []));
  const seedOf = (c: PlannedComparison) => comparisonSeed(params.seed, `${attribute}\u0000${c.group}\u0000${c.reference}`);
  const pValues: (number | null)[][] = comparisons.map(() => untested);
  if (tested.length === 0) return pValues;
  const first = comparisons[tested[0]!]!;
  const pool = [...first.groupMembers, ...first.referenceMembers];
  const inGroup = new Set(tested.flatMap((k) => comparisons[k]!.groupMembers));
  const remainder = pool.filter((l) => !inGroup.has(l)).sort((a, b) => a - b);
  const sets = [...tested.map((k) => comparisons[k]!.groupMembers), ...(remainder.length > 0 ? [remainder] : [])];
  if (params.referenceGroups[attribute] !== undefined || sets.length > MAX_SETS) {
    const buffer = new Float64Array(FAIRNESS_METRICS.length);
    for (const k of tested) {
      const c = comparisons[k]!;
      pValues[k] = permutationTest({
        learners: input.learners,
        group: c.groupMembers,
        reference: c.referenceMembers,
        statistic: (side) => gapsOf(stats.compute(side), buffer),
        rounds: params.rounds,
        seed: seedOf(c),
        oneSided: ONE_SIDED,
      }).pValues;
    }
    return pValues;
  }
  const label = new Uint8Array(input.learners).fill(NO_SET);
  sets.forEach((members, s) => {
    for (const l of members) label[l] = s;
  });
  const grouped = new AttributeStatistics(stats, label, sets.length, tested.length);
  const byLabel = labelPermutationTest({
    learners: input.learners,
    sets,
    tested: tested.length,
    statistic: (l) => grouped.compute(l),
    observed: tested.map((k) => observed[k]!),
    rounds: params.rounds,
    seed: seedOf(first),
    oneSided: ONE_SIDED,
  });
  tested.forEach((k, t) => {
    pValues[k] = byLabel[t]!;
  });
  return pValues;
}

/** The comparisons of one attribute: their observed figures (one split each) and p-values. */
function compareAttribute(
  input: FairnessAuditInput,
  stats: FairnessStatistics,
  params: FairnessParams,
  attribute: string,
  comparisons: readonly PlannedComparison[],
): { comparison: Omit<FairnessComparison, "checks">; outcome: ComparisonOutcome }[] {
  const splits = comparisons.map((c) => stats.compute(sidesOf(input.learners, c)));
  const gaps = splits.map((split) => gapsOf(split));
  const pValues = attributePValues(input, stats, params, attribute, comparisons, gaps);
  return comparisons.map((c, k) => {
    const { group, reference } = splits[k]!;
    return {
      comparison: {
        attribute,
        group: c.group,
        reference: c.reference,
        groupStats: groupStats(input, stats.sums, c.group, c.groupMembers, group),
        referenceStats: groupStats(input, stats.sums, c.reference, c.referenceMembers, reference),
      },
      outcome: { gaps: gaps[k]!, pValues: pValues[k]!, group, reference },
    };
  });
}

function verdict(checks: FairnessAudit["checks"], attributes: readonly AttributeSummary[], params: FairnessParams) {
  const failed = checks.filter((c) => c.status === "FAIL");
  if (failed.length > 0) {
    const list = failed.map((c) => describeFailure(c, params)).join("; ");
    return { status: "FAILED" as const, reason: `${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${list}` };
  }
  const family = checks.filter((c) => c.adjustedPValue !== null);
  const untestable = family.filter((c) => c.status === "NOT_AUDITABLE").length;
  if (untestable > 0) {
    // a gap beyond its threshold that no p-value could have made significant: passing would be vacuous
    const which = `${untestable} gap${untestable === 1 ? "" : "s"} beyond the threshold untested`;
    return { status: "NOT_AUDITABLE" as const, reason: `${which}: ${underpowered(params, family.length)}` };
  }
  const passed = checks.filter((c) => c.status === "PASS" && c.threshold !== null).length;
  if (passed > 0) {
    const how = `${correctionName(params)}, α = ${params.alpha}`;
    return { status: "PASSED" as const, reason: `no significant gap beyond its threshold: ${passed} gated checks passed (${how})` };
  }
  const why = new Set<string>();
  for (const a of attributes) if (a.status !== "AUDITED") why.add(`${a.name}: ${a.reason}`);
  for (const c of checks) if (c.threshold !== null) why.add(c.reason);
  const reasons = [...why];
  const shown = reasons.slice(0, 3).join("; ") + (reasons.length > 3 ? `; and ${reasons.length - 3} more` : "");
  return { status: "NOT_AUDITABLE" as const, reason: `nothing could be checked: ${shown || "no comparison"}` };
}

/** The fairness audit of `input` (see the module comment); `params` over DEFAULT_FAIRNESS_PARAMS. */
export function auditFairness(input: FairnessAuditInput, partial: Partial<FairnessParams> = {}): FairnessAudit {
  const params = resolveFairnessParams(partial);
  checkInput(input);
  let attempts = 0;
  let notFinite = 0;
  let notProbability = 0;
  for (let i = 0; i < input.p.length; i++) {
    const p = input.p[i]!;
    if (input.position[i]! >= 2) attempts++;
    if (!Number.isFinite(p)) notFinite++;
    else if (p < 0 || p > 1) notProbability++;
  }
  const base = { learners: input.learners, attempts, params };
  const notAuditable = (reason: string, attributes: AttributeSummary[] = []): FairnessAudit => ({
    ...base,
    status: "NOT_AUDITABLE",
    reason,
    attributes,
    comparisons: [],
    checks: [],
  });
  if (input.p.length === 0) return notAuditable("no held-out attempts");
  const plural = (n: number) => (n === 1 ? `1 prediction is` : `${n} predictions are`);
  if (notFinite > 0) return notAuditable(`${plural(notFinite)} not finite (a corrupt model)`);
  if (notProbability > 0) return notAuditable(`${plural(notProbability)} outside [0, 1] (a corrupt model)`);

  const planned = planAttributes(input, params);
  checkReferenceAttributes(params, plannedNames(planned));
  const summaries = planned.map((a) => a.summary);
  if (summaries.every((a) => a.groups.length === 0)) {
    return notAuditable("no protected attributes recorded for the held-out learners", summaries);
  }
  const stats = new FairnessStatistics(input, params.threshold, params.readinessStrata);
  const compared: Omit<FairnessComparison, "checks">[] = [];
  const drafts: DraftCheck[][] = [];
  for (const a of planned) {
    compareAttribute(input, stats, params, a.summary.name, a.comparisons).forEach(({ comparison, outcome }, k) => {
      compared.push(comparison);
      drafts.push(draftChecks(a.summary.name, a.comparisons[k]!, outcome, params, input.recommendations !== undefined));
    });
  }
  const settled = settleChecks(drafts.flat(), params);
  const comparisons: FairnessComparison[] = [];
  let next = 0;
  compared.forEach((c, k) => {
    const count = drafts[k]!.length;
    comparisons.push({ ...c, checks: settled.slice(next, next + count) });
    next += count;
  });
  return { ...base, ...verdict(settled, summaries, params), attributes: summaries, comparisons, checks: settled };
}
