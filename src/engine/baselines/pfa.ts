/**
 * Performance Factors Analysis (Pavlik, Cen & Koedinger 2009), per skill:
 *
 *   logit P = b + Σ_{k ∈ Q(i)} q_ik · ( β_k + γ_k φ(s_uk) + ρ_k φ(f_uk) )
 *
 * with φ(x) = ln(1 + x) by default (Gervet et al. 2020's scaling; `counts: "raw"` for the original).
 * See `count-logistic.ts` for fitting, state and the never-seen-task rule.
 */
import type { ModelTrainer } from "../types.js";
import { CountLogisticModel, fitCountLogistic, PFA_FEATURES, type CountLogisticParams } from "./count-logistic.js";

export const pfaTrainer: ModelTrainer<CountLogisticParams> = {
  name: "pfa",
  fit: async (data, options) => fitCountLogistic("pfa", PFA_FEATURES, data, options),
};

export const loadPfaModel = (bytes: Uint8Array): CountLogisticModel => CountLogisticModel.load("pfa", bytes);
