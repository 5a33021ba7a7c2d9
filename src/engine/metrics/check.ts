import { EngineError, EngineErrorCode } from "../errors.js";

/** Every metric takes predictions and 0/1 outcomes of the same, non-zero length. */
export function checkPairs(predictions: ArrayLike<number>, outcomes: ArrayLike<number>, metric: string): void {
  if (predictions.length !== outcomes.length) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `${metric}: ${predictions.length} predictions but ${outcomes.length} outcomes`,
    );
  }
  if (predictions.length === 0) throw new EngineError(EngineErrorCode.InvalidParameters, `${metric}: no predictions`);
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]!;
    if (!(p >= 0 && p <= 1))
      throw new EngineError(EngineErrorCode.InvalidParameters, `${metric}: prediction ${i} is ${p}, not a probability`);
  }
}
