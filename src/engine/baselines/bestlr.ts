/**
 * Best-LR in the style of Gervet et al. 2020 ("When is deep learning the best approach to knowledge
 * tracing?"), without their time-window features:
 *
 *   logit P = b + w_i + Σ_{k ∈ Q(i)} q_ik · ( β_k + γ_k φ(s_uk) + ρ_k φ(f_uk) ) + γ φ(S_u) + ρ φ(F_u)
 *
 * item one-hot, skill multi-hot from the Q-matrix, φ(x) = ln(1 + x) of the learner's earlier successes and
 * failures per skill and in total; sparse logistic regression with L2 (λ = 1, scikit-learn's C = 1) by
 * L-BFGS. A task never seen in training has w_i = 0 and is predicted from its skills.
 */
import type { ModelTrainer } from "../types.js";
import { BESTLR_FEATURES, CountLogisticModel, fitCountLogistic, type CountLogisticParams } from "./count-logistic.js";

export const bestLrTrainer: ModelTrainer<CountLogisticParams> = {
  name: "bestlr",
  fit: async (data, options) => fitCountLogistic("bestlr", BESTLR_FEATURES, data, options),
};

export const loadBestLrModel = (bytes: Uint8Array): CountLogisticModel => CountLogisticModel.load("bestlr", bytes);
