/**
 * The SUPPRESSION check: every analytics view re-read as a BI tool reads it, and its released cells
 * checked against k — independently of the SQL that suppressed them (migrations/…analytics.suppression.ts),
 * so that a view added without suppression, or a rule broken by a change, is caught on live data.
 *
 * What a view releases is found in the catalogue, by convention (docs/analytics.md): a *learner count*
 * is an integer column whose name has the word `learners` (`learners`, `held_out_learners`,
 * `learners_with_path`); the flag that withholds it is `<word>_suppressed` when the count's name has
 * that word (`path_suppressed` for `learners_with_path`), else `suppressed`. Per released count:
 *
 * - PRIMARY: a released count n must be 0 or ≥ k;
 * - NOT_BLANK: a withheld count must be NULL;
 * - RESIDUAL: where a view has a school row (`cohort_id` NULL) and cohort rows of the same key, the
 *   school's released count minus its released cohorts' counts — what subtraction gives a reader — must
 *   be 0 or ≥ k. Exact only when no learner is in two cohorts; otherwise the sum over-counts and the
 *   check is left to the views' own rule over learner sets (stated in the view's note).
 *
 * A view with figures but no learner count cannot be verified and fails the check; the views that
 * release no figure over learners are listed in NO_LEARNER_FIGURES.
 */
import type { RelationColumn } from "../../persistence/audit/privacy-inputs.js";
import type { SuppressionViolation, ViewSuppression } from "./privacy-audit.types.js";

/** Views that release no figure computed over learners (settings, the school list, audit verdicts). */
export const NO_LEARNER_FIGURES: ReadonlySet<string> = new Set(["settings", "schools", "audit_outcomes_by_version"]);

const INTEGER = new Set(["integer", "bigint", "smallint", "numeric"]);
const KEY_TYPES = new Set(["uuid", "date", "boolean"]);
/** At most this many violations are kept per view (the count is exact; the report lists the first). */
const MAX_LISTED = 20;

/** The learner-count columns of a view and the flag covering each (see the module comment). */
export function learnerCounts(columns: readonly RelationColumn[]): { column: string; flag: string }[] {
  const flags = new Set(columns.filter((c) => c.type === "boolean" && /(^|_)suppressed$/.test(c.name)).map((c) => c.name));
  return columns
    .filter((c) => INTEGER.has(c.type) && /(^|_)learners(_|$)/.test(c.name))
    .map((c) => {
      const own = c.name
        .split("_")
        .map((w) => `${w}_suppressed`)
        .find((f) => flags.has(f));
      return { column: c.name, flag: own ?? "suppressed" };
    });
}

const isFlag = (name: string) => /(^|_)suppressed$/.test(name);

/** The row's key: its ids, days and boolean keys (never a name, never a learner: views have no learner id). */
function cellKey(columns: readonly RelationColumn[], row: Record<string, unknown>): Record<string, string | number | boolean | null> {
  const key: Record<string, string | number | boolean | null> = {};
  for (const c of columns) {
    if (!KEY_TYPES.has(c.type) || isFlag(c.name)) continue;
    const v = row[c.name];
    key[c.name] = v instanceof Date ? v.toISOString().slice(0, 10) : (v as string | boolean | null);
  }
  return key;
}

const asCount = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One view's rows checked; `cohortsOverlap`: some learner of the school is in two cohorts. */
export function checkView(
  view: string,
  columns: readonly RelationColumn[],
  rows: readonly Record<string, unknown>[],
  k: number,
  cohortsOverlap: boolean,
): ViewSuppression {
  const counts = learnerCounts(columns);
  const names = new Set(columns.map((c) => c.name));
  const violations: SuppressionViolation[] = [];
  let found = 0;
  const add = (v: SuppressionViolation) => {
    if (++found <= MAX_LISTED) violations.push(v);
  };
  let released = 0;
  let suppressed = 0;
  const withheld = (row: Record<string, unknown>, flag: string) => names.has(flag) && row[flag] === true;
  for (const row of rows) {
    for (const { column, flag } of counts) {
      const n = asCount(row[column]);
      if (withheld(row, flag)) {
        suppressed++;
        if (n !== null) add({ rule: "NOT_BLANK", cell: cellKey(columns, row), column, value: n });
      } else {
        released++;
        if (n !== null && n > 0 && n < k) add({ rule: "PRIMARY", cell: cellKey(columns, row), column, value: n });
      }
    }
  }
  let familiesChecked = 0;
  const notes: string[] = [];
  if (counts.length === 0 && !NO_LEARNER_FIGURES.has(view)) notes.push("no learner count column: its suppression cannot be verified");
  const missingFlags = [...new Set(counts.map((c) => c.flag).filter((f) => !names.has(f)))];
  if (missingFlags.length) notes.push(`no ${missingFlags.join(", ")} column: every count is taken as released`);
  if (names.has("cohort_id") && rows.some((r) => r.cohort_id === null)) {
    if (cohortsOverlap) {
      notes.push("learners in several cohorts: school minus cohorts over-counts; left to the views' rule over learner sets");
    } else {
      const familyKey = (row: Record<string, unknown>) =>
        JSON.stringify(Object.entries(cellKey(columns, row)).filter(([c]) => c !== "cohort_id"));
      const families = new Map<string, { total?: Record<string, unknown>; parts: Record<string, unknown>[] }>();
      for (const row of rows) {
        const f = families.get(familyKey(row)) ?? { parts: [] };
        if (row.cohort_id === null) f.total = row;
        else f.parts.push(row);
        families.set(familyKey(row), f);
      }
      for (const { total, parts } of families.values()) {
        if (!total || parts.length === 0) continue;
        familiesChecked++;
        for (const { column, flag } of counts) {
          const t = asCount(total[column]);
          if (withheld(total, flag) || t === null) continue;
          const residual = t - parts.reduce((s, p) => s + (withheld(p, flag) ? 0 : (asCount(p[column]) ?? 0)), 0);
          if (residual > 0 && residual < k) add({ rule: "RESIDUAL", cell: cellKey(columns, total), column, value: residual });
        }
      }
    }
  }
  return {
    view,
    rows: rows.length,
    counts,
    releasedCells: released,
    suppressedCells: suppressed,
    familiesChecked,
    violations,
    ...(found > MAX_LISTED ? { violationCount: found } : {}),
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

/** Whether the view's verdict is a failure: a violation, or figures the audit cannot verify. */
export const viewFails = (v: ViewSuppression): boolean =>
  v.violations.length > 0 || (v.counts.length === 0 && !NO_LEARNER_FIGURES.has(v.view));
