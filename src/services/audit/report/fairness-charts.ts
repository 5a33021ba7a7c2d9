/**
 * The fairness report's three charts per comparison, as Vega-Lite specs over a group and its reference:
 * ROC curves with the ABROCA area shaded between them, reliability diagrams, and the predicted success
 * of the tasks recommended to each. Each returns null when neither set has anything to draw.
 *
 * Labels are admin data: they reach the charts only as data values (Vega escapes those), never inside a
 * Vega expression, and each series is named "group: …" / "reference: …" so that a group labelled like
 * its reference still gets its own colour.
 */
import type { TopLevelSpec } from "vega-lite";
import type { GroupStats } from "../../../engine/fairness/types.js";
import { cleanRoc, diagonalLayer, type Point, SIZE, unit } from "./chart-parts.js";

/** Colour-blind-safe pair (Okabe–Ito blue and orange); the area is a neutral grey. */
const GROUP_COLOUR = "#0072B2";
const REFERENCE_COLOUR = "#E69F00";
const AREA_COLOUR = "#7a7a7a";

export interface ChartSets {
  readonly group: GroupStats;
  readonly reference: GroupStats;
}

export const seriesNames = (sets: ChartSets): readonly [string, string] => [
  `group: ${sets.group.label}`,
  `reference: ${sets.reference.label}`,
];

const colour = (sets: ChartSets) => ({
  field: "series",
  type: "nominal" as const,
  title: null,
  scale: { domain: [...seriesNames(sets)], range: [GROUP_COLOUR, REFERENCE_COLOUR] },
  legend: { orient: "bottom" as const, direction: "vertical" as const, labelLimit: 240 },
});

/** TPR of a sorted curve just left and just right of `fpr` (they differ on a vertical step); linear between points, flat past the ends. */
function tprAt(curve: readonly Point[], fpr: number): [left: number, right: number] {
  let lo = 0;
  while (lo < curve.length && curve[lo]![0] < fpr) lo++;
  let hi = lo;
  while (hi < curve.length && curve[hi]![0] === fpr) hi++;
  if (hi > lo) return [curve[lo]![1], curve[hi - 1]![1]];
  if (lo === 0) return [curve[0]![1], curve[0]![1]];
  if (lo === curve.length) return [curve[lo - 1]![1], curve[lo - 1]![1]];
  const [f0, t0] = curve[lo - 1]!;
  const [f1, t1] = curve[lo]!;
  const t = t0 + ((t1 - t0) * (fpr - f0)) / (f1 - f0);
  return [t, t];
}

/** One row of the band between two ROC curves. */
export interface BandRow {
  readonly fpr: number;
  readonly group: number;
  readonly reference: number;
}

/**
 * The area between two ROC curves on their common FPR grid (the union of both curves' FPRs), each curve
 * interpolated linearly: at an FPR where either curve steps vertically, two rows (the TPRs just left and just
 * right of it), so the band follows both steps exactly. Its area ∫|group − reference| dFPR is the ABROCA.
 * Empty when either curve is.
 */
export function rocBand(group: GroupStats["roc"], reference: GroupStats["roc"]): BandRow[] {
  const g = cleanRoc(group);
  const r = cleanRoc(reference);
  if (g.length === 0 || r.length === 0) return [];
  const grid = [...new Set([...g, ...r].map((p) => p[0]))].sort((a, b) => a - b);
  const rows: BandRow[] = [];
  for (const fpr of grid) {
    const [gLeft, gRight] = tprAt(g, fpr);
    const [rLeft, rRight] = tprAt(r, fpr);
    rows.push({ fpr, group: gLeft, reference: rLeft });
    if (gRight !== gLeft || rRight !== rLeft) rows.push({ fpr, group: gRight, reference: rRight });
  }
  return rows;
}

