/**
 * Episodic meta-training of the new-task parameters (new-tasks.ts): hold a share of the training set's
 * tasks out as if they were new, predict their attempts as a real new task's would be predicted, and fit
 * (m, w, α, β) to the log loss of those attempts with the task's offset moving online in time order.
 *
 * An episode is one held-out task: its attempts by every training learner, ordered by time (`at`, when
 * every trace has one; else by the attempt's position in its learner's sequence, learners interleaved —
 * ASSISTments exports have no clock). Its prior ē_i is what the fallback gives a task the training did
 * not see (unseen.ts: its skills' mean offset without it, and a skill none of whose tasks is left gets the
 * mean skill's parameters), and the learners' logits z_base are the model's with that prior.
 *
 * One approximation keeps the fit cheap: z_base is computed once, by one replay of the learners with the
 * prior offsets, and the fit then varies only the task's term, z = z_base − ē_i + e_i⁽ⁿ⁾. In use the
 * learner's own update sees the adapted offset too (MetaModel.updateNewTask); here its residuals on
 * the held-out tasks are those of the prior. The loss is then a function of four numbers over the
 * episodes' attempts, minimised by coordinate-wise golden-section search (deterministic).
 *
 * The shared parameters were trained on these learners, the held-out tasks' attempts included: their
 * skills' parameters have seen the tasks, so the episodes are somewhat easier than a truly new task
 * (the benchmark, bench/kt-new-tasks.ts, holds tasks out of training entirely).
 */
import { sigmoid } from "../math.js";
import type { Rng } from "../math.js";
import type { CatalogIndex } from "../catalog-index.js";
import type { Trace } from "../types.js";
import type { EncodedSequences } from "./catalog.js";
import { DenseLearner } from "./dense-learner.js";
import { clampLogit, type HistoryShape, type MetaParams } from "./equations.js";
import { NEW_TASKS_OFF, type NewTaskParams } from "./new-tasks.js";
import { fillUnseen, trainedTasks } from "./unseen.js";

/** The episodes' attempts, grouped by task (episode e: attempts [start[e], start[e+1])), each in time order. */
export interface NewTaskEpisodes {
  readonly start: Int32Array;
  /** ē per episode: the prior offset the logits were computed with. */
  readonly prior: Float64Array;
  /** z_base per attempt. */
  readonly logit: Float64Array;
  readonly correct: Uint8Array;
}

/** An attempt on a held-out task, as collected from a replay. */
export interface EpisodeAttempt {
  readonly task: number;
  /** Its place in time (smaller first; ties keep collection order). */
  readonly order: number;
  readonly logit: number;
  readonly correct: 0 | 1;
}

/**
 * An episode keeps its task's first attempts only: what a new task's prior and early steps are for (the step
 * is extrapolated beyond), and a bound on the fit's time where tasks have thousands of attempts.
 */
export const EPISODE_ATTEMPTS = 100;

/** Groups collected attempts into episodes (the first EPISODE_ATTEMPTS of each task); `prior[task]` is the prior offset of each held-out task. */
export function groupEpisodes(attempts: readonly EpisodeAttempt[], prior: ArrayLike<number>): NewTaskEpisodes {
  const sorted = attempts.map((_, i) => i);
  sorted.sort((a, b) => attempts[a]!.task - attempts[b]!.task || attempts[a]!.order - attempts[b]!.order || a - b);
  const idx = sorted.filter((i, n) => n < EPISODE_ATTEMPTS || attempts[sorted[n - EPISODE_ATTEMPTS]!]!.task !== attempts[i]!.task);
  const starts: number[] = [];
  const priors: number[] = [];
  const logit = new Float64Array(idx.length);
  const correct = new Uint8Array(idx.length);
  idx.forEach((i, n) => {
    const a = attempts[i]!;
    if (n === 0 || attempts[idx[n - 1]!]!.task !== a.task) {
      starts.push(n);
      priors.push(prior[a.task]!);
    }
    logit[n] = a.logit;
    correct[n] = a.correct;
  });
  starts.push(idx.length);
  return { start: Int32Array.from(starts), prior: Float64Array.from(priors), logit, correct };
}

/** Mean log loss of the episodes' attempts predicted online with new-task parameters `p`. */
export function episodeLoss(p: Pick<NewTaskParams, "shift" | "skillWeight" | "step" | "decay">, ep: NewTaskEpisodes): number {
  let sum = 0;
  const E = ep.prior.length;
  for (let e = 0; e < E; e++) {
    const prior = ep.prior[e]!;
    let offset = p.shift + p.skillWeight * prior;
    for (let j = ep.start[e]!, n = 0; j < ep.start[e + 1]!; j++, n++) {
      const prob = sigmoid(clampLogit(ep.logit[j]! - prior + offset));
      const y = ep.correct[j]!;
      sum -= Math.log(Math.max(1e-12, y === 1 ? prob : 1 - prob));
      offset += (p.step / (1 + p.decay * n)) * (y - prob);
    }
  }
  return sum / Math.max(1, ep.logit.length);
}

