/**
 * The per-task strength of the Gaussian prior on the task offsets (MetaOptions.l2Task,
 * MetaOptions.taskInfluenceLearners): the penalty λ_i · e_i² (scaled per training attempt in train.ts).
 *
 * Why: in a small school each task offset e_i is fitted from few learners, and a learner's own answers
 * move the offsets that then predict them — a membership-inference attack reads exactly that (LiRA's
 * signal-to-noise per learner grows like √(Σ_i m_ui / n_i): the learner's attempts on a task over the
 * task's attempts, whatever the uniform shrinkage). Bounding each learner's share of an offset's
 * information bounds that influence, and does it where the task has few learners, leaving well-attempted
 * tasks to the plain prior.
 *
 * In the quadratic approximation of the loss around e_i, with every attempt at the largest curvature of
 * a Bernoulli log loss (1/4) and a learner's attempts on task i at the task's mean n_i / L_i, one learner
 * carries (n_i / L_i)/4 of the offset's total precision n_i/4 + 2λ_i. Asking that share to be at most
 * 1/κ (κ = taskInfluenceLearners: the offset weighs at least as much as κ learners) gives
 *
 *   λ_i = max(l2Task, (κ − L_i) · (n_i / L_i) / 8)
 *
 * where n_i is the training attempts on task i and L_i the distinct training learners who attempted it
 * (the fit learners, not the early-stopping ones; unweighted counts). κ = 0 (the default) is the plain
 * prior λ_i = l2Task; a task no learner attempted keeps l2Task (it has no gradient; fillUnseen sets it).
 */
import type { EncodedSequences } from "./catalog.js";
import type { MetaOptions } from "./options.js";

export function taskPriorPrecision(
  taskCount: number,
  seq: EncodedSequences,
  options: Pick<MetaOptions, "l2Task" | "taskInfluenceLearners">,
): Float64Array {
  const out = new Float64Array(taskCount).fill(options.l2Task);
  const kappa = options.taskInfluenceLearners;
  if (kappa === 0) return out;
  const attempts = new Float64Array(taskCount);
  const learners = new Float64Array(taskCount);
  const lastLearner = new Int32Array(taskCount).fill(-1);
  for (let l = 0; l < seq.learnerIds.length; l++) {
    for (let j = seq.start[l]!; j < seq.start[l + 1]!; j++) {
      const i = seq.task[j]!;
      attempts[i]!++;
      if (lastLearner[i] !== l) {
        lastLearner[i] = l;
        learners[i]!++;
      }
    }
  }
  for (let i = 0; i < taskCount; i++) {
    if (learners[i]! === 0) continue;
    out[i] = Math.max(options.l2Task, ((kappa - learners[i]!) * (attempts[i]! / learners[i]!)) / 8);
  }
  return out;
}
