/**
 * The Meta model: a meta-learned (Meta-SGD) learner model, and its ablation. See equations.ts for the
 * model, the online update and the meta-gradient.
 */
import type { ModelFile } from "../serialization.js";
import type { KnowledgeModel, ModelTrainer } from "../types.js";
import { loadMetaModel as load, MetaModel } from "./model.js";
import type { MetaOptions } from "./options.js";
import { trainMeta } from "./train.js";
import { guaranteeOf } from "./dp-sgd.js";

export { defaultMetaOptions, validateMetaOptions, type MetaOptions } from "./options.js";
export { MetaModel, loadMetaModelBytes } from "./model.js";
export type { TrainingReport, MetaKind } from "./train.js";
export type { PrivacyGuarantee, PrivacyReport } from "./dp-sgd.js";
export { defaultPrivacyOptions, type MetaPrivacyOptions } from "./options.js";
export { NEW_TASKS_OFF, type NewTaskParams, type TaskState, checkTaskState } from "./new-tasks.js";
export { START_KINDS, startSummary, type StartChoice, type StartKind, type StartCandidate } from "./start-guard.js";

/** The product's model: shared parameters, φ₀, per-coordinate steps α and their count decay, meta-learned. */
export const metaTrainer: ModelTrainer<MetaOptions> = {
  name: "meta",
  async fit(data, options) {
    const t = await trainMeta("meta", data, options);
    return new MetaModel("meta", t.catalog, t.params, t.options, t.report, t.start, guaranteeOf(t.report.privacy), t.newTasks);
  },
};

/**
 * The ablation: the same model with φ₀ = 0 and one fixed step (`ablationStep`, no count decay). Its shared
 * parameters are, by default, pre-trained as a plain logistic model without adaptation and the fixed step
 * is applied in use ("pre-train, then fine-tune": no meta-learning at all); `ablationTraining: "unrolled"`
 * trains them through the same unrolled loss as Meta instead (only φ₀ and α are then not meta-learned).
 */
export const ablationTrainer: ModelTrainer<MetaOptions> = {
  name: "ablation",
  async fit(data, options) {
    const t = await trainMeta("ablation", data, options);
    return new MetaModel("ablation", t.catalog, t.params, t.options, t.report, undefined, guaranteeOf(t.report.privacy));
  },
};

/** Loads a model file (as returned by decodeModel) of kind "meta" or "ablation". */
export function loadMetaModel(file: ModelFile): KnowledgeModel {
  return load(file);
}
