/**
 * The shared batch replay: the fold of `update` over the traces. Models whose update has nothing to
 * gain from a working copy (the baselines) answer `replay` with it; Meta has its own (meta/model.ts),
 * which must agree with this fold exactly (src/engine/replay.test.ts).
 */
import type { KnowledgeModel, LearnerState, Trace } from "./types.js";

export function replayByUpdate(model: KnowledgeModel, state: LearnerState, traces: Iterable<Trace>): LearnerState {
  let s = state;
  for (const trace of traces) s = model.update(s, trace);
  return s;
}
