/**
 * Paired bootstrap over learners of AUC differences on slices of attempts (dev tools): each round
 * resamples the learners with replacement and scores every model on the same resample, giving a 95 %
 * interval of "first model minus model". It measures reported figures; it chooses nothing.
 */
import type { Predictions } from "../../src/engine/evaluation.js";
import { createRng } from "../../src/engine/math.js";
import { auc } from "../../src/engine/metrics/index.js";

export interface BootstrapRow {
  readonly model: string;
  readonly auc: number;
  /** First model minus this one (0 for the first). */
  readonly diff: number;
  readonly lo: number;
  readonly hi: number;
  /** Share of rounds where the first model was ahead. */
  readonly ahead: number;
}

/** Cold-start slices by attempt position (1-based), and the headline (every attempt but the first). */
export const SLICES: Readonly<Record<string, (position: number) => boolean>> = {
  "overall (excl. 1st)": (k) => k >= 2,
  "2–5": (k) => k >= 2 && k <= 5,
  "6–10": (k) => k >= 6 && k <= 10,
};

/**
 * `preds`: one Predictions per model over the same attempts (predictSequences); returns, per slice, a row
 * per model with its AUC and the paired interval of preds[0] minus it.
 */
export function pairedBootstrap(
  names: readonly string[],
  preds: readonly Predictions[],
  slices: Readonly<Record<string, (position: number) => boolean>>,
  rounds: number,
  seed: number,
): Record<string, BootstrapRow[]> {
  const { position, y, learner } = preds[0]!;
  const byId = new Map<number, number[]>();
  for (let i = 0; i < position.length; i++) {
    const ids = byId.get(learner[i]!);
    if (ids) ids.push(i);
    else byId.set(learner[i]!, [i]);
  }
  const learners = [...byId.values()];
  const rng = createRng(seed);
  const out: Record<string, BootstrapRow[]> = {};
  for (const [slice, keep] of Object.entries(slices)) {
    const byLearner = learners.map((ids) => ids.filter((i) => keep(position[i]!)));
    const scoreOn = (idx: number[]) => {
      const yy = idx.map((i) => y[i]!);
      return preds.map((p) =>
        auc(
          idx.map((i) => p.p[i]!),
          yy,
        ),
      );
    };
    const point = scoreOn(byLearner.flat());
    const diffs: number[][] = names.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const sample: number[] = [];
      for (let n = 0; n < byLearner.length; n++) sample.push(...byLearner[rng.int(byLearner.length)]!);
      const s = scoreOn(sample);
      s.forEach((v, m) => {
        diffs[m]!.push(s[0]! - v);
      });
    }
    out[slice] = names.map((model, m) => {
      const d = diffs[m]!.sort((a, b) => a - b);
      const q = (f: number) => d[Math.min(d.length - 1, Math.floor(f * d.length))]!;
      return {
        model,
        auc: point[m]!,
        diff: point[0]! - point[m]!,
        lo: q(0.025),
        hi: q(0.975),
        ahead: d.filter((v) => v > 0).length / d.length,
      };
    });
  }
  return out;
}

/** The markdown table of one slice: model, AUC, first − model, 95 % interval, rounds the first was ahead. */
export function bootstrapTable(rows: readonly BootstrapRow[], first: string): string {
  const f = (x: number) => x.toFixed(4);
  return [
    `| model | AUC | ${first} − model | 95 % interval | rounds ${first} ahead |`,
    "|---|---|---|---|---|",
    ...rows.map((r, m) =>
      m === 0
        ? `| ${r.model} | ${f(r.auc)} | — | — | — |`
        : `| ${r.model} | ${f(r.auc)} | ${f(r.diff)} | [${f(r.lo)}, ${f(r.hi)}] | ${(100 * r.ahead).toFixed(1)} % |`,
    ),
  ].join("\n");
}
