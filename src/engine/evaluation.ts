/**
 * The evaluation protocol shared by the benchmark and the nightly retraining (one definition): for
 * every attempt of every held-out learner, predict P(correct) from that learner's earlier attempts
 * only — the fitted model frozen, the learner's state evolving through `update`. Headline figures
 * exclude each learner's first attempt; cold start is AUC over attempts 2–5 and 6–10.
 *
 * Several models are compared on exactly the same attempts: an attempt on a task one of them does not
 * know (a task created after it was trained) is left out for all of them.
 */
import { auc, expectedCalibrationError, logLoss, rmse } from "./metrics/index.js";
import { EngineError, EngineErrorCode } from "./errors.js";
import type { KnowledgeModel, Trace } from "./types.js";

export interface Predictions {
  readonly p: Float64Array;
  readonly y: Uint8Array;
  /** 1-based position of the attempt in its learner's sequence. */
  readonly position: Int32Array;
  /** The attempt's learner: 0-based index in the iteration order of the sequences predicted. */
  readonly learner: Int32Array;
}

export interface Scores {
  /** Headline: attempts 2.. of each learner. NaN when a subset has one class only. */
  readonly auc: number;
  readonly auc_all: number;
  readonly rmse: number;
  readonly logloss: number;
  readonly ece: number;
  readonly auc_2_5: number;
  readonly auc_6_10: number;
  /** Attempts scored (headline subset). */
  readonly attempts: number;
}

const knows = (model: KnowledgeModel, state: ReturnType<KnowledgeModel["initialState"]>, taskId: string): boolean => {
  try {
    model.predict(state, taskId);
    return true;
  } catch (e) {
    if (e instanceof EngineError && e.code === EngineErrorCode.UnknownTask) return false;
    throw e;
  }
};

/** Predictions of each model on the same attempts of `sequences` (see the module comment). */
export function predictSequences(
  models: readonly KnowledgeModel[],
  sequences: ReadonlyMap<string, readonly Trace[]>,
  onProgress?: (fraction: number) => void,
): Predictions[] {
  let n = 0;
  for (const seq of sequences.values()) n += seq.length;
  const out = models.map(() => ({ p: new Float64Array(n), y: new Uint8Array(n), position: new Int32Array(n), learner: new Int32Array(n) }));
  const known = new Map<string, boolean>();
  const probe = models.map((m) => m.initialState());
  const allKnow = (taskId: string) => {
    let k = known.get(taskId);
    if (k === undefined) {
      k = models.every((m, i) => knows(m, probe[i]!, taskId));
      known.set(taskId, k);
    }
    return k;
  };
  let i = 0;
  let learners = 0;
  for (const seq of sequences.values()) {
    const states = models.map((m) => m.initialState());
    let position = 0;
    for (const trace of seq) {
      if (!allKnow(trace.taskId)) continue;
      position++;
      models.forEach((m, j) => {
        out[j]!.p[i] = m.predict(states[j]!, trace.taskId);
        out[j]!.y[i] = trace.correct;
        out[j]!.position[i] = position;
        out[j]!.learner[i] = learners;
        states[j] = m.update(states[j]!, trace);
      });
      i++;
    }
    if (++learners % 50 === 0) onProgress?.(learners / sequences.size);
  }
  return out.map((o) => ({
    p: o.p.subarray(0, i),
    y: o.y.subarray(0, i),
    position: o.position.subarray(0, i),
    learner: o.learner.subarray(0, i),
  }));
}

function subset(pred: Predictions, keep: (position: number) => boolean): { p: number[]; y: number[] } {
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < pred.p.length; i++) {
    if (keep(pred.position[i]!)) {
      p.push(pred.p[i]!);
      y.push(pred.y[i]!);
    }
  }
  return { p, y };
}

const orNaN = (f: () => number): number => {
  try {
    return f();
  } catch (e) {
    if (e instanceof EngineError && e.code === EngineErrorCode.InvalidParameters) return NaN; // empty subset
    throw e;
  }
};

export function scorePredictions(pred: Predictions): Scores {
  const headline = subset(pred, (k) => k >= 2);
  const early = subset(pred, (k) => k >= 2 && k <= 5);
  const later = subset(pred, (k) => k >= 6 && k <= 10);
  return {
    auc: orNaN(() => auc(headline.p, headline.y)),
    auc_all: orNaN(() => auc(pred.p, pred.y)),
    rmse: orNaN(() => rmse(headline.p, headline.y)),
    logloss: orNaN(() => logLoss(headline.p, headline.y)),
    ece: orNaN(() => expectedCalibrationError(headline.p, headline.y)),
    auc_2_5: orNaN(() => auc(early.p, early.y)),
    auc_6_10: orNaN(() => auc(later.p, later.y)),
    attempts: headline.p.length,
  };
}
