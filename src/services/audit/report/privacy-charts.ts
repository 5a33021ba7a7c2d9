/**
 * The privacy report's chart: the ROC curve of each membership-inference attack (members the positive
 * class) against the diagonal of chance, one colour per attack. Attack names reach the chart only as
 * data values (Vega escapes those).
 */
import type { TopLevelSpec } from "vega-lite";
import type { AttackVerdict } from "../../../engine/privacy/index.js";
import { cleanRoc, diagonalLayer, SIZE, unit } from "./chart-parts.js";

/** Okabe–Ito (colour-blind safe), one per attack in the audit's order. */
const ATTACK_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

const X_TITLE = "False positive rate (non-members flagged)";
const Y_TITLE = "True positive rate (members flagged)";

/**
 * The attacks' ROC curves (the layer named "attacks") over the diagonal of chance (the layer named
 * "chance"); null when no attack has a curve to draw (not run, or NOT_AUDITABLE).
 */
export function membershipRocSpec(attacks: readonly AttackVerdict[]): TopLevelSpec | null {
  const drawn = attacks.map((a) => ({ attack: String(a.attack), roc: cleanRoc(a.result?.roc) })).filter((a) => a.roc.length > 0);
  if (drawn.length === 0) return null;
  const names = drawn.map((a) => a.attack);
  const points = drawn.flatMap((a) => a.roc.map(([fpr, tpr], i) => ({ attack: a.attack, fpr, tpr, i })));
  return {
    width: SIZE,
    height: SIZE,
    layer: [
      diagonalLayer(X_TITLE, Y_TITLE, "chance"),
      {
        name: "attacks",
        data: { values: points },
        mark: { type: "line" as const, strokeWidth: 2 },
        encoding: {
          x: { field: "fpr", ...unit(X_TITLE) },
          y: { field: "tpr", ...unit(Y_TITLE) },
          color: {
            field: "attack",
            type: "nominal" as const,
            title: null,
            scale: { domain: names, range: names.map((_, i) => ATTACK_COLOURS[i % ATTACK_COLOURS.length]!) },
            legend: { orient: "bottom" as const, direction: "vertical" as const, labelLimit: 240 },
          },
          order: { field: "i", type: "quantitative" as const },
        },
      },
    ],
  };
}
