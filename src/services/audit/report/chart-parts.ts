/**
 * Pieces the report charts share (fairness-charts.ts, privacy-charts.ts): the plot size, a probability
 * axis, the dashed diagonal, and the finite points of a stored ROC curve.
 */

/** Width and height of a square plot, in pixels. */
export const SIZE = 260;

/** A quantitative axis over [0, 1] (rates, probabilities). */
export const unit = (title: string) => ({ type: "quantitative" as const, title, scale: { domain: [0, 1] }, axis: { tickCount: 5 } });

/**
 * The diagonal y = x as a dashed grey line: perfect calibration on a reliability diagram, chance on a
 * ROC plot. `name` names the layer (its SVG group gets the class `<name>_marks`).
 */
export function diagonalLayer(xTitle: string, yTitle: string, name?: string) {
  return {
    ...(name ? { name } : {}),
    data: { values: [{ v: 0 }, { v: 1 }] },
    mark: { type: "line" as const, color: "#bbbbbb", strokeDash: [4, 4], strokeWidth: 1 },
    encoding: { x: { field: "v", ...unit(xTitle) }, y: { field: "v", ...unit(yTitle) } },
  };
}

export type Point = readonly [number, number];

/** The curve's finite points, sorted by FPR then TPR (a vertical step stays in drawing order); stored JSON turns NaN into null. */
export function cleanRoc(roc: readonly (readonly [number, number])[] | null | undefined): Point[] {
  const points = (roc ?? []).filter((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  return points.map((p): Point => [p[0], p[1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
