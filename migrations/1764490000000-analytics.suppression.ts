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
 * with attempts on suppressed days. Cells with no family (NULL) take rules 1 and 2 only. Rows of `m`
 * must be distinct.
 *
 * No step joins two large relations: a cell's n is a window over `m`, the pairs of overlapping siblings
 * come from each learner's array of cells, the ranks are windows; only per-cell and per-family rows are
 * joined: on a database without statistics (embedded PGlite never analyses by itself) the planner guesses
 * a row or so per relation and picks nested loops, which would make a self-join of `m` quadratic.
 */
export const SUPPRESSION_CTES = `
sup_n AS (
  SELECT cell, family, sibling, is_total, learner_id, unit, max(dr) OVER (PARTITION BY cell) AS n
  FROM (SELECT m.*, dense_rank() OVER (PARTITION BY m.cell ORDER BY m.learner_id) AS dr FROM m) ranked_members),
sup_learner_cells AS (
  SELECT array_agg(cell ORDER BY cell) AS cells, array_agg(n ORDER BY cell) AS ns
  FROM (SELECT DISTINCT sibling, cell, learner_id, n FROM sup_n
        WHERE sibling IS NOT NULL AND n >= (SELECT k FROM analytics_private.settings)) released
  GROUP BY sibling, learner_id HAVING count(*) > 1),
sup_pairs AS (
  SELECT lc.cells[i] AS x, lc.cells[j] AS y, lc.ns[i] AS nx, lc.ns[j] AS ny, count(*) AS shared
  FROM sup_learner_cells lc
  CROSS JOIN LATERAL generate_series(1, cardinality(lc.cells)) i
  CROSS JOIN LATERAL generate_series(i + 1, cardinality(lc.cells)) j
  GROUP BY 1, 2, 3, 4),
sup_pair_losers AS (
  SELECT DISTINCT CASE WHEN nx < ny THEN x ELSE y END AS cell FROM sup_pairs
  WHERE nx - shared BETWEEN 1 AND (SELECT k FROM analytics_private.settings) - 1
     OR ny - shared BETWEEN 1 AND (SELECT k FROM analytics_private.settings) - 1),
sup_parts AS (
  SELECT family, learner_id, unit, cell, dense_rank() OVER (PARTITION BY family ORDER BY n, cell) AS r
  FROM sup_n
  WHERE family IS NOT NULL AND NOT is_total AND n >= (SELECT k FROM analytics_private.settings)
    AND cell NOT IN (SELECT cell FROM sup_pair_losers)),
sup_units AS (
  SELECT family, learner_id, unit, coalesce(max(r), 0) AS r1,
         coalesce((array_agg(r ORDER BY r DESC) FILTER (WHERE r IS NOT NULL))[2], 0) AS r2
  FROM (SELECT family, learner_id, unit, r, false AS total FROM sup_parts
        UNION ALL SELECT family, learner_id, unit, NULL, true FROM sup_n WHERE is_total AND family IS NOT NULL) u
  GROUP BY family, learner_id, unit
  HAVING bool_or(total)),
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
  SELECT family, min(j) AS j FROM sup_curve
  WHERE residual = 0 OR residual >= (SELECT k FROM analytics_private.settings) GROUP BY family),
sup AS (
  SELECT c.cell, c.n::int AS n,
         c.n < (SELECT k FROM analytics_private.settings)
         OR c.cell IN (SELECT cell FROM sup_pair_losers)
         OR coalesce(rk.r <= coalesce(cut.j, 2147483647), false) AS suppressed
  FROM (SELECT DISTINCT cell, n FROM sup_n) c
  LEFT JOIN (SELECT DISTINCT cell, family, r FROM sup_parts) rk ON rk.cell = c.cell
  LEFT JOIN sup_cut cut ON cut.family = rk.family)`;
