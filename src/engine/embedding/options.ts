/**
 * The task embedding's hyper-parameters: one object, with defaults and validation (ts-fsrs style).
 * Every field is documented where it acts: pair labelling in pairs.ts, the network in network.ts,
 * training in train.ts. The defaults were chosen on simulator schools (seeds 1, 2, 7, 21: 200 learners ×
 * 60 attempts, 144 tasks), trading the share of a task's neighbours that share its skill (precision@5
 * 0.57–0.87 against a base rate of 0.075) against how close in difficulty same-skill neighbours are
 * (mean gap 0.63–0.80 of the skill's average), and checked on 2,000 tasks × 1M attempts.
 */
import { mergeOptions, optionChecks } from "../options.js";

export interface EmbeddingOptions {
  /** d, the dimension of the embedding vectors. */
  readonly dimension: number;
  /** Width of the hidden ReLU layer of f_θ. */
  readonly hidden: number;
  /** m, the contrastive margin: "unlike" pairs are pushed at least this far apart. */
  readonly margin: number;
  /** W: two attempts of one learner at most this many attempts apart form a co-attempt. */
  readonly window: number;
  /** A task pair is labelled only with at least this many co-attempts. */
  readonly minCoAttempts: number;
  /** "Alike" needs difficulties at most this far apart (logits, Rasch scale). */
  readonly alikeGap: number;
  /** "Unlike" when difficulties are at least this far apart (logits); between the two: unlabelled. */
  readonly unlikeGap: number;
  /**
   * Z, a threshold on the z-score of the residual correlation: below −Z the pair is "unlike", and
   * "alike" needs ≥ −Z. The default 0.5 reads "the evidence leans towards opposite surprises".
   */
  readonly correlationZ: number;
  /** Upper bound on labelled pairs kept (a seeded uniform sample when there are more). */
  readonly maxPairs: number;
  /** Pairs per optimisation step (half "alike", half "unlike" when both exist). */
  readonly batchSize: number;
  /** Optimisation steps = ceil(epochs · labelled pairs / batchSize), capped by maxSteps. */
  readonly epochs: number;
  /** Hard cap on optimisation steps (bounds training time on large catalogues). */
  readonly maxSteps: number;
  /** Adam learning rate. */
  readonly learningRate: number;
  /**
   * λ_T, the L2 penalty on the per-task vectors T (deviations from what the task's skills predict).
   * Larger: neighbours share skills more strictly; smaller: neighbours follow behaviour (difficulty) more.
   */
  readonly l2Task: number;
  /** Rasch fit: Gaussian prior precision on abilities and difficulties (logits⁻²). */
  readonly raschPrior: number;
  /** Default k of `difficultyPrior`: neighbours averaged. */
  readonly priorNeighbours: number;
}

export const defaultEmbeddingOptions: EmbeddingOptions = Object.freeze({
  dimension: 16,
  hidden: 32,
  margin: 1,
  window: 8,
  minCoAttempts: 3,
  alikeGap: 0.5,
  unlikeGap: 1,
  correlationZ: 0.5,
  maxPairs: 200_000,
  batchSize: 256,
  epochs: 20,
  maxSteps: 3_000,
  learningRate: 0.01,
  l2Task: 4,
  raschPrior: 1,
  priorNeighbours: 5,
});

/** Merges `partial` over the defaults (its EmbeddingOptions fields only) and checks every field; throws EngineError(INVALID_PARAMETERS). */
export function validateEmbeddingOptions(partial: Partial<EmbeddingOptions> = {}): EmbeddingOptions {
  const o = mergeOptions(defaultEmbeddingOptions, partial);
  const { integer, positive, nonNegative, fail } = optionChecks("EmbeddingOptions", o);
  integer("dimension", 1, 1024);
  integer("hidden", 1, 4096);
  integer("window", 1, 1000);
  integer("minCoAttempts", 1);
  integer("maxPairs", 1);
  integer("batchSize", 2);
  integer("maxSteps", 0);
  integer("priorNeighbours", 1);
  positive("margin");
  positive("epochs");
  positive("learningRate");
  positive("raschPrior");
  nonNegative("alikeGap");
  nonNegative("l2Task");
  nonNegative("correlationZ");
  if (typeof o.unlikeGap !== "number" || !Number.isFinite(o.unlikeGap) || o.unlikeGap < o.alikeGap) {
    fail("unlikeGap", o.unlikeGap, `must be a finite number ≥ alikeGap (${o.alikeGap})`);
  }
  return o;
}
