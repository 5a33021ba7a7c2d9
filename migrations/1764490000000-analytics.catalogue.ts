/**
 * The shape of a public analytics view as the migration creates it: its SQL, and the COMMENTs on the view
 * and on every column (docs/analytics.md lists the same; a test checks that the two agree).
 */
export interface AnalyticsView {
  readonly name: string;
  /** What a row is (the grain), what is counted, and how small cells are suppressed. */
  readonly comment: string;
  readonly columns: readonly (readonly [name: string, comment: string])[];
  /**
   * A query returning exactly `columns`, in order. With `perSchool`, it is run once per school, as a
   * LATERAL subquery that reads the school as `sc` (school_id = sc.id on every base read): a reader's
   * `WHERE school_id = …` then computes that school only (uuid equality is leakproof, so it passes the
   * security barrier down to the school scan), however many schools the database holds.
   */
  readonly sql: string;
  readonly perSchool?: boolean;
}

/** The view's query: `sql`, or with `perSchool` every school's run of it (see AnalyticsView.sql). */
export function viewQuery(v: AnalyticsView): string {
  if (!v.perSchool) return v.sql;
  const names = v.columns.map(([c]) => `"${c}"`);
  return `SELECT sc.id, ${names
    .slice(1)
    .map((c) => `per_school.${c}`)
    .join(", ")}
  FROM school sc CROSS JOIN LATERAL (${v.sql}) AS per_school(${names.join(", ")})`;
}

/** `expr`, or NULL when the row's cell `s` is suppressed. */
export const unless = (suppressed: string, expr: string): string => `CASE WHEN ${suppressed} THEN NULL ELSE ${expr} END`;

export const SUPPRESSED_COMMENT = "True when the row's figures are withheld (NULL): fewer than k learners, or complementary suppression.";

/** The suppression rule, as the comment of every aggregated view ends. */
export const RULE =
  "Counts only learners with ANALYTICS consent granted. Figures over 0 < n < k learners (analytics.settings.k) are NULL with suppressed = true, and further cells are suppressed where a subtraction of released cells would give a suppressed one away (docs/analytics.md).";
