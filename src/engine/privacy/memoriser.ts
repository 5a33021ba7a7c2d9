/**
 * A deliberately over-fitted model: the positive control of the membership audit (a memorising model
 * must fail it, or the audit proves nothing). It wraps a trained model and adds ONE personal parameter
 * per training learner u — a logit offset b_u fitted, with no prior, to u's own training answers:
 *
 *   p(u, i) = σ(logit p_base(u, i) + b_u),   b_u = argmin_b Σ_{t ∈ train(u)} ℓ(y_t, σ(logit p_t + b))
 *
 * (Newton's method on the one-dimensional convex log loss, clamped to ±`maxOffset`). A learner it was
 * not trained on gets b = 0: the base model's predictions. The learner is known from the first attempt
 * it observes (a state carries the id from then on), so a learner's first prediction is the base's.
 * Not serialisable: it exists to be audited.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { predictSequences } from "../evaluation.js";
import { logit, sigmoid } from "../math.js";
import type { KnowledgeModel, LearnerState, Trace, TrainingSet } from "../types.js";

interface MemoData {
  readonly inner: LearnerState;
  readonly offset: number;
}

/** Each training learner's offset b_u (see the module comment). */
function fitOffsets(base: KnowledgeModel, set: TrainingSet, maxOffset: number): Map<string, number> {
  const ids = [...set.sequences.keys()];
  const pred = predictSequences([base], set.sequences)[0]!;
  const offsets = new Map<string, number>();
  let start = 0;
  for (let u = 0; u < ids.length; u++) {
    let end = start;
    while (end < pred.learner.length && pred.learner[end] === u) end++;
    let b = 0;
    for (let iter = 0; iter < 25; iter++) {
      let grad = 0;
      let hess = 1e-9;
      for (let t = start; t < end; t++) {
        const p = sigmoid(logit(pred.p[t]!) + b);
        grad += p - pred.y[t]!;
        hess += p * (1 - p);
      }
      const step = grad / hess;
      b = Math.max(-maxOffset, Math.min(maxOffset, b - step));
      if (Math.abs(step) < 1e-9) break;
    }
    offsets.set(ids[u]!, b);
    start = end;
  }
  return offsets;
}

/** `base` plus one fitted offset per learner of `trained` (see the module comment). */
export function memorisingModel(base: KnowledgeModel, trained: TrainingSet, maxOffset = 6): KnowledgeModel {
  const offsets = fitOffsets(base, trained, maxOffset);
  const tag = `memoriser:${base.name}`;
  const read = (state: LearnerState): MemoData => {
    if (state.model !== tag)
      throw new EngineError(EngineErrorCode.StateMismatch, `learner state belongs to model ${state.model}, not ${tag}`);
    return state.data as unknown as MemoData;
  };
  const wrap = (inner: LearnerState, offset: number): LearnerState => ({
    model: tag,
    attempts: inner.attempts,
    data: { inner, offset },
  });
  const shift = (p: number, offset: number) => (offset === 0 ? p : sigmoid(logit(p) + offset));
  return {
    name: tag,
    initialState: () => wrap(base.initialState(), 0),
    predict: (state, taskId) => {
      const d = read(state);
      return shift(base.predict(d.inner, taskId), d.offset);
    },
    predictMany: (state, taskIds) => {
      const d = read(state);
      return base.predictMany(d.inner, taskIds).map((p) => shift(p, d.offset));
    },
    update: (state: LearnerState, trace: Trace) => wrap(base.update(read(state).inner, trace), offsets.get(trace.learnerId) ?? 0),
    replay: (state, traces) => {
      let s = state;
      for (const t of traces) s = wrap(base.update(read(s).inner, t), offsets.get(t.learnerId) ?? 0);
      return s;
    },
    mastery: (state, skillIds) => base.mastery(read(state).inner, skillIds),
    serialize: () => {
      throw new EngineError(EngineErrorCode.InvalidParameters, "a memorising model exists to be audited: it is not serialisable");
    },
  };
}
