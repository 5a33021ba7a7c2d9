/**
 * What a model knows of the tasks and skills its training never saw: their fallbacks (below). Training
 * applies them to the tasks no training learner attempted; the episodic training of new tasks
 * (new-task-training.ts) applies them to tasks it holds out as if new, so that those are predicted
 * exactly as a real new task would be.
 */
import type { CatalogIndex } from "../catalog-index.js";
import type { EncodedSequences } from "./catalog.js";
import type { MetaParams } from "./equations.js";

/** 1 for each task some attempt of `seq` is on. */
export function trainedTasks(cat: CatalogIndex, seq: EncodedSequences): Uint8Array {
  const seen = new Uint8Array(cat.taskIds.length);
  for (let j = 0; j < seq.task.length; j++) seen[seq.task[j]!] = 1;
  return seen;
}

/**
 * The fallbacks (documented in equations.ts), in place: a task not in `taskSeen` gets the mean offset
 * of its skills' trained tasks; a skill no training learner practised gets the mean of the trained
 * skills' parameters (its φ₀ and α too).
 */
export function fillUnseen(p: MetaParams, cat: CatalogIndex, taskSeen: Uint8Array): void {
  const K = cat.skillIds.length;
  const skillSeen = new Uint8Array(K);
  const offsetSum = new Float64Array(K);
  const offsetCount = new Float64Array(K);
  for (let i = 0; i < cat.taskIds.length; i++) {
    if (!taskSeen[i]) continue;
    for (let s = cat.qStart[i]!; s < cat.qStart[i + 1]!; s++) {
      const k = cat.qSkill[s]!;
      skillSeen[k] = 1;
      offsetSum[k]! += p.taskOffset[i]!;
      offsetCount[k]!++;
    }
  }
  for (let i = 0; i < cat.taskIds.length; i++) {
    if (taskSeen[i]) continue;
    let sum = 0,
      n = 0;
    for (let s = cat.qStart[i]!; s < cat.qStart[i + 1]!; s++) {
      const k = cat.qSkill[s]!;
      if (offsetCount[k]! > 0) {
        sum += offsetSum[k]! / offsetCount[k]!;
        n++;
      }
    }
    p.taskOffset[i] = n > 0 ? sum / n : 0;
  }
  const seen = [...Array(K).keys()].filter((k) => skillSeen[k]);
  if (seen.length === 0 || seen.length === K) return;
  const meanOf = (a: Float64Array, shift = 0) => seen.reduce((s, k) => s + a[k + shift]!, 0) / seen.length;
  const fills: [Float64Array, number, number][] = [
    [p.skillEase, 0, meanOf(p.skillEase)],
    [p.skillWin, 0, meanOf(p.skillWin)],
    [p.skillFail, 0, meanOf(p.skillFail)],
    [p.phi0, 1, meanOf(p.phi0, 1)],
    [p.alpha, 1, meanOf(p.alpha, 1)],
  ];
  for (let k = 0; k < K; k++) {
    if (skillSeen[k]) continue;
    for (const [a, shift, v] of fills) a[k + shift] = v;
  }
}
