/**
 * Every model the engine can train, by name, and `loadModel` for any serialised model file: the file's
 * header names its model and the matching loader rebuilds it.
 */
import { EngineError, EngineErrorCode } from "./errors.js";
import { decodeModel } from "./serialization.js";
import type { KnowledgeModel, ModelTrainer } from "./types.js";
import { irtTrainer, loadIrtModel } from "./baselines/irt.js";
import { eloTrainer, loadEloModel } from "./baselines/elo.js";
import { pfaTrainer, loadPfaModel } from "./baselines/pfa.js";
import { bestLrTrainer, loadBestLrModel } from "./baselines/bestlr.js";
import { bktTrainer, bktForgettingTrainer, loadBktModel } from "./baselines/bkt.js";
import { ablationTrainer, loadMetaModel, metaTrainer } from "./meta/index.js";

/**
 * The trainers by name: the product's Meta model and its ablation, then the baselines. "bkt-forget" is
 * BKT with a learnt forgetting probability per knowledge component.
 */
export const trainers: Readonly<Record<string, ModelTrainer>> = {
  meta: metaTrainer as ModelTrainer,
  ablation: ablationTrainer as ModelTrainer,
  irt: irtTrainer as ModelTrainer,
  elo: eloTrainer as ModelTrainer,
  pfa: pfaTrainer as ModelTrainer,
  bestlr: bestLrTrainer as ModelTrainer,
  bkt: bktTrainer as ModelTrainer,
  "bkt-forget": bktForgettingTrainer as ModelTrainer,
};

const loaders: Readonly<Record<string, (bytes: Uint8Array) => KnowledgeModel>> = {
  meta: (bytes) => loadMetaModel(decodeModel(bytes)),
  ablation: (bytes) => loadMetaModel(decodeModel(bytes)),
  irt: loadIrtModel,
  elo: loadEloModel,
  pfa: loadPfaModel,
  bestlr: loadBestLrModel,
  bkt: loadBktModel,
  "bkt-forget": loadBktModel,
};

/**
 * Rebuilds a model from its file. Damaged or foreign files give CORRUPT_MODEL / UNSUPPORTED_FORMAT (from
 * the file format); a file of a model this registry does not know gives UNSUPPORTED_FORMAT.
 */
export function loadModel(bytes: Uint8Array): KnowledgeModel {
  const { model } = decodeModel(bytes); // validates magic, version and checksum first
  const load = loaders[model];
  if (!load) throw new EngineError(EngineErrorCode.UnsupportedFormat, `no loader for a model named ${JSON.stringify(model)}`, { model });
  return load(bytes);
}
