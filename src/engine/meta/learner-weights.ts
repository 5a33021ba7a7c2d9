/**
 * Per-learner loss weights (FitOptions.learnerWeights) turned into per-attempt weights of Meta's
 * training loss. A learner l with n_l attempts and weight w_l (1 when absent) gives each of its attempts
 *
 *   w'_l = w_l · N / Σ_m n_m · w_m,   N = Σ_m n_m,
 *
 * so that the mean weight per attempt is 1: the loss keeps its scale and the optimiser its effective
 * learning rate, and equal weights are exactly the unweighted loss (w'_l = 1 bit for bit).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { EncodedSequences } from "./catalog.js";

/** Throws INVALID_PARAMETERS unless every weight is a finite number > 0. */
export function checkLearnerWeights(weights: ReadonlyMap<string, number> | undefined): void {
  if (weights === undefined) return;
  if (!(weights instanceof Map))
    throw new EngineError(EngineErrorCode.InvalidParameters, "learnerWeights must be a Map of learner id → weight");
  for (const w of weights.values()) {
    if (typeof w !== "number" || !Number.isFinite(w) || w <= 0) {
      throw new EngineError(
        EngineErrorCode.InvalidParameters,
        `learnerWeights: the weight of a learner must be a finite number > 0 (got ${String(w)})`,
        {
          name: "learnerWeights",
          value: w,
        },
      );
    }
  }
}

/** Each attempt's normalised weight w'_l (index j of `seq`), or undefined without weights (the unweighted loss). */
export function attemptWeights(seq: EncodedSequences, weights: ReadonlyMap<string, number> | undefined): Float64Array | undefined {
  if (weights === undefined) return undefined;
  const n = seq.task.length;
  let weighted = 0;
  for (let l = 0; l < seq.learnerIds.length; l++) weighted += (seq.start[l + 1]! - seq.start[l]!) * (weights.get(seq.learnerIds[l]!) ?? 1);
  const out = new Float64Array(n);
  if (n === 0) return out;
  for (let l = 0; l < seq.learnerIds.length; l++) {
    const w = ((weights.get(seq.learnerIds[l]!) ?? 1) * n) / weighted;
    out.fill(w, seq.start[l]!, seq.start[l + 1]!);
  }
  return out;
}
