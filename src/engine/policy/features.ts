/**
 * What the learned policy (learned.ts) reads: one feature vector per candidate task, computed ONLY from
 * the Observation (observation.ts: the engine's state and predictions, the curriculum, the goal, the
 * recent attempts, the position in the session; never the simulator's truth) and the candidate itself.
 *
 * Each candidate's input is its own features followed by the learner context, the same for every
 * candidate of a decision: running statistics of the episode so far that let the policy adapt to the
 * learner within the episode (RL²-style conditioning through a context vector rather than a recurrent
 * state: a fast learner's successes beat the engine's predictions, a discouraged one ends sessions early).
 *
 * Candidate features (m = the engine's mastery of the task's skill, τ the goal's threshold; every
 * "recent" figure over the observation's history window, at most `historyLength` attempts; ago = number
 * of attempts since, 0 for the last one):
 *   predicted              p, the engine's predicted success on the task
 *   predictedLogit         clamp(logit p, −4, 4) / 4
 *   skillMastery           m
 *   skillMasterySd         min(1, 4 · sd(m))
 *   skillAttempts          min(1, ln(1 + attempts on the skill) / ln 51)
 *   goalSkill              1 when the skill is a goal skill
 *   goalPrerequisite       1 when the skill is a (transitive) prerequisite of a goal skill and not one itself
 *   prerequisiteDepth      0 for a goal skill, min(d, 4)/4 for a prerequisite d steps before one, 1 otherwise
 *   skillMastered          1 when m ≥ τ
 *   masteryGap             clamp(τ − m, −1, 1)
 *   weakestPrerequisite    the lowest mastery among the skill's direct prerequisites (1 when it has none)
 *   masteryAboveLowest     m − the lowest m among the candidates' skills
 *   taskRecency            exp(−ago / recencyScale) of the task's last attempt, 0 when not recent
 *   skillRecency           the same for the skill
 *   skillRecentAttempts    recent attempts on the skill / historyLength
 *   skillRecentError       mean over recent attempts on the skill of (outcome − prediction), 0 when none
 *   skillLastOutcome       +1 / −1 for the last recent attempt on the skill right / wrong, 0 when none
 * Learner context:
 *   episodeProgress        min(1, attempts / 100)
 *   sessionPosition        min(1, attempts in this session / sessionLength)
 *   earlyStops             min(1, s / 3), s = sessions begun − 1 − ⌊attempts before this session / sessionLength⌋
 *                          (sessions that ended before sessionLength attempts: the learner stopped early)
 *   recentSuccess          recent share of right answers (0.5 when there is none)
 *   recentError            mean recent (outcome − prediction): > 0 when the learner beats the engine's predictions
 *   recentAbsError         mean recent |outcome − prediction|
 *   goalMastery            mean mastery of the goal's skills
 *   goalGap                clamp(τ − the lowest goal mastery, −1, 1)
 *   candidateCount         ln(number of candidates) / ln 200
 *   historyFill            recent attempts / historyLength
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { logit } from "../math.js";
import { type CompiledCurriculum, compileCurriculum } from "../recommend/index.js";
import type { Observation, PolicyCandidate } from "./observation.js";

export const CANDIDATE_FEATURES = [
  "predicted",
  "predictedLogit",
  "skillMastery",
  "skillMasterySd",
  "skillAttempts",
  "goalSkill",
  "goalPrerequisite",
  "prerequisiteDepth",
  "skillMastered",
  "masteryGap",
  "weakestPrerequisite",
  "masteryAboveLowest",
  "taskRecency",
  "skillRecency",
  "skillRecentAttempts",
  "skillRecentError",
  "skillLastOutcome",
] as const;

export const CONTEXT_FEATURES = [
  "episodeProgress",
  "sessionPosition",
  "earlyStops",
  "recentSuccess",
  "recentError",
  "recentAbsError",
  "goalMastery",
  "goalGap",
  "candidateCount",
  "historyFill",
] as const;

/** The input layout of the policy network, in order: a stored policy names it, and is refused if it differs. */
export const FEATURE_LAYOUT: readonly string[] = [...CANDIDATE_FEATURES, ...CONTEXT_FEATURES.map((f) => `context.${f}`)];
export const FEATURE_COUNT = FEATURE_LAYOUT.length;

/** The normalising constants of the features (stored with a policy: the layout it was trained on). */
export interface FeatureParams {
  /** Attempts of a full session (earlyStops, sessionPosition). Default 15. */
  readonly sessionLength: number;
  /** The history window the statistics are read over; the observation's own when shorter. Default 10. */
  readonly historyLength: number;
  /** ago's scale in the recency features. Default 3. */
  readonly recencyScale: number;
}

export const DEFAULT_FEATURE_PARAMS: FeatureParams = { sessionLength: 15, historyLength: 10, recencyScale: 3 };

/** Per curriculum and goal: each skill's distance (in prerequisite steps) to the nearest goal skill. */
const depthCache = new WeakMap<CompiledCurriculum, Map<string, ReadonlyMap<string, number>>>();

