import { EngineError, EngineErrorCode } from "../errors.js";
import { mergeOptions, optionChecks } from "../options.js";

/** Everything the synthetic school is drawn from. Every field has a default (`DEFAULT_SIMULATOR_PARAMS`). */
export interface SimulatorParams {
  /** Number of skills. Up to 16 take the fractions curriculum; more are appended with generated names. */
  readonly skills: number;
  /** Tasks per skill (each task's primary skill). */
  readonly tasksPerSkill: number;
  /** Fraction of tasks that also exercise a second skill (a prerequisite of their primary skill). */
  readonly multiSkillFraction: number;
  /** Number of learners. */
  readonly learners: number;
  /** Each learner makes between min and max attempts (uniform). */
  readonly attemptsPerLearner: readonly [number, number];
  /** Standard deviation of a task's true difficulty around its skill's difficulty (logits). */
  readonly taskDifficultySd: number;
  /** Skills later in the curriculum are harder: skill difficulty = spread · (position/(skills−1) − ½) + N(0, 0.3²). */
  readonly skillDifficultySpread: number;
  /** Standard deviation of the learners' hidden general ability (logits). */
  readonly abilitySd: number;
  /** Standard deviation of a learner's per-skill ability around their general ability (logits). */
  readonly skillAbilitySd: number;
  /** Mean of the learners' learning rate: the logit gain on a skill per practice attempt. */
  readonly learningRateMean: number;
  /** Standard deviation of the learning rate (drawn log-normally around the mean). */
  readonly learningRateSd: number;
  /**
   * How much prerequisites matter: a skill's learning gain is multiplied by its prerequisites' mean
   * mastery raised to this power (0 = prerequisites do not matter).
   */
  readonly prerequisiteStrength: number;
  /** Learning saturates: the gain per attempt shrinks as 1 / (1 + practice / saturation). */
  readonly saturation: number;
  /** A wrong answer teaches this fraction of what a right one does. */
  readonly learningFromErrors: number;
  /** Group names and their shares (shares are normalised). */
  readonly groups: Readonly<Record<string, number>>;
  /** Injected bias: a logit offset added to the general ability of every member of a group (fairness tests). */
  readonly groupAbilityOffset: Readonly<Record<string, number>>;
  /**
   * Noisier answers (fairness tests): with probability slip_g, a member of group g answers at random (a
   * fair coin) instead of from their level, so P(correct) = (1 − slip_g) · σ(level − difficulty) + slip_g / 2.
   * In [0, 1]; absent: 0. The attempt's `pCorrect` is that noisy probability (an oracle stays calibrated);
   * learning and the truth's levels and mastery are unaffected.
   */
  readonly groupSlip: Readonly<Record<string, number>>;
  /**
   * Fewer (or more) attempts (fairness tests): a member of group g makes max(1, round(scale_g · n)) attempts,
   * n the count drawn from `attemptsPerLearner`. > 0; absent: 1.
   */
  readonly groupAttemptsScale: Readonly<Record<string, number>>;
  /** Probability that a learner leaves the curriculum order for a random unlocked skill (review, curiosity). */
  readonly exploration: number;
  /** A learner moves on from a skill after this many attempts on it… */
  readonly minPracticePerSkill: number;
  /** …once the last `minPracticePerSkill` attempts reach this success rate, or after `maxPracticePerSkill`. */
  readonly moveOnSuccessRate: number;
  readonly maxPracticePerSkill: number;
  /** Attempts per study session; sessions are a day apart. */
  readonly attemptsPerSession: number;
  /**
   * Retries: after a wrong answer, the learner's next attempt is the same task again with this
   * probability (tutoring systems that let a learner retry a failed problem at once). 0 (the default)
   * draws nothing, so schools drawn before this option are unchanged.
   */
  readonly retryAfterFailure: number;
  /**
   * Where learners start the curriculum: "first" (the default: every learner at its first skill) or
   * "anywhere" (each at a random skill, as when a school joins mid-way or learners skip what they know;
   * every skill before it counts as reached for reviews). "first" draws nothing.
   */
  readonly curriculumStart: "first" | "anywhere";
}

