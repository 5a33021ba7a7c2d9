/**
 * Small-cell suppression, as SQL common table expressions that every aggregated `analytics` view appends
 * to its own. The view first defines `m`, the membership of its cells:
 *
 *   m(cell text, family text, sibling text, is_total boolean, learner_id uuid, unit text)
 *
 * one row per learner (and unit, see below) counted in a cell. The CTEs below end in
 *
 *   sup(cell text, n integer, suppressed boolean)
 *
 * where n is the cell's distinct learners and `suppressed` what the view must hide. k is read from
 * `analytics_private.settings` (ZPD_ANALYTICS_K). Three rules, in order (docs/analytics.md explains them):
 *
 * 1. Primary: a cell with 0 < n < k is suppressed.
 * 2. Siblings (cells of one `sibling` group measure the same thing over different learner sets, e.g.
 *    the cohorts of a skill, the school row included): two released siblings X, Y whose learner sets
 *    differ by 1..k−1 learners on either side (|X∖Y| or |Y∖X|) would give those learners away by
 *    subtraction (nested or overlapping cohorts); the one with fewer learners (ties: the larger key) is
 *    suppressed. Suppressing never creates a new such pair, so one pass suffices.
 * 3. Families (a `family` is a total, `is_total`, and its parts): total − Σ released parts is a figure
 *    over the "residual" learners — those with a unit of the total covered by no released part or by
 *    more than one. It must concern 0 or ≥ k learners. Otherwise further parts are suppressed, the
 *    smallest first (by n, then key): with the j smallest released parts suppressed, a learner is
 *    outside the residual iff every unit of it is covered exactly once, i.e. a ≤ j < b with
 *    a = max over its units of the second-highest rank covering the unit and b = min over its units of
 *    the highest; residual(j) = |total| − #{a ≤ j < b}, read off a running sum of +1 at a and −1 at b.
 *    The smallest j with residual(j) = 0 or ≥ k is taken (with every part suppressed residual = |total|,
 *    so one exists whenever the total is released).
 *
 * `unit` is what a part partitions: for learner-valued figures ('' — the learner itself), for attempt
 * sums the attempt's day (a part = a day cell), so that the residual of a family of days is the learners
 * with attempts on suppressed days. Cells with no family (NULL) take rules 1 and 2 only.
 */
export const SUPPRESSION_CTES = `
sup_cells AS (
  SELECT cell, min(family) AS family, bool_or(is_total) AS is_total, count(DISTINCT learner_id)::int AS n
  FROM m GROUP BY cell),
sup_primary AS (
  SELECT c.*, c.n < st.k AS primary_suppressed FROM sup_cells c CROSS JOIN analytics_private.settings st),
sup_members AS (
  SELECT DISTINCT m.sibling, m.cell, m.learner_id FROM m JOIN sup_primary p ON p.cell = m.cell
  WHERE m.sibling IS NOT NULL AND NOT p.primary_suppressed),
sup_pairs AS (
  SELECT x.cell AS x, y.cell AS y, count(*)::int AS shared
  FROM sup_members x JOIN sup_members y ON y.sibling = x.sibling AND y.learner_id = x.learner_id AND y.cell > x.cell
  GROUP BY x.cell, y.cell),
sup_pair_losers AS (
  SELECT DISTINCT CASE WHEN px.n < py.n THEN pr.x ELSE pr.y END AS cell
  FROM sup_pairs pr JOIN sup_primary px ON px.cell = pr.x JOIN sup_primary py ON py.cell = pr.y
  CROSS JOIN analytics_private.settings st
  WHERE px.n - pr.shared BETWEEN 1 AND st.k - 1 OR py.n - pr.shared BETWEEN 1 AND st.k - 1),
sup_ranked AS (
  SELECT p.cell, p.family, row_number() OVER (PARTITION BY p.family ORDER BY p.n, p.cell)::int AS r
  FROM sup_primary p
  WHERE p.family IS NOT NULL AND NOT p.is_total AND NOT p.primary_suppressed
    AND p.cell NOT IN (SELECT cell FROM sup_pair_losers)),
sup_units AS (
  SELECT t.family, t.learner_id, t.unit,
         coalesce(max(r.r), 0) AS r1,
         coalesce((array_agg(r.r ORDER BY r.r DESC) FILTER (WHERE r.r IS NOT NULL))[2], 0) AS r2
  FROM (SELECT DISTINCT family, learner_id, unit FROM m WHERE is_total) t
  LEFT JOIN m pm ON pm.family = t.family AND pm.learner_id = t.learner_id AND pm.unit = t.unit AND NOT pm.is_total
  LEFT JOIN sup_ranked r ON r.cell = pm.cell
  GROUP BY t.family, t.learner_id, t.unit),
sup_learners AS (
  SELECT family, learner_id, max(r2) AS a, min(r1) AS b FROM sup_units GROUP BY family, learner_id),
sup_steps AS (
  SELECT family, j, sum(d) AS d FROM (
    SELECT family, a AS j, 1 AS d FROM sup_learners WHERE a < b
    UNION ALL SELECT family, b, -1 FROM sup_learners WHERE a < b
    UNION ALL SELECT family, 0, 0 FROM sup_learners) e
  GROUP BY family, j),
sup_curve AS (
  SELECT s.family, s.j, z.t - sum(s.d) OVER (PARTITION BY s.family ORDER BY s.j) AS residual
  FROM sup_steps s JOIN (SELECT family, count(*) AS t FROM sup_learners GROUP BY family) z ON z.family = s.family),
sup_cut AS (
  SELECT c.family, min(c.j) AS j FROM sup_curve c CROSS JOIN analytics_private.settings st
  WHERE c.residual = 0 OR c.residual >= st.k GROUP BY c.family),
sup AS (
  SELECT p.cell, p.n,
         p.primary_suppressed
         OR p.cell IN (SELECT cell FROM sup_pair_losers)
         OR EXISTS (SELECT 1 FROM sup_ranked r LEFT JOIN sup_cut c ON c.family = r.family
                    WHERE r.cell = p.cell AND r.r <= coalesce(c.j, 2147483647)) AS suppressed
  FROM sup_primary p)`;
