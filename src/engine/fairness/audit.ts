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
 * Pure and seeded: the same input and params give the same audit; each comparison's permutations
 * are seeded by params.seed and the comparison's names, so they do not depend on the other comparisons.
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
function comparisonSeed(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

const ONE_SIDED = FAIRNESS_METRICS.map(([metric]) => metric === "ABROCA");

function compare(
  input: FairnessAuditInput,
  stats: FairnessStatistics,
  params: FairnessParams,
  attribute: string,
  c: PlannedComparison,
): { comparison: Omit<FairnessComparison, "checks">; outcome: ComparisonOutcome } {
  const side = new Uint8Array(input.learners).fill(2);
  for (const l of c.referenceMembers) side[l] = 0;
  for (const l of c.groupMembers) side[l] = 1;
  const observed = stats.compute(side);
  const { group, reference } = observed;
  const gaps = gapsOf(observed);
  let pValues: (number | null)[] = FAIRNESS_METRICS.map(() => null);
  if (c.insufficient === null) {
    const buffer = new Float64Array(FAIRNESS_METRICS.length);
    pValues = permutationTest({
      learners: input.learners,
      group: c.groupMembers,
      reference: c.referenceMembers,
      statistic: (s) => gapsOf(stats.compute(s), buffer),
      rounds: params.rounds,
      seed: comparisonSeed(params.seed, `${attribute}\u0000${c.group}\u0000${c.reference}`),
      oneSided: ONE_SIDED,
    }).pValues;
  }
  return {
    comparison: {
      attribute,
      group: c.group,
      reference: c.reference,
      groupStats: groupStats(input, stats.sums, c.group, c.groupMembers, group),
      referenceStats: groupStats(input, stats.sums, c.reference, c.referenceMembers, reference),
    },
    outcome: { gaps, pValues, group, reference },
  };
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
    for (const c of a.comparisons) {
      const { comparison, outcome } = compare(input, stats, params, a.summary.name, c);
      compared.push(comparison);
      drafts.push(draftChecks(a.summary.name, c, outcome, params, input.recommendations !== undefined));
    }
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