export const DEFAULT_SIMULATOR_PARAMS: SimulatorParams = {
  skills: 12,
  tasksPerSkill: 12,
  multiSkillFraction: 0.2,
  learners: 200,
  attemptsPerLearner: [30, 90],
  taskDifficultySd: 0.8,
  skillDifficultySpread: 1.5,
  abilitySd: 1,
  skillAbilitySd: 0.5,
  learningRateMean: 0.25,
  learningRateSd: 0.1,
  prerequisiteStrength: 1,
  saturation: 15,
  learningFromErrors: 0.5,
  groups: { A: 0.5, B: 0.5 },
  groupAbilityOffset: {},
  groupSlip: {},
  groupAttemptsScale: {},
  exploration: 0.15,
  minPracticePerSkill: 4,
  moveOnSuccessRate: 0.75,
  maxPracticePerSkill: 12,
  attemptsPerSession: 15,
  retryAfterFailure: 0,
  curriculumStart: "first",
};

const invalid = (why: string) => new EngineError(EngineErrorCode.InvalidParameters, `simulator: ${why}`);

/** Fills defaults and validates; throws EngineError(INVALID_PARAMETERS) on anything out of range. */
export function resolveSimulatorParams(partial: Partial<SimulatorParams> = {}): SimulatorParams {
  const p = mergeOptions(DEFAULT_SIMULATOR_PARAMS, partial);
  const { integer, nonNegative, range, positive } = optionChecks("simulator", p);
  for (const k of ["skills", "tasksPerSkill", "learners", "minPracticePerSkill", "maxPracticePerSkill", "attemptsPerSession"] as const)
    integer(k, 1);
  for (const k of ["multiSkillFraction", "exploration", "moveOnSuccessRate", "learningFromErrors", "retryAfterFailure"] as const)
    range(k, 0, 1);
  for (const k of [
    "taskDifficultySd",
    "skillDifficultySpread",
    "abilitySd",
    "skillAbilitySd",
    "learningRateMean",
    "learningRateSd",
    "prerequisiteStrength",
  ] as const) {
    nonNegative(k);
  }
  positive("saturation");
  if (p.curriculumStart !== "first" && p.curriculumStart !== "anywhere")
    throw invalid(`curriculumStart must be "first" or "anywhere" (got ${String(p.curriculumStart)})`);
  const [lo, hi] = p.attemptsPerLearner;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
    throw invalid(`attemptsPerLearner must be integers 1 ≤ min ≤ max (got ${lo}, ${hi})`);
  }
  if (p.maxPracticePerSkill < p.minPracticePerSkill) throw invalid("maxPracticePerSkill must be ≥ minPracticePerSkill");
  const groups = Object.entries(p.groups);
  if (groups.length === 0 || groups.some(([, s]) => !(s >= 0) || !Number.isFinite(s)) || groups.every(([, s]) => s === 0)) {
    throw invalid("groups must name at least one group with a positive share");
  }
  for (const [g, off] of Object.entries(p.groupAbilityOffset)) {
    if (!(g in p.groups)) throw invalid(`groupAbilityOffset names unknown group ${g}`);
    if (!Number.isFinite(off)) throw invalid(`groupAbilityOffset.${g} must be finite`);
  }
  for (const [g, slip] of Object.entries(p.groupSlip)) {
    if (!(g in p.groups)) throw invalid(`groupSlip names unknown group ${g}`);
    if (!(typeof slip === "number" && slip >= 0 && slip <= 1)) throw invalid(`groupSlip.${g} must be in [0, 1] (got ${slip})`);
  }
  for (const [g, scale] of Object.entries(p.groupAttemptsScale)) {
    if (!(g in p.groups)) throw invalid(`groupAttemptsScale names unknown group ${g}`);
    if (!(typeof scale === "number" && Number.isFinite(scale) && scale > 0)) {
      throw invalid(`groupAttemptsScale.${g} must be a finite number > 0 (got ${scale})`);
    }
  }
  return p;
}