/** ROC curves of both sets and, between them, the shaded ABROCA area (the layer named "abroca"). */
export function rocSpec(sets: ChartSets): TopLevelSpec | null {
  const [groupName, referenceName] = seriesNames(sets);
  const curves = [
    ...cleanRoc(sets.group.roc).map(([fpr, tpr], i) => ({ series: groupName, fpr, tpr, i })),
    ...cleanRoc(sets.reference.roc).map(([fpr, tpr], i) => ({ series: referenceName, fpr, tpr, i })),
  ];
  if (curves.length === 0) return null;
  const band = rocBand(sets.group.roc, sets.reference.roc);
  const x = unit("False positive rate");
  return {
    width: SIZE,
    height: SIZE,
    layer: [
      ...(band.length > 0
        ? [
            {
              name: "abroca",
              data: { values: band },
              mark: { type: "area" as const, color: AREA_COLOUR, opacity: 0.35 },
              encoding: { x: { field: "fpr", ...x }, y: { field: "group", ...unit("True positive rate") }, y2: { field: "reference" } },
            },
          ]
        : []),
      diagonalLayer("False positive rate", "True positive rate"),
      {
        data: { values: curves },
        mark: { type: "line" as const, strokeWidth: 2 },
        encoding: {
          x: { field: "fpr", ...x },
          y: { field: "tpr", ...unit("True positive rate") },
          color: colour(sets),
          order: { field: "i", type: "quantitative" as const },
        },
      },
    ],
  };
}

/** Reliability diagram: mean observed against mean predicted success per bin, and the diagonal of perfect calibration. */
export function calibrationSpec(sets: ChartSets): TopLevelSpec | null {
  const [groupName, referenceName] = seriesNames(sets);
  const bins = (stats: GroupStats, series: string) =>
    (stats.calibration ?? [])
      .filter((b) => Number.isFinite(b.meanPredicted) && Number.isFinite(b.meanObserved))
      .map((b) => ({ series, predicted: b.meanPredicted, observed: b.meanObserved, n: b.n }))
      .sort((a, b) => a.predicted - b.predicted);
  const points = [...bins(sets.group, groupName), ...bins(sets.reference, referenceName)];
  if (points.length === 0) return null;
  const x = unit("Mean predicted success");
  const y = unit("Observed success rate");
  return {
    width: SIZE,
    height: SIZE,
    layer: [
      diagonalLayer("Mean predicted success", "Observed success rate"),
      {
        data: { values: points },
        mark: { type: "line" as const, point: true, strokeWidth: 2 },
        encoding: { x: { field: "predicted", ...x }, y: { field: "observed", ...y }, color: colour(sets) },
      },
    ],
  };
}

/** Share of each set's recommended tasks per bin of predicted success, the two sets side by side. */
export function recommendedSpec(sets: ChartSets): TopLevelSpec | null {
  const [groupName, referenceName] = seriesNames(sets);
  const shares = (stats: GroupStats, series: string) => {
    const histogram = (stats.recommended?.histogram ?? []).map((c) => (Number.isFinite(c) && c > 0 ? c : 0));
    const total = histogram.reduce((s, c) => s + c, 0);
    if (total === 0) return [];
    const width = 1 / histogram.length;
    return histogram.map((c, i) => ({ series, bin: `${(i * width).toFixed(1)}–${((i + 1) * width).toFixed(1)}`, i, share: c / total }));
  };
  const bars = [...shares(sets.group, groupName), ...shares(sets.reference, referenceName)];
  if (bars.length === 0) return null;
  return {
    width: SIZE,
    height: SIZE,
    data: { values: bars },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "bin",
        type: "ordinal",
        sort: { field: "i" },
        title: "Predicted success of the recommended task",
        axis: { labelAngle: -45 },
      },
      xOffset: { field: "series", sort: [groupName, referenceName] },
      y: { field: "share", type: "quantitative", title: "Share of recommended tasks", axis: { format: "%" } },
      color: colour(sets),
    },
  };
}