/** The search box: m, w, ln α, ln β. */
const BOUNDS: readonly (readonly [number, number])[] = [
  [-3, 3],
  [0, 2],
  [Math.log(1e-4), Math.log(5)],
  [Math.log(1e-4), Math.log(20)],
];
const SWEEPS = 3;
const GOLDEN_STEPS = 20;

/** Minimises episodeLoss over (m, w, α, β): golden-section search on each in turn, SWEEPS times. */
export function fitNewTaskParams(ep: NewTaskEpisodes): NewTaskParams {
  const episodeTasks = ep.prior.length;
  if (ep.logit.length === 0) return NEW_TASKS_OFF;
  const x = [0, 1, Math.log(0.1), Math.log(0.1)];
  const params = (v: readonly number[]) => ({ shift: v[0]!, skillWeight: v[1]!, step: Math.exp(v[2]!), decay: Math.exp(v[3]!) });
  const loss = (v: readonly number[]) => episodeLoss(params(v), ep);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (let c = 0; c < x.length; c++) {
      const at = (t: number) => loss(x.map((v, i) => (i === c ? t : v)));
      let [a, b] = BOUNDS[c]!;
      let u = b - g * (b - a),
        v = a + g * (b - a);
      let fu = at(u),
        fv = at(v);
      for (let s = 0; s < GOLDEN_STEPS; s++) {
        if (fu <= fv) {
          b = v;
          v = u;
          fv = fu;
          u = b - g * (b - a);
          fu = at(u);
        } else {
          a = u;
          u = v;
          fu = fv;
          v = a + g * (b - a);
          fv = at(v);
        }
      }
      // Keep the current value unless the search found better (the loss need not be unimodal in a coordinate).
      const best = fu <= fv ? u : v;
      if (Math.min(fu, fv) < loss(x)) x[c] = best;
    }
  }
  return { ...params(x), episodeTasks, episodeAttempts: ep.logit.length };
}

/**
 * Each encoded attempt's place in time: its trace's `at` when every trace has one, else its position in
 * its learner's sequence (module comment). `sequences` and `learnerIds` are those `seq` was encoded from.
 */
export function attemptOrder(sequences: ReadonlyMap<string, readonly Trace[]>, seq: EncodedSequences): Float64Array {
  const order = new Float64Array(seq.task.length);
  let timed = true;
  for (const id of seq.learnerIds) for (const t of sequences.get(id) ?? []) if (!Number.isFinite(t.at)) timed = false;
  seq.learnerIds.forEach((id, l) => {
    const traces = sequences.get(id) ?? [];
    for (let j = seq.start[l]!, n = 0; j < seq.start[l + 1]!; j++, n++) order[j] = timed ? traces[n]!.at! : n;
  });
  return order;
}

/**
 * The Meta model's episodes: a seeded `holdout` share of the tasks `seq` attempts are held out (their
 * prior offsets and unseen skills' parameters filled as for a task the training did not see), and every
 * learner of `seq` replayed with those parameters; the held-out tasks' attempts are collected.
 */
export function metaEpisodes(
  params: MetaParams,
  cat: CatalogIndex,
  history: HistoryShape,
  seq: EncodedSequences,
  order: Float64Array,
  holdout: number,
  rng: Rng,
): NewTaskEpisodes {
  const seen = trainedTasks(cat, seq);
  const candidates: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i]) candidates.push(i);
  const held = new Uint8Array(cat.taskIds.length);
  for (const i of rng.shuffle(candidates).slice(0, Math.round(holdout * candidates.length))) held[i] = 1;
  const kept = seen.map((s, i) => (s && !held[i] ? 1 : 0));
  const p: MetaParams = {
    ...params,
    taskOffset: params.taskOffset.slice(),
    skillEase: params.skillEase.slice(),
    skillWin: params.skillWin.slice(),
    skillFail: params.skillFail.slice(),
    phi0: params.phi0.slice(),
    alpha: params.alpha.slice(),
  };
  fillUnseen(p, cat, kept);
  const learner = new DenseLearner(cat, history);
  const attempts: EpisodeAttempt[] = [];
  for (let l = 0; l < seq.learnerIds.length; l++) {
    learner.reset(p);
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      const task = seq.task[j]!;
      const y = seq.correct[j]! as 0 | 1;
      const z = learner.logit(p, task);
      if (held[task]) attempts.push({ task, order: order[j]!, logit: z, correct: y });
      learner.observe(p, task, y, sigmoid(z));
    }
  }
  return groupEpisodes(attempts, p.taskOffset);
}
