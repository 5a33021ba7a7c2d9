/**
 * The shared batch replay: the fold of `update` over the traces. Models whose update has nothing to
 * gain from a working copy (the baselines) answer `replay` with it; Meta has its own (meta/model.ts),
 * which must agree with this fold exactly (src/engine/replay.test.ts). Likewise the working copy of
 * hypothetical attempts (KnowledgeModel.workingCopy): the model's own, or the fold of `update` here.
 */
import { EngineError, EngineErrorCode } from "./errors.js";
import type { KnowledgeModel, LearnerState, Trace, WorkingCopy } from "./types.js";

export function replayByUpdate(model: KnowledgeModel, state: LearnerState, traces: Iterable<Trace>): LearnerState {
  let s = state;
  for (const trace of traces) s = model.update(s, trace);
  return s;
}

/** Throws once a working copy has handed out its state (KnowledgeModel.workingCopy's contract). */
export function checkLive(done: boolean): void {
  if (done) throw new EngineError(EngineErrorCode.InvalidParameters, "a working copy was used after its state() was taken");
}

/** The model's working copy of `state`, or one that folds `update` (the definition) when it has none. */
export function workingCopyOf(model: KnowledgeModel, state: LearnerState): WorkingCopy {
  if (model.workingCopy) return model.workingCopy(state);
  let current = state;
  let done = false;
  return {
    predict(taskId) {
      checkLive(done);
      return model.predict(current, taskId);
    },
    update(trace) {
      checkLive(done);
      current = model.update(current, trace);
    },
    mastery(skillIds) {
      checkLive(done);
      return model.mastery(current, skillIds);
    },
    state() {
      checkLive(done);
      done = true;
      return current;
    },
  };
}
