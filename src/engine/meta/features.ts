/**
 * What the training needs per attempt that does not depend on the parameters: the learner's counts
 * before the attempt (log-transformed as the model uses them) and the task's skill slots. Computed once.
 * Slot c of attempt j is [j·S + c]; unused slots have skill −1 and weight 0.
 */
import type { CatalogIndex } from "../catalog-index.js";
import type { EncodedSequences } from "./catalog.js";
import { decayedAfter, type HistoryFeature, historyShape, runAfter, runSlot } from "./equations.js";
import { TaskMemory } from "./task-memory.js";

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
  /**
   * The history features (equations.ts) of the features on; all 0 for those off (so that their weights
   * get no gradient): R⁻, R⁺, log(1+w_ui), log(1+l_ui) per attempt, and per slot 1[o_uk = 1], 1[o_uk = 0],
   * log(1+g_uk).
   */
  readonly repeatFail: Float64Array;
  readonly repeatWin: Float64Array;
  readonly taskWinLog: Float64Array;
  readonly taskFailLog: Float64Array;
  readonly slotLastWin: Float64Array;
  readonly slotLastFail: Float64Array;
  readonly slotGapLog: Float64Array;
  /** Per slot: the run indicator's history slot (runSlot; −1: none), D_uk, and log(1+n_uk)·1[o_uk = 1], ·1[o_uk = 0]. */
  readonly slotRun: Int8Array;
  /** Whether any of skillStreak, skillDecay, outcomeByCount is on (else their arrays stay empty and the graph skips them). */
  readonly skillExtras: boolean;
  readonly slotDecay: Float64Array;
  readonly slotLastWinCount: Float64Array;
  readonly slotLastFailCount: Float64Array;
}

export function attemptFeatures(
  cat: CatalogIndex,
  seq: EncodedSequences,
  history: { readonly historyFeatures: readonly HistoryFeature[]; readonly taskMemory: number } = { historyFeatures: [], taskMemory: 1 },
): AttemptFeatures {
  const n = seq.task.length;
  const S = cat.maxSkills;
  const on = (h: HistoryFeature) => history.historyFeatures.includes(h);
  const [repeat, taskCounts, lastOutcome, skillGap] = [on("repeat"), on("taskCounts"), on("lastOutcome"), on("skillGap")];
  const [skillStreak, skillDecay, outcomeByCount] = [on("skillStreak"), on("skillDecay"), on("outcomeByCount")];
  const shape = historyShape(history.historyFeatures, history.taskMemory);
  const memory = new TaskMemory(shape.taskMemory);
  // Per skill: the outcome of the learner's last attempt touching it (−1: none) and that attempt's index.
  const last = new Int8Array(cat.skillIds.length).fill(-1);
  const lastAt = new Float64Array(cat.skillIds.length);
  const run = new Float64Array(cat.skillIds.length);
  const decayed = new Float64Array(cat.skillIds.length);
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
    repeatFail: new Float64Array(n),
    repeatWin: new Float64Array(n),
    taskWinLog: new Float64Array(n),
    taskFailLog: new Float64Array(n),
    slotLastWin: new Float64Array(n * S),
    slotLastFail: new Float64Array(n * S),
    slotGapLog: new Float64Array(n * S),
    skillExtras: skillStreak || skillDecay || outcomeByCount,
    slotRun: new Int8Array(n * S).fill(-1),
    slotDecay: new Float64Array(n * S),
    slotLastWinCount: new Float64Array(n * S),
    slotLastFailCount: new Float64Array(n * S),
  };
  const wins = new Float64Array(cat.skillIds.length);
  const fails = new Float64Array(cat.skillIds.length);
  for (let l = 0; l < seq.learnerIds.length; l++) {
    const touched: number[] = [];
    let totalWins = 0,
      totalFails = 0;
    memory.clear();
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      const task = seq.task[j]!;
      const y = seq.correct[j]!;
      const before = j - seq.start[l]!;
      f.attemptsBefore[j] = before;
      f.totalWinLog[j] = Math.log1p(totalWins);
      f.totalFailLog[j] = Math.log1p(totalFails);
      if (repeat) {
        const previous = memory.previous(task);
        f.repeatFail[j] = previous === 0 ? 1 : 0;
        f.repeatWin[j] = previous === 1 ? 1 : 0;
      }
      if (taskCounts) {
        const m = memory.find(task);
        f.taskWinLog[j] = m < 0 ? 0 : Math.log1p(memory.wins[m]!);
        f.taskFailLog[j] = m < 0 ? 0 : Math.log1p(memory.fails[m]!);
      }
      memory.record(task, y);
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
        if (lastOutcome) {
          f.slotLastWin[at] = last[k] === 1 ? 1 : 0;
          f.slotLastFail[at] = last[k] === 0 ? 1 : 0;
        }
        if (skillGap && last[k]! >= 0) f.slotGapLog[at] = Math.log1p(before - lastAt[k]! - 1);
        if (skillStreak && Math.abs(run[k]!) >= 2) f.slotRun[at] = runSlot(run[k]!);
        if (skillDecay) f.slotDecay[at] = decayed[k]!;
        if (outcomeByCount && last[k]! >= 0) {
          const countLog = Math.log1p(wins[k]! + fails[k]!);
          if (last[k] === 1) f.slotLastWinCount[at] = countLog;
          else f.slotLastFailCount[at] = countLog;
        }
      }
      for (let s = cat.qStart[task]!; s < cat.qStart[task + 1]!; s++) {
        const k = cat.qSkill[s]!;
        if (wins[k] === 0 && fails[k] === 0 && last[k] === -1) touched.push(k);
        if (y === 1) wins[k]! += cat.qWeight[s]!;
        else fails[k]! += cat.qWeight[s]!;
        last[k] = y;
        lastAt[k] = before;
        run[k] = runAfter(run[k]!, y);
        decayed[k] = decayedAfter(decayed[k]!, y);
      }
      if (y === 1) totalWins++;
      else totalFails++;
    }
    for (const k of touched) {
      wins[k] = fails[k] = run[k] = decayed[k] = 0;
      last[k] = -1;
    }
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
