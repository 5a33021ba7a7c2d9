/**
 * The engine's public vocabulary. Plain data only: no database, GraphQL or HTTP types.
 *
 * Ids are strings at the boundary (they come from CSV files, the database or the simulator);
 * a fitted model maps them to dense integer indices internally.
 */

/** One observed attempt: learner `learnerId` answered task `taskId`. */
export interface Trace {
  readonly learnerId: string;
  readonly taskId: string;
  /** 1 = correct, 0 = incorrect. */
  readonly correct: 0 | 1;
  /**
   * Epoch milliseconds. Optional: ASSISTments exports have only an order, and the product's models
   * read only the order — so a state rebuild replays stored histories without times (the service
   * would have to read them for a model that used them; persistence/learner/learner-state.store.ts, `historySql`).
   */
  readonly at?: number;
}

/** A skill exercised by a task, with its Q-matrix weight in (0, 1]. */
export interface TaskSkill {
  readonly skillId: string;
  readonly weight: number;
}

/** The static description of a task. */
export interface TaskInfo {
  readonly taskId: string;
  readonly skills: readonly TaskSkill[];
}

/** What the engine knows about the curriculum: tasks with their Q-matrix, and the skill ids. */
export interface Catalog {
  readonly tasks: readonly TaskInfo[];
  readonly skillIds: readonly string[];
}

/** Training input: the catalogue and each training learner's traces in time order. */
export interface TrainingSet {
  readonly catalog: Catalog;
  /** learnerId -> that learner's traces, oldest first. */
  readonly sequences: ReadonlyMap<string, readonly Trace[]>;
}

/** Options shared by every model's fit. Time and randomness are arguments, never ambient. */
export interface FitOptions {
  /** Seed for every random choice (initialisation, shuffling, validation split). */
  readonly seed: number;
  /** Called with a fraction in [0, 1] as training proceeds (progress bars). */
  readonly onProgress?: (fraction: number, message?: string) => void;
  /**
   * Per-learner weights of the training loss (a mitigation of unequal accuracy between groups of learners,
   * e.g. fairness/mitigation.ts `groupBalancedWeights`): learner id → weight > 0, learners absent weigh 1,
   * ids not in the training set are ignored. Each learner's attempts count with its weight in the loss and
   * its gradient, normalised so that the mean weight per training attempt is 1 (the effective learning
   * rate is unchanged; all weights equal is exactly the unweighted fit). The engine never receives the
   * attributes the weights may have been computed from. Honoured by Meta and its ablation; the baselines
   * ignore it.
   */
  readonly learnerWeights?: ReadonlyMap<string, number>;
}

/** Mastery of one skill for one learner: P(correct) on a typical task of the skill, with uncertainty. */
export interface SkillMastery {
  readonly skillId: string;
  /** P(correct) on a typical task of the skill, in (0, 1). */
  readonly p: number;
  /** Standard deviation of that estimate, in probability units. */
  readonly sd: number;
  /** Number of attempts that touched this skill. */
  readonly attempts: number;
}

/**
 * A learner's personal state under one fitted model. Opaque to callers except for
 * `version` (a state is only valid for the model that produced it) and `attempts`.
 * States are plain JSON-serialisable data so that the persistence layer can store them.
 */
export interface LearnerState {
  readonly model: string;
  readonly attempts: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The one interface every model implements: the product's Meta model, its ablation and every
 * baseline. A fitted model is immutable; learner states are values passed in and returned.
 */
export interface KnowledgeModel {
  /** Short stable name: "meta", "ablation", "irt", "elo", "pfa", "bestlr", "bkt". */
  readonly name: string;
  /** The state of a learner never seen before (the prior; φ₀ for Meta). */
  initialState(): LearnerState;
  /** P(correct) of the learner on the task before attempting it. Never NaN. */
  predict(state: LearnerState, taskId: string): number;
  /** P(correct) for many candidate tasks of one learner (the recommendation hot path). */
  predictMany(state: LearnerState, taskIds: readonly string[]): Float64Array;
  /** The learner's state after observing `trace`. Does not mutate `state`. */
  update(state: LearnerState, trace: Trace): LearnerState;
  /**
   * The learner's state after observing `traces` in the order given: exactly the fold of `update`
   * (the same state, number for number, and so the same `mastery` and predictions), computed on a
   * working copy made once instead of a new state per attempt (the rebuild's hot loop).
   *
   * Guarantees: `state` is never mutated (nor anything it references); each trace is read only while it
   * is being applied, so an iterator may hand out one reused object; errors are those `update` would
   * raise on the same trace (an unknown task is UNKNOWN_TASK), thrown with `state` unchanged and no
   * partial result. No traces: a state equal to `state`.
   */
  replay(state: LearnerState, traces: Iterable<Trace>): LearnerState;
  /**
   * Optional: a working copy of `state` that hypothetical attempts update in place (the plan's roll-outs
   * to mastery, recommend/plan.ts), for a model whose states are costly to copy per attempt (Meta: one
   * entry per practised skill). Whatever it is asked, it answers exactly as `predict` and `mastery` on
   * the fold of `update` over the attempts applied, and `state()` is that fold's state (number for
   * number, key for key); `state` is never mutated. Without it, `workingCopyOf` (replay.ts) works
   * through `update`, which is the definition.
   */
  workingCopy?(state: LearnerState): WorkingCopy;
  /** Mastery per skill (all catalogue skills when `skillIds` is omitted). */
  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[];
  /** A versioned binary format: a JSON header and binary weights. */
  serialize(): Uint8Array;
}

/** A learner's state under hypothetical attempts, updated in place (KnowledgeModel.workingCopy). */
export interface WorkingCopy {
  /** KnowledgeModel.predict on the state reached. */
  predict(taskId: string): number;
  /** KnowledgeModel.update, in place; its errors (UNKNOWN_TASK) leave the copy as it was. */
  update(trace: Trace): void;
  /** KnowledgeModel.mastery on the state reached. */
  mastery(skillIds?: readonly string[]): SkillMastery[];
  /** The state reached. The copy is done with: any further call throws (INVALID_PARAMETERS). */
  state(): LearnerState;
}

/** Trains a model of one kind. */
export interface ModelTrainer<Options = unknown> {
  readonly name: string;
  fit(data: TrainingSet, options: FitOptions & Partial<Options>): Promise<KnowledgeModel>;
}
