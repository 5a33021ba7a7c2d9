/**
 * Parameters of recommendation and path planning: one object with defaults, validated by
 * `resolveRecommendParams` (EngineError INVALID_PARAMETERS on anything out of range).
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { mergeOptions } from "../options.js";

export interface RecommendParams {
  /**
   * The success band the "zpd" strategy aims at: tasks whose predicted success p lies in
   * [bandLow, bandHigh] are "in the zone"; among them the ones closest to `bandTarget` are preferred.
   *
   * The literature's targets for adaptive practice sit between about 0.65 and 0.85: Wilson, Shenhav,
   * Straccia & Cohen (2019, "The Eighty Five Percent Rule for optimal learning", Nature Communications)
   * derive an optimal training accuracy of ≈ 0.85; Papoušek, Pelánek & Stanislav (2014, "Adaptive
   * practice of facts in domains with varied prior knowledge", EDM) target 0.75 in adaptive practice;
   * Pelánek's later experiments on question difficulty and engagement find learners prefer success rates
   * in the 0.65–0.8 region. Vygotsky's zone of proximal development and Metcalfe & Kornell's "region of
   * proximal learning" are the qualitative version: neither trivial nor hopeless.
   * Defaults: [0.65, 0.85], target 0.75.
   */
  readonly bandLow: number;
  readonly bandHigh: number;
  readonly bandTarget: number;
  /** Mastery threshold used when the input gives none (a goal's own threshold wins). Default 0.8. */
  readonly masteryThreshold: number;
  /**
   * A prerequisite is "far from mastered" when its mastery < threshold − prerequisiteGap; a task any of
   * whose skills has such a prerequisite is left out of personalised recommendations. Default 0.25
   * (with the default threshold 0.8: prerequisites below 0.55 block their dependents).
   */
  readonly prerequisiteGap: number;
  /** Tasks among the learner's last `repeatWindow` tasks are not recommended (unless nothing else is left). Default 3. */
  readonly repeatWindow: number;
  /**
   * Spreading: at most ⌈count · maxSharePerSkill⌉ recommendations serve one skill while other skills have
   * candidates of the same band tier. Default 0.5 (⌈count/2⌉).
   */
  readonly maxSharePerSkill: number;
  /** The attempts-to-mastery simulation stops after this many attempts per skill (a lower bound is reported). Default 50. */
  readonly maxAttemptsToMastery: number;
  /** Number of recommendations when the input gives no `count`. Default 5. */
  readonly defaultCount: number;
  /**
   * A learner is struggling with a skill when its last `struggleFailures` attempts (or more, in a row,
   * newest first) were failures on tasks of that skill: a plan then brings an easier task than the
   * ones failed, or a prerequisite to go back to (plan.ts). Default 3.
   */
  readonly struggleFailures: number;
}

export const DEFAULT_RECOMMEND_PARAMS: RecommendParams = {
  bandLow: 0.65,
  bandHigh: 0.85,
  bandTarget: 0.75,
  masteryThreshold: 0.8,
  prerequisiteGap: 0.25,
  repeatWindow: 3,
  maxSharePerSkill: 0.5,
  maxAttemptsToMastery: 50,
  defaultCount: 5,
  struggleFailures: 3,
};

export const invalidRecommendParameter = (why: string): EngineError =>
  new EngineError(EngineErrorCode.InvalidParameters, `recommend: ${why}`);

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Checks a mastery threshold: a probability strictly inside (0, 1). */
export function checkThreshold(v: unknown, name = "masteryThreshold"): number {
  if (!isNum(v) || v <= 0 || v >= 1) throw invalidRecommendParameter(`${name} must be in (0, 1) (got ${String(v)})`);
  return v;
}

/** Fills defaults (only known keys) and validates. */
export function resolveRecommendParams(partial: Partial<RecommendParams> = {}): RecommendParams {
  const p = mergeOptions(DEFAULT_RECOMMEND_PARAMS, partial);
  for (const k of ["bandLow", "bandHigh", "bandTarget"] as const) {
    if (!isNum(p[k]) || p[k] <= 0 || p[k] >= 1) throw invalidRecommendParameter(`${k} must be in (0, 1) (got ${String(p[k])})`);
  }
  if (!(p.bandLow <= p.bandTarget && p.bandTarget <= p.bandHigh)) {
    throw invalidRecommendParameter(
      `the band must satisfy bandLow ≤ bandTarget ≤ bandHigh (got ${p.bandLow}, ${p.bandTarget}, ${p.bandHigh})`,
    );
  }
  checkThreshold(p.masteryThreshold);
  if (!isNum(p.prerequisiteGap) || p.prerequisiteGap < 0 || p.prerequisiteGap > 1) {
    throw invalidRecommendParameter(`prerequisiteGap must be in [0, 1] (got ${String(p.prerequisiteGap)})`);
  }
  if (!isInt(p.repeatWindow) || p.repeatWindow < 0)
    throw invalidRecommendParameter(`repeatWindow must be an integer ≥ 0 (got ${String(p.repeatWindow)})`);
  if (!isNum(p.maxSharePerSkill) || p.maxSharePerSkill <= 0 || p.maxSharePerSkill > 1) {
    throw invalidRecommendParameter(`maxSharePerSkill must be in (0, 1] (got ${String(p.maxSharePerSkill)})`);
  }
  if (!isInt(p.maxAttemptsToMastery) || p.maxAttemptsToMastery < 1 || p.maxAttemptsToMastery > 10_000) {
    throw invalidRecommendParameter(`maxAttemptsToMastery must be an integer in [1, 10000] (got ${String(p.maxAttemptsToMastery)})`);
  }
  if (!isInt(p.struggleFailures) || p.struggleFailures < 1 || p.struggleFailures > 100) {
    throw invalidRecommendParameter(`struggleFailures must be an integer in [1, 100] (got ${String(p.struggleFailures)})`);
  }
  if (!isInt(p.defaultCount) || p.defaultCount < 0 || p.defaultCount > 1000) {
    throw invalidRecommendParameter(`defaultCount must be an integer in [0, 1000] (got ${String(p.defaultCount)})`);
  }
  return p;
}
