/**
 * The benchmark protocol: for every attempt of every test learner, predict P(correct) from that learner's
 * earlier attempts only — the fitted model is frozen, the learner's state evolves through `update`.
 */
import { auc, expectedCalibrationError, logLoss, rmse } from "../../src/engine/metrics/index.js";
import type { KnowledgeModel, TrainingSet } from "../../src/engine/types.js";

export interface Predictions {
  readonly p: Float64Array;
  readonly y: Uint8Array;
  /** 1-based position of the attempt in its learner's sequence. */
  readonly position: Int32Array;
}

export function predictTestLearners(model: KnowledgeModel, test: TrainingSet, onProgress?: (f: number) => void): Predictions {
  let n = 0;
  for (const seq of test.sequences.values()) n += seq.length;
  const p = new Float64Array(n), y = new Uint8Array(n), position = new Int32Array(n);
  let i = 0, learners = 0;
  for (const seq of test.sequences.values()) {
    let state = model.initialState();
    seq.forEach((trace, k) => {
      p[i] = model.predict(state, trace.taskId);
      y[i] = trace.correct;
      position[i] = k + 1;
      i++;
      state = model.update(state, trace);
    });
    if (++learners % 50 === 0) onProgress?.(i / n);
  }
  return { p, y, position };
}

export interface ModelScores {
  readonly auc: number;
  readonly auc_all: number;
  readonly rmse: number;
  readonly logloss: number;
  readonly ece: number;
  readonly auc_2_5: number;
  readonly auc_6_10: number;
}

function subset(pred: Predictions, keep: (position: number) => boolean): { p: number[]; y: number[] } {
  const p: number[] = [], y: number[] = [];
  for (let i = 0; i < pred.p.length; i++) {
    if (keep(pred.position[i]!)) {
      p.push(pred.p[i]!);
      y.push(pred.y[i]!);
    }
  }
  return { p, y };
}

/** Headline metrics exclude each learner's first attempt; `auc_all` includes it. */
export function scorePredictions(pred: Predictions): ModelScores {
  const headline = subset(pred, (k) => k >= 2);
  const early = subset(pred, (k) => k >= 2 && k <= 5);
  const later = subset(pred, (k) => k >= 6 && k <= 10);
  return {
    auc: auc(headline.p, headline.y),
    auc_all: auc(pred.p, pred.y),
    rmse: rmse(headline.p, headline.y),
    logloss: logLoss(headline.p, headline.y),
    ece: expectedCalibrationError(headline.p, headline.y),
    auc_2_5: auc(early.p, early.y),
    auc_6_10: auc(later.p, later.y),
  };
}
