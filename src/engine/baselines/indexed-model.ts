/**
 * What the baselines share: a model over the catalogue's dense indices whose prediction is a function of
 * the decoded learner state and the task's index. The read path (decode the state once, then one
 * probability per task) and the batch replay (the fold of `update`) are written here once; a baseline
 * supplies `decode` and `probability`.
 */
import type { CatalogIndex } from "../catalog-index.js";
import { replayByUpdate } from "../replay.js";
import type { KnowledgeModel, LearnerState, SkillMastery, Trace } from "../types.js";

export abstract class IndexedModel<S> implements KnowledgeModel {
  abstract readonly name: string;
  abstract readonly catalog: CatalogIndex;

  /** The learner's state as the model reads it; STATE_MISMATCH when another model made it. */
  protected abstract decode(state: LearnerState): S;
  /** P(correct) on the task of dense index `task`, never NaN. */
  protected abstract probability(s: S, task: number): number;

  abstract initialState(): LearnerState;
  abstract update(state: LearnerState, trace: Trace): LearnerState;
  abstract mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[];
  abstract serialize(): Uint8Array;

  predict(state: LearnerState, taskId: string): number {
    return this.probability(this.decode(state), this.catalog.task(taskId));
  }

  predictMany(state: LearnerState, taskIds: readonly string[]): Float64Array {
    const s = this.decode(state);
    const out = new Float64Array(taskIds.length);
    for (let i = 0; i < taskIds.length; i++) out[i] = this.probability(s, this.catalog.task(taskIds[i]!));
    return out;
  }

  /** The fold of `update` (KnowledgeModel.replay): baseline states are small, a working copy would gain little. */
  replay(state: LearnerState, traces: Iterable<Trace>): LearnerState {
    return replayByUpdate(this, state, traces);
  }
}
