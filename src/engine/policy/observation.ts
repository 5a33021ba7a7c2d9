/**
 * What a sequencing policy sees: only what the live system sees. The engine's knowledge model (trained
 * on the school's history, school.ts) updated online on the episode's observed attempts gives the
 * learner's state, mastery per skill and predicted success per candidate; the curriculum, the goal, the
 * recent history (task, skill, outcome, the prediction made before it) and where the learner is in the
 * session complete it. Nothing here is read from the simulator's hidden truth (levels, abilities, true
 * difficulties, true success probabilities): `observe` takes no truth, and the environment builds every
 * observation through it.
 */
import {
  candidatesInContext,
  resolveRecommendParams,
  type CompiledCurriculum,
  type LearnerContextInput,
  type RecommendParams,
  type TeacherOverrides,
} from "../recommend/index.js";
import { buildContext, type LearnerContext } from "../recommend/context.js";
import type { KnowledgeModel, LearnerState, SkillMastery } from "../types.js";

/** One attempt of the episode as the live system records it. */
export interface ObservedAttempt {
  readonly taskId: string;
  /** The skill the task serves (the curriculum's). */
  readonly skillId: string;
  readonly correct: 0 | 1;
  /** The engine's predicted success just before the attempt. */
  readonly predicted: number;
}

/** A task the policy may choose: one of the recommender's candidates, with the engine's prediction. */
export interface PolicyCandidate {
  readonly taskId: string;
  readonly skillId: string;
  readonly predictedSuccess: number;
}

export interface Observation {
  /** Attempts made in the episode so far. */
  readonly attempts: number;
  /** Sessions begun so far (the current one included). */
  readonly sessions: number;
  /** Attempts made in the current session. */
  readonly sessionAttempts: number;
  readonly goalSkillIds: readonly string[];
  readonly masteryThreshold: number;
  /**
   * The engine's mastery estimate of every curriculum skill, by skill id (iterated in curriculum order): the
   * recommender's own map (LearnerContext.mastery), shared, not copied.
   */
  readonly mastery: ReadonlyMap<string, SkillMastery>;
  /** The last `historyLength` attempts, oldest first. */
  readonly history: readonly ObservedAttempt[];
  /**
   * The recommender's input for this learner (the engine's model and state, the curriculum, the goal and
   * its threshold, the recent task ids): the heuristic policies rank with the recommender's own code.
   */
  readonly context: LearnerContextInput;
}

export interface ObservationInput {
  readonly model: KnowledgeModel;
  /** The learner's engine state after the observed attempts (model.replay of them from initialState()). */
  readonly state: LearnerState;
  readonly curriculum: CompiledCurriculum;
  readonly goalSkillIds: readonly string[];
  readonly masteryThreshold: number;
  /** Every observed attempt of the episode, oldest first. */
  readonly attempts: readonly ObservedAttempt[];
  readonly sessions: number;
  readonly sessionAttempts: number;
  readonly historyLength: number;
  /** The recommender's parameters deciding the candidates (prerequisite gap, repeat window). */
  readonly recommend: Partial<RecommendParams>;
  /** A teacher's pins and skips (served recommendations): skipped and pinned tasks are no candidates. */
  readonly overrides?: TeacherOverrides;
}

/**
 * What `observeInContext` reads of the learner's attempts: how many it made, and the last ones in full. A
 * served observation reads only what the features read (services/policy/policy-serving.ts), training's
 * the whole episode: both give the same observation.
 */
export interface ObservedHistory {
  /** Attempts made so far (all of the episode's; a served observation counts those of its window). */
  readonly attempts: number;
  /** The last attempts, oldest first: at least the last `historyLength` of them (earlier ones are ignored). */
  readonly recent: readonly ObservedAttempt[];
  readonly sessions: number;
  readonly sessionAttempts: number;
}

/** The observation and the candidates the recommender builds for it (in curriculum order). */
export function observe(input: ObservationInput): { observation: Observation; candidates: PolicyCandidate[] } {
  const { model, state, curriculum, attempts } = input;
  const recentTaskIds: string[] = [];
  for (let i = attempts.length - 1; i >= 0 && recentTaskIds.length < 20; i--) recentTaskIds.push(attempts[i]!.taskId);
  const context: LearnerContextInput = {
    model,
    state,
    curriculum,
    targetSkillIds: input.goalSkillIds,
    masteryThreshold: input.masteryThreshold,
    recentTaskIds,
    ...(input.overrides ? { overrides: input.overrides } : {}),
  };
  return observeInContext(buildContext(context, resolveRecommendParams(input.recommend)), context, {
    goalSkillIds: input.goalSkillIds,
    masteryThreshold: input.masteryThreshold,
    attempts: attempts.length,
    recent: attempts,
    sessions: input.sessions,
    sessionAttempts: input.sessionAttempts,
    historyLength: input.historyLength,
  });
}

/**
 * `observe` in the recommender's context already built from `context` (buildContext with the
 * environment's recommend parameters): the one place an observation is made, in training and serving alike.
 */
export function observeInContext(
  ctx: LearnerContext,
  context: LearnerContextInput,
  input: ObservedHistory & Pick<ObservationInput, "goalSkillIds" | "masteryThreshold" | "historyLength">,
): { observation: Observation; candidates: PolicyCandidate[] } {
  const observation: Observation = {
    attempts: input.attempts,
    sessions: input.sessions,
    sessionAttempts: input.sessionAttempts,
    goalSkillIds: input.goalSkillIds,
    masteryThreshold: input.masteryThreshold,
    // The context's mastery (readMastery over the curriculum's order): a skill the model does not know
    // (created after its training) reads as the prior, never throws.
    mastery: ctx.mastery,
    history: input.historyLength === 0 ? [] : input.recent.slice(-input.historyLength),
    context,
  };
  const { tasks, p } = candidatesInContext(ctx, true);
  return { observation, candidates: tasks.map((t, i) => ({ taskId: t.taskId, skillId: t.skillId, predictedSuccess: p[i]! })) };
}
