/**
 * Which comparisons the audit makes, per protected attribute (and per intersection of two):
 *
 * - the learners are those with the attribute recorded (a non-null label);
 * - fewer than 2 groups: nothing to compare (NOT_AUDITABLE);
 * - with a reference group configured (params.referenceGroups), each other group against it;
 * - otherwise each group against the rest, except with exactly 2 groups, where group-vs-rest and its
 *   mirror image are the same test: only the smaller group (on equal sizes, the later label) is
 *   compared with the rest;
 * - a comparison whose group or reference has fewer than minGroupSize learners is kept, every check
 *   INSUFFICIENT_DATA; for an intersection ("a×b", groups "x×y") the groups below minGroupSize are
 *   not compared at all, only listed in the summary (intersections make many small groups).
 *
 * Intersections pair attributes that both have at least 2 groups (otherwise the intersection repeats
 * one attribute's audit).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { FairnessParams } from "./params.js";
import type { AttributeSummary, FairnessAuditInput } from "./types.js";

export interface PlannedComparison {
  readonly group: string;
  readonly reference: string;
  readonly groupMembers: readonly number[];
  readonly referenceMembers: readonly number[];
  /** Why no check can be made (a side below minGroupSize), or null. */
  readonly insufficient: string | null;
}

export interface PlannedAttribute {
  readonly summary: AttributeSummary;
  readonly comparisons: readonly PlannedComparison[];
}

type Labels = readonly (string | null)[];

function groupsOf(labels: Labels): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  labels.forEach((label, learner) => {
    if (label === null) return;
    const members = groups.get(label);
    if (members) members.push(learner);
    else groups.set(label, [learner]);
  });
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const sizes = (groups: readonly [string, readonly number[]][]): string => groups.map(([g, m]) => `${g} (${m.length})`).join(", ");

function planAttribute(name: string, labels: Labels, intersection: boolean, params: FairnessParams): PlannedAttribute {
  const groups = groupsOf(labels);
  const counts = [...groups].map(([label, members]) => ({ label, learners: members.length }));
  const summary = (status: AttributeSummary["status"], reason: string, comparisons: PlannedComparison[] = []) => ({
    summary: { name, groups: counts, intersection, status, reason },
    comparisons,
  });
  if (groups.size === 0) return summary("NOT_AUDITABLE", `no learner has ${name} recorded`);
  if (groups.size === 1) return summary("NOT_AUDITABLE", `only one group: ${[...groups.keys()][0]}`);
  const min = params.minGroupSize;
  const referenceLabel = params.referenceGroups[name];
  let candidates: [string, number[]][];
  let referenceOf: (group: string) => number[];
  if (referenceLabel !== undefined) {
    const reference = groups.get(referenceLabel);
    if (!reference) return summary("NOT_AUDITABLE", `the reference group ${referenceLabel} has no learner`);
    candidates = [...groups].filter(([g]) => g !== referenceLabel);
    referenceOf = () => reference;
  } else {
    candidates = [...groups];
    if (candidates.length === 2) candidates = [candidates[0]![1].length < candidates[1]![1].length ? candidates[0]! : candidates[1]!];
    referenceOf = (group) => [...groups].filter(([g]) => g !== group).flatMap(([, m]) => m);
  }
  const small = [...groups].filter(([, m]) => m.length < min);
  if (intersection) candidates = candidates.filter(([, m]) => m.length >= min);
  const comparisons = candidates.map(([group, members]): PlannedComparison => {
    const referenceMembers = referenceOf(group).sort((a, b) => a - b);
    const reference = referenceLabel ?? "rest";
    const tooSmall = members.length < min || referenceMembers.length < min;
    const insufficient = tooSmall
      ? `${group} has ${members.length} learners and ${reference} ${referenceMembers.length}; at least ${min} each are needed`
      : null;
    return { group, reference, groupMembers: members, referenceMembers, insufficient };
  });
  const below = small.length > 0 ? `; below ${min} learners: ${sizes(small)}` : "";
  if (comparisons.every((c) => c.insufficient !== null)) {
    return summary("INSUFFICIENT_DATA", `no comparison has ${min} learners on each side: ${sizes([...groups])}`, comparisons);
  }
  const tested = comparisons.filter((c) => c.insufficient === null).length;
  return summary("AUDITED", `${tested} comparison${tested === 1 ? "" : "s"} tested${below}`, comparisons);
}

/** The attributes (input order), then their pairwise intersections when params.intersections. */
export function planAttributes(input: FairnessAuditInput, params: FairnessParams): PlannedAttribute[] {
  const entries = [...input.attributes];
  for (const [name, labels] of entries) {
    if (labels.length !== input.learners) {
      throw new EngineError(
        EngineErrorCode.InvalidParameters,
        `fairness: attribute ${name} has ${labels.length} labels for ${input.learners} learners`,
      );
    }
  }
  const planned = entries.map(([name, labels]) => planAttribute(name, labels, false, params));
  if (!params.intersections) return planned;
  const varied = entries.filter((_, i) => planned[i]!.summary.groups.length >= 2);
  for (let i = 0; i < varied.length; i++) {
    for (let j = i + 1; j < varied.length; j++) {
      const [a, la] = varied[i]!;
      const [b, lb] = varied[j]!;
      const labels = la.map((x, l) => (x === null || lb[l] === null ? null : `${x}×${lb[l]}`));
      planned.push(planAttribute(`${a}×${b}`, labels, true, params));
    }
  }
  return planned;
}

/** Names the audit can be asked to compare against a reference group: the attributes and intersections. */
export const plannedNames = (planned: readonly PlannedAttribute[]): string[] => planned.map((p) => p.summary.name);