function goalDepths(curriculum: CompiledCurriculum, goal: readonly string[]): ReadonlyMap<string, number> {
  let byGoal = depthCache.get(curriculum);
  if (!byGoal) {
    byGoal = new Map();
    depthCache.set(curriculum, byGoal);
  }
  const key = goal.join("\u0000");
  const cached = byGoal.get(key);
  if (cached) return cached;
  const depth = new Map<string, number>();
  let frontier = goal.filter((id) => curriculum.skills.has(id));
  for (const id of frontier) depth.set(id, 0);
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const pre of curriculum.skills.get(id)!.prerequisites) {
        if (!depth.has(pre)) {
          depth.set(pre, d);
          next.push(pre);
        }
      }
    }
    frontier = next;
  }
  if (byGoal.size > 64) byGoal.clear(); // a long-lived policy meets many goals: keep the cache small
  byGoal.set(key, depth);
  return depth;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** A skill the observation has no estimate of. */
const PRIOR_MASTERY = { p: 0.5, sd: 0.5, attempts: 0 } as const;

/**
 * The network's input for one decision: a row of FEATURE_COUNT numbers per candidate (row-major,
 * candidates in the given order). INVALID_PARAMETERS when there is no candidate.
 */
export function policyFeatures(
  observation: Observation,
  candidates: readonly PolicyCandidate[],
  params: FeatureParams = DEFAULT_FEATURE_PARAMS,
): Float64Array {
  const n = candidates.length;
  if (n === 0) throw new EngineError(EngineErrorCode.InvalidParameters, "policy features: no candidate to choose from");
  const curriculum = compileCurriculum(observation.context.curriculum);
  const tau = observation.masteryThreshold;
  const mastery = observation.mastery;
  const masteryOf = (id: string) => mastery.get(id) ?? PRIOR_MASTERY;
  const depths = goalDepths(curriculum, observation.goalSkillIds);

  // The recent window: per skill and per task, the last attempt (ago), counts, outcome − prediction.
  const window = Math.min(params.historyLength, observation.history.length);
  const recent = observation.history.slice(observation.history.length - window);
  const skillLast = new Map<string, { ago: number; correct: number }>();
  const skillCount = new Map<string, number>();
  const skillError = new Map<string, number>();
  const taskAgo = new Map<string, number>();
  let successes = 0,
    error = 0,
    absError = 0;
  for (let i = 0; i < recent.length; i++) {
    const a = recent[i]!;
    const ago = recent.length - 1 - i;
    skillLast.set(a.skillId, { ago, correct: a.correct });
    taskAgo.set(a.taskId, ago);
    skillCount.set(a.skillId, (skillCount.get(a.skillId) ?? 0) + 1);
    skillError.set(a.skillId, (skillError.get(a.skillId) ?? 0) + (a.correct - a.predicted));
    successes += a.correct;
    error += a.correct - a.predicted;
    absError += Math.abs(a.correct - a.predicted);
  }

  let goalSum = 0,
    goalMin = 1;
  for (const id of observation.goalSkillIds) {
    const p = masteryOf(id).p;
    goalSum += p;
    goalMin = Math.min(goalMin, p);
  }
  const goals = observation.goalSkillIds.length;
  const before = observation.attempts - observation.sessionAttempts;
  const earlyStops = Math.max(0, observation.sessions - 1 - Math.floor(before / params.sessionLength));
  const context = [
    Math.min(1, observation.attempts / 100),
    Math.min(1, observation.sessionAttempts / params.sessionLength),
    Math.min(1, earlyStops / 3),
    recent.length === 0 ? 0.5 : successes / recent.length,
    recent.length === 0 ? 0 : error / recent.length,
    recent.length === 0 ? 0 : absError / recent.length,
    goals === 0 ? 0 : goalSum / goals,
    goals === 0 ? 0 : clamp(tau - goalMin, -1, 1),
    Math.log(n) / Math.log(200),
    recent.length / params.historyLength,
  ];

  let lowest = 1;
  for (const c of candidates) lowest = Math.min(lowest, masteryOf(c.skillId).p);
  const F = FEATURE_COUNT;
  const C = CANDIDATE_FEATURES.length;
  const out = new Float64Array(n * F);
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    const m = masteryOf(c.skillId);
    const depth = depths.get(c.skillId);
    let weakest = 1;
    for (const pre of curriculum.skills.get(c.skillId)?.prerequisites ?? []) weakest = Math.min(weakest, masteryOf(pre).p);
    const last = skillLast.get(c.skillId);
    const count = skillCount.get(c.skillId) ?? 0;
    const ago = taskAgo.get(c.taskId);
    const row = i * F;
    out[row] = c.predictedSuccess;
    out[row + 1] = clamp(logit(c.predictedSuccess), -4, 4) / 4;
    out[row + 2] = m.p;
    out[row + 3] = Math.min(1, 4 * m.sd);
    out[row + 4] = Math.min(1, Math.log1p(m.attempts) / Math.log(51));
    out[row + 5] = depth === 0 ? 1 : 0;
    out[row + 6] = depth !== undefined && depth > 0 ? 1 : 0;
    out[row + 7] = depth === undefined ? 1 : Math.min(depth, 4) / 4;
    out[row + 8] = m.p >= tau ? 1 : 0;
    out[row + 9] = clamp(tau - m.p, -1, 1);
    out[row + 10] = weakest;
    out[row + 11] = m.p - lowest;
    out[row + 12] = ago === undefined ? 0 : Math.exp(-ago / params.recencyScale);
    out[row + 13] = last === undefined ? 0 : Math.exp(-last.ago / params.recencyScale);
    out[row + 14] = count / params.historyLength;
    out[row + 15] = count === 0 ? 0 : skillError.get(c.skillId)! / count;
    out[row + 16] = last === undefined ? 0 : last.correct === 1 ? 1 : -1;
    for (let j = 0; j < context.length; j++) out[row + C + j] = context[j]!;
  }
  return out;
}
