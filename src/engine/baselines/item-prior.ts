/**
 * The documented fallback for a task never seen in training: the mean of the fitted values of the
 * trained tasks that share one of its skills (averaged over its skills), or — when none does — the mean
 * over all trained tasks. Used by IRT and Elo for task difficulty.
 */
import type { CatalogIndex } from "../catalog-index.js";

/** Per-skill mean of `value` over trained tasks (NaN where a skill has none). */
export function skillMeans(cat: CatalogIndex, value: Float64Array, trained: Int32Array): Float64Array {
  const sum = new Float64Array(cat.skillCount),
    n = new Float64Array(cat.skillCount);
  for (let t = 0; t < cat.taskCount; t++) {
    if (trained[t] === 0) continue;
    for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
      sum[cat.qSkill[e]!]! += value[t]!;
      n[cat.qSkill[e]!]!++;
    }
  }
  return sum.map((s, k) => (n[k]! > 0 ? s / n[k]! : NaN));
}

/** Returns a copy of `value` where every untrained task holds its skills' prior (see above). */
export function fillUntrainedTasks(cat: CatalogIndex, value: Float64Array, trained: Int32Array): Float64Array {
  const out = Float64Array.from(value);
  let sum = 0,
    n = 0;
  for (let t = 0; t < cat.taskCount; t++)
    if (trained[t]! > 0) {
      sum += value[t]!;
      n++;
    }
  const globalMean = n > 0 ? sum / n : 0;
  const bySkill = skillMeans(cat, value, trained);
  for (let t = 0; t < cat.taskCount; t++) {
    if (trained[t]! > 0) continue;
    let s = 0,
      m = 0;
    for (let e = cat.qStart[t]!; e < cat.qStart[t + 1]!; e++) {
      const v = bySkill[cat.qSkill[e]!]!;
      if (!Number.isNaN(v)) {
        s += v;
        m++;
      }
    }
    out[t] = m > 0 ? s / m : globalMean;
  }
  return out;
}

/** Mean value of a "typical task" of each skill (its trained tasks; else the global mean). */
export function typicalTaskValue(cat: CatalogIndex, value: Float64Array, trained: Int32Array): Float64Array {
  let sum = 0,
    n = 0;
  for (let t = 0; t < cat.taskCount; t++)
    if (trained[t]! > 0) {
      sum += value[t]!;
      n++;
    }
  const globalMean = n > 0 ? sum / n : 0;
  return skillMeans(cat, value, trained).map((v) => (Number.isNaN(v) ? globalMean : v));
}
