/**
 * What the training needs per attempt that does not depend on the parameters: the learner's counts
 * before the attempt (log-transformed as the model uses them) and the task's skill slots. Computed once.
 * Slot c of attempt j is [j·S + c]; unused slots have skill −1 and weight 0.
 */
import type { CatalogIndex } from "../catalog-index.js";
import type { EncodedSequences } from "./catalog.js";

export interface AttemptFeatures {
  /** Skill slots per attempt (the catalogue's most skills per task). */
  readonly slots: number;
  readonly attemptsBefore: Float64Array;
  readonly totalWinLog: Float64Array;
  readonly totalFailLog: Float64Array;
  readonly slotSkill: Int32Array;
  readonly slotWeight: Float64Array;
  readonly slotWinLog: Float64Array;
  readonly slotFailLog: Float64Array;
  /** n_uk = s_uk + f_uk before the attempt (drives the step's count decay). */
  readonly slotCount: Float64Array;
}

export function attemptFeatures(cat: CatalogIndex, seq: EncodedSequences): AttemptFeatures {
  const n = seq.task.length;
  const S = cat.maxSkills;
  const f = {
    slots: S,
    attemptsBefore: new Float64Array(n),
    totalWinLog: new Float64Array(n),
    totalFailLog: new Float64Array(n),
    slotSkill: new Int32Array(n * S).fill(-1),
    slotWeight: new Float64Array(n * S),
    slotWinLog: new Float64Array(n * S),
    slotFailLog: new Float64Array(n * S),
    slotCount: new Float64Array(n * S),
  };
  const wins = new Float64Array(cat.skillIds.length);
  const fails = new Float64Array(cat.skillIds.length);
  for (let l = 0; l < seq.learnerIds.length; l++) {
    const touched: number[] = [];
    let totalWins = 0,
      totalFails = 0;
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      const task = seq.task[j]!;
      const y = seq.correct[j]!;
      f.attemptsBefore[j] = j - seq.start[l]!;
      f.totalWinLog[j] = Math.log1p(totalWins);
      f.totalFailLog[j] = Math.log1p(totalFails);
      let c = 0;
      for (let s = cat.qStart[task]!; s < cat.qStart[task + 1]!; s++, c++) {
        const k = cat.qSkill[s]!;
        const q = cat.qWeight[s]!;
        const at = j * S + c;
        f.slotSkill[at] = k;
        f.slotWeight[at] = q;
        f.slotWinLog[at] = Math.log1p(wins[k]!);
        f.slotFailLog[at] = Math.log1p(fails[k]!);
        f.slotCount[at] = wins[k]! + fails[k]!;
      }
      for (let s = cat.qStart[task]!; s < cat.qStart[task + 1]!; s++) {
        const k = cat.qSkill[s]!;
        if (wins[k] === 0 && fails[k] === 0) touched.push(k);
        if (y === 1) wins[k]! += cat.qWeight[s]!;
        else fails[k]! += cat.qWeight[s]!;
      }
      if (y === 1) totalWins++;
      else totalFails++;
    }
    for (const k of touched) wins[k] = fails[k] = 0;
  }
  return f;
}

/** A truncated window: attempts [from, from + length) of one learner; `first` if it starts the sequence. */
export interface Window {
  readonly from: number;
  readonly length: number;
  readonly first: boolean;
}

export function cutWindows(seq: EncodedSequences, size: number): Window[] {
  const out: Window[] = [];
  for (let l = 0; l < seq.learnerIds.length; l++) {
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j += size) {
      out.push({ from: j, length: Math.min(size, seq.start[l + 1]! - j), first: j === seq.start[l]! });
    }
  }
  return out;
}
