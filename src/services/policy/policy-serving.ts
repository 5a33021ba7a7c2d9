/**
 * recommendations(strategy: POLICY): the school's active learned policy chooses among the recommender's
 * candidates (engine/policy/serve.ts), observing the learner as in training: the engine's state and
 * predictions, the curriculum, the goal, and the learner's last attempts. When the policy cannot be used
 * the answer falls back to the ZPD rule and says why (`PolicyFallback`, docs/policy.md "Serving"):
 *
 *   NO_CONSENT / NO_MODEL   the learner is not personalised (no consent; no knowledge model yet): the
 *                           curriculum order, as for every strategy
 *   NO_POLICY               no policy is active in the school (none trained yet, or every one rejected)
 *   POLICY_UNREADABLE       the active policy's file is corrupt or of another format (the engine's typed error)
 *   MODEL_CHANGED           it was trained with another knowledge model version than the active one
 *   CURRICULUM_CHANGED      the curriculum changed since it was trained (another fingerprint)
 *   NO_CHOICE               fewer than two candidate tasks (a goal whose skills have no task, a curriculum
 *                           of one task): nothing to choose between
 *
 * The live observation (what training's episodes give the policy, episode.ts), read in the recommendation's
 * one statement: the times of the last 100 attempts (every feature saturates by then), which give how many
 * attempts there were and the sessions, split where two attempts are more than SESSION_GAP apart; the task
 * and outcome of the last `historyLength` (the features' window); and as each of these attempts' prediction
 * the active model's prediction of that task for the learner's current state (the prediction made before
 * the attempt is not stored; docs/policy.md says what this changes).
 * The draw is seeded by the learner and its latest attempt: the same request in the same state draws the
 * same task, each new attempt a new one.
 */
import { EntityManager } from "typeorm";
import { curriculumFingerprint, DEFAULT_FEATURE_PARAMS, type ObservedAttempt, policyRecommend } from "../../engine/policy/index.js";
import type { CompiledCurriculum, Recommendation, TeacherOverrides } from "../../engine/recommend/index.js";
import type { LearnerState } from "../../engine/types.js";
import type { LoadedModel } from "../personalisation/active-models.js";
import type { ObservedHistoryRows } from "../personalisation/learner-context.js";
import type { ActivePolicies } from "./active-policies.js";

export type PolicyFallbackCode =
  | "NO_CONSENT"
  | "NO_MODEL"
  | "NO_POLICY"
  | "POLICY_UNREADABLE"
  | "MODEL_CHANGED"
  | "CURRICULUM_CHANGED"
  | "NO_CHOICE";

export interface PolicyFallback {
  readonly code: PolicyFallbackCode;
  readonly message: string;
}

/** The policy version that answered. */
export interface ServedPolicy {
  readonly id: string;
  readonly version: number;
}

/** Two attempts further apart than this begin a new session (the environment's session breaks). */
export const SESSION_GAP_MS = 30 * 60_000;
/** Attempts read for the observation: the features saturate at 100 (episodeProgress). */
export const OBSERVED_ATTEMPTS = 100;

export const FALLBACK_MESSAGES = {
  NO_CONSENT: "The learned policy is not used for a learner without consent to personalisation: tasks follow the curriculum order.",
  NO_MODEL: "The learned policy needs the school's knowledge model, and none is active yet: tasks follow the curriculum order.",
  NO_POLICY: "No learned policy is active in this school (none trained yet, or none beat the tuned ZPD rule): the ZPD rule answered.",
  NO_CHOICE:
    "Fewer than two candidate tasks for this learner and goal: nothing for the learned policy to choose between; the ZPD rule answered.",
} as const;

export interface PolicyServingInput {
  readonly schoolId: string;
  readonly learnerId: string;
  readonly loaded: LoadedModel;
  readonly state: LearnerState;
  readonly curriculum: CompiledCurriculum;
  readonly targetSkillIds?: readonly string[];
  readonly masteryThreshold?: number;
  readonly overrides: TeacherOverrides;
  readonly count: number;
  /**
   * The learner's last attempts (readLearnerContext `history`): the times of the last OBSERVED_ATTEMPTS, the
   * task and outcome of at least the last `historyWindow` (the active policy's `historyLength`).
   */
  readonly history: ObservedHistoryRows;
}

export type PolicyAnswer =
  | {
      readonly items: readonly Recommendation[];
      readonly policy: ServedPolicy;
      readonly fallback: null;
      /** How many candidates the policy chose among (logged). */
      readonly candidates: number;
    }
  | { readonly items: null; readonly policy: ServedPolicy | null; readonly fallback: PolicyFallback };

/** Fingerprints per compiled curriculum (the cache hands out one object per curriculum version). */
const fingerprints = new WeakMap<CompiledCurriculum, string>();
const fingerprintOf = (c: CompiledCurriculum): string => {
  let f = fingerprints.get(c);
  if (f === undefined) {
    f = curriculumFingerprint(c);
    fingerprints.set(c, f);
  }
  return f;
};

