import { EngineError, EngineErrorCode } from "../errors.js";
import type { LearnerState } from "../types.js";

/** Throws STATE_MISMATCH unless `state` was produced by the model named `model`. */
export function checkState(state: LearnerState, model: string): void {
  if (!state || state.model !== model || typeof state.data !== "object" || state.data === null) {
    throw new EngineError(EngineErrorCode.StateMismatch, `a learner state of model ${String(state?.model)} was given to model ${model}`, {
      expected: model,
      got: state?.model,
    });
  }
}

/** Throws INVALID_DATA unless the trace's outcome is 0 or 1. */
export function checkOutcome(correct: unknown): asserts correct is 0 | 1 {
  if (correct !== 0 && correct !== 1) throw new EngineError(EngineErrorCode.InvalidData, `outcome ${String(correct)} is not 0 or 1`);
}

/** Reads a finite number from a state record, with a default. */
export const num = (x: unknown, fallback: number): number => (typeof x === "number" && Number.isFinite(x) ? x : fallback);