/** FNV-1a of a string: the draw's seed. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class PolicyServing {
  constructor(private readonly policies: ActivePolicies) {}

  /**
   * How many of the learner's last attempts the active policy reads in full (task and outcome): its
   * features' window, `historyLength` (the engine's default when no policy can serve: it is then not read).
   */
  async historyWindow(schoolId: string, m: EntityManager): Promise<number> {
    const active = await this.policies.get(schoolId, m);
    return Math.min(OBSERVED_ATTEMPTS, active?.policy?.featureParams.historyLength ?? DEFAULT_FEATURE_PARAMS.historyLength);
  }

  async recommend(m: EntityManager, input: PolicyServingInput): Promise<PolicyAnswer> {
    const active = await this.policies.get(input.schoolId, m);
    if (!active) return { items: null, policy: null, fallback: { code: "NO_POLICY", message: FALLBACK_MESSAGES.NO_POLICY } };
    const served = { id: active.versionId, version: active.version };
    const fallback = (code: PolicyFallbackCode, message: string): PolicyAnswer => ({
      items: null,
      policy: served,
      fallback: { code, message },
    });
    if (!active.policy) {
      return fallback(
        "POLICY_UNREADABLE",
        `The active learned policy (version ${active.version}) cannot be read (${active.loadError?.code}: ${active.loadError?.message}): the ZPD rule answered.`,
      );
    }
    if (active.modelVersionId !== input.loaded.versionId) {
      return fallback(
        "MODEL_CHANGED",
        `The active learned policy (version ${active.version}) was trained with another knowledge model than the active one (version ${input.loaded.version}); it serves again once retrained: the ZPD rule answered.`,
      );
    }
    if (active.curriculumFingerprint !== fingerprintOf(input.curriculum)) {
      return fallback(
        "CURRICULUM_CHANGED",
        `The curriculum changed since the active learned policy (version ${active.version}) was trained; it serves again once retrained: the ZPD rule answered.`,
      );
    }
    const { loaded, state } = input;
    const { history, attempts, sessions, sessionAttempts, latestId } = observedAttempts(
      input.history,
      input.curriculum,
      (ids) => loaded.model.predictMany(state, ids),
      (id) => loaded.knowsTask(id),
      active.policy.featureParams.historyLength,
      Date.now(),
    );
    const r = policyRecommend({
      model: input.loaded.model,
      state: input.state,
      curriculum: input.curriculum,
      ...(input.targetSkillIds ? { targetSkillIds: input.targetSkillIds } : {}),
      ...(input.masteryThreshold !== undefined ? { masteryThreshold: input.masteryThreshold } : {}),
      overrides: input.overrides,
      policy: active.policy,
      count: input.count,
      history,
      attempts,
      sessions,
      sessionAttempts,
      seed: seedOf(`${input.learnerId}:${latestId ?? "none"}`),
    });
    if (r.candidates < 2) return fallback("NO_CHOICE", FALLBACK_MESSAGES.NO_CHOICE);
    return { items: r.items, policy: served, fallback: null, candidates: r.candidates };
  }
}

/**
 * The learner's last attempts as the policy observes them, oldest first (those on a task that serves no
 * skill of the curriculum now left out), how many there were (all of the read window's) and the sessions
 * they form: a new one where two attempts are more than SESSION_GAP_MS apart, and after the last attempt
 * when it is more than that before `now`. `predict` gives the model's predictions of the tasks it knows,
 * read for the last `historyLength` attempts only (the features' window).
 */
export function observedAttempts(
  rows: ObservedHistoryRows,
  curriculum: CompiledCurriculum,
  predict: (taskIds: readonly string[]) => ArrayLike<number>,
  knowsTask: (taskId: string) => boolean,
  historyLength: number,
  now: number,
): { history: ObservedAttempt[]; attempts: number; sessions: number; sessionAttempts: number; latestId: string | null } {
  const { times, recent } = rows;
  const kept: { taskId: string; skillId: string; correct: 0 | 1 }[] = [];
  for (const r of recent) {
    const skillId = curriculum.tasks.get(r.taskId)?.skillId;
    if (skillId) kept.push({ taskId: r.taskId, skillId, correct: r.correct ? 1 : 0 }); // else no longer in the curriculum (or serving no skill)
  }
  const known = [...new Set(kept.slice(-historyLength).map((a) => a.taskId))].filter(knowsTask);
  const p = known.length > 0 ? predict(known) : [];
  const predicted = new Map(known.map((id, i) => [id, p[i]!]));
  // All of them (the recommender's repeat window reads their tasks too); a prediction outside the features' window is not read.
  const history = kept.map((a): ObservedAttempt => ({ ...a, predicted: predicted.get(a.taskId) ?? 0.5 }));
  let sessions = 1,
    sessionAttempts = 0;
  for (let i = 0; i < times.length; i++) {
    if (i > 0 && times[i]! - times[i - 1]! > SESSION_GAP_MS) {
      sessions++;
      sessionAttempts = 0;
    }
    sessionAttempts++;
  }
  // The current session has ended when the last attempt is more than a gap ago.
  if (times.length > 0 && now - times.at(-1)! > SESSION_GAP_MS) {
    sessions++;
    sessionAttempts = 0;
  }
  return { history, attempts: times.length, sessions, sessionAttempts, latestId: recent.at(-1)?.id ?? null };
}
