/**
 * What the engine says about a learner, read through the active model: mastery, predictions,
 * next-task recommendations, the planned path to a goal and the goal's progress. Without consent
 * to personalisation (or before any model is active) the answers are non-personalised — the
 * curriculum order and a typical learner's predictions — and say so.
 */
import { EntityManager } from "typeorm";
import type { LearnerState as EngineState, SkillMastery as EngineMastery } from "../../engine/types.js";
import {
  goalProgress,
  planPath,
  recommendFromCandidates,
  topologicalOrder,
  type CompiledCurriculum,
  type GoalProgress,
  type LearningPlan,
  type Recommendation,
  type RecommendStrategy,
  type TeacherOverrides,
} from "../../engine/recommend/index.js";
import { randomInt } from "node:crypto";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { createRng } from "../../engine/math.js";
import { loggedStrategy, PATH_STRATEGY, type RecommendationLogService } from "../recommendation-log/recommendation-log.service.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { formatBound, MAX_PREDICTIONS, MAX_RECOMMENDATIONS, MAX_SIMILAR_TASKS as MAX_SIMILAR } from "../common/input-bounds.js";
import { GoalStatus } from "../../persistence/goal/goal.entity.js";
import { masteryEntries, type MasteryMap } from "../../persistence/learner/learner-state-mastery.js";
import type { ServiceDeps } from "../service-deps.js";
import { ActiveModels, LoadedModel } from "./active-models.js";
import { replayedState } from "./learner-history.js";
import { CurriculumCache, type Catalogue } from "./curriculum-cache.js";
import {
  overridesOf,
  readLearnerContext,
  type ContextQuery,
  type GoalContext,
  type LearnerContext,
  type StoredStep,
} from "./learner-context.js";
import { writePlan, type StoredPathRow } from "./plan-store.js";
import {
  FALLBACK_MESSAGES,
  OBSERVED_ATTEMPTS,
  type PolicyFallback,
  type PolicyServing,
  type ServedPolicy,
} from "../policy/policy-serving.js";

/** Days over which the learner's pace (attempts per day) is measured for goal progress. */
const PACE_DAYS = 14;

export enum Personalisation {
  /** The learner's own state under the active model. */
  Personalised = "PERSONALISED",
  /** No consent to personalisation: a typical learner's estimates and the curriculum order. */
  NoConsent = "NO_CONSENT",
  /** No model is active yet in the school. */
  NoModel = "NO_MODEL",
}

export const NOTICES: Record<Personalisation, string | null> = {
  [Personalisation.Personalised]: null,
  [Personalisation.NoConsent]:
    "This learner has not consented to personalisation: tasks follow the curriculum order and estimates are those of a typical learner.",
  [Personalisation.NoModel]: "No model is active in this school yet: tasks follow the curriculum order and no estimates are available.",
};

export interface LearnerView {
  readonly learner: { readonly id: string; readonly interests: string[] };
  readonly mode: Personalisation;
  readonly loaded: LoadedModel | null;
  /** The learner's state (personalised), the model's prior (no consent), null (no model). */
  readonly state: EngineState | null;
  readonly curriculum: CompiledCurriculum;
  readonly recentTaskIds: string[];
}

export interface MasteryEstimate {
  readonly skillId: string;
  readonly mastery: number | null;
  readonly uncertainty: number | null;
  readonly trend: number;
  readonly attempts: number;
}

export type PredictionBasis = "PERSONALISED" | "TYPICAL_LEARNER" | "SKILL_ESTIMATE" | "NONE";

export interface TaskPrediction {
  readonly taskId: string;
  readonly predictedSuccess: number | null;
  readonly basis: PredictionBasis;
}

export interface SimilarTask {
  readonly taskId: string;
  /** Euclidean distance in the embedding; 1 − Jaccard of the skills for the SHARED_SKILLS fallback. */
  readonly distance: number;
  readonly basis: "EMBEDDING" | "SHARED_SKILLS";
}

export interface RecommendationList {
  readonly mode: Personalisation;
  readonly notice: string | null;
  /** The strategy applied: the one asked for, ZPD when POLICY fell back, CURRICULUM when not personalised. */
  readonly strategy: RecommendStrategy;
  readonly items: readonly Recommendation[];
  /** Set when strategy POLICY was asked for and not used: why (policy/policy-serving.ts). */
  readonly fallback: PolicyFallback | null;
  /** The learned policy's version that answered (or whose use fell back), when POLICY was asked for. */
  readonly policy: ServedPolicy | null;
  /** The active model version that ranked the items (null without one): logged, not shown. */
  readonly modelVersionId?: string | null;
  /** How many candidates the strategy ranked (null when it ranked none: the curriculum order without a model): logged. */
  readonly candidateCount?: number | null;
}

export interface PathPlan {
  readonly path: StoredPathRow;
  /** The path's steps as stored, in position order. */
  readonly steps: StoredStep[];
  readonly plan: LearningPlan;
  readonly progress: GoalProgress;
  readonly mode: Personalisation;
  readonly notice: string | null;
}

export class PersonalisationService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly curricula: CurriculumCache,
    private readonly policies: PolicyServing,
    /** Where every served recommendation and planned path is logged (absent: not logged). */
    private readonly served?: RecommendationLogService,
    /**
     * Applies learners' pending attempts (the deferred path's: services/attempt/pending-applier.ts), so
     * that a read after an acknowledged `ingestAttempts` sees them; absent: nothing is ever pending.
     */
    private readonly applyPending?: (schoolId: string, learnerIds: readonly string[]) => Promise<void>,
  ) {}

  /**
   * The learner's context (readLearnerContext) with the learner's pending attempts applied: the read
   * says whether there are any (no statement more when there are none); if so they are applied, and read again.
   */
  private async context(m: EntityManager, actor: Actor, q: ContextQuery): Promise<LearnerContext> {
    const ctx = await readLearnerContext(m, actor, q, this.deps.cipher);
    // Not from inside a caller's transaction: the applier takes a connection and the state rows' locks of its own.
    if (!ctx.pending || !this.applyPending || m.queryRunner?.isTransactionActive) return ctx;
    await this.applyPending(actor.schoolId, [ctx.learnerId]);
    return readLearnerContext(m, actor, q, this.deps.cipher);
  }

  /** Everything the engine needs about one learner, read in one place (one statement, learner-context.ts). */
  async view(actor: Actor, learnerId: string, m: EntityManager = this.deps.dataSource.manager): Promise<LearnerView> {
    const [ctx, loaded, curriculum] = await Promise.all([
      this.context(m, actor, { learnerId, recent: true }),
      this.models.get(actor.schoolId, m),
      this.curricula.get(actor.schoolId),
    ]);
    return this.viewOf(m, ctx, loaded, curriculum);
  }

  /** The school's curriculum with the skill and task rows the API shows (in memory). */
  catalogue(actor: Actor): Promise<Catalogue> {
    return this.curricula.catalogue(actor.schoolId);
  }

  private async viewOf(
    m: EntityManager,
    ctx: LearnerContext,
    loaded: LoadedModel | null,
    curriculum: CompiledCurriculum,
  ): Promise<LearnerView> {
    const base = { learner: { id: ctx.learnerId, interests: ctx.interests }, loaded, curriculum, recentTaskIds: ctx.recentTaskIds };
    if (!loaded) return { ...base, mode: Personalisation.NoModel, state: null };
    if (!ctx.consent) return { ...base, mode: Personalisation.NoConsent, state: loaded.model.initialState() };
    return { ...base, mode: Personalisation.Personalised, state: await this.currentState(m, loaded, ctx) };
  }

  /** The stored state when it belongs to the active model, else replayed in memory (nothing written on a read). */
  private async currentState(m: EntityManager, loaded: LoadedModel, ctx: LearnerContext): Promise<EngineState> {
    if (loaded.owns(ctx.stateVersionId, ctx.state)) return ctx.state as EngineState;
    return replayedState(m, loaded, ctx.learnerId);
  }

  async mastery(actor: Actor, learnerId: string): Promise<{ mode: Personalisation; notice: string | null; skills: MasteryEstimate[] }> {
    const v = await this.view(actor, learnerId);
    const rows: { mastery: MasteryMap }[] =
      v.mode === Personalisation.Personalised
        ? await this.deps.dataSource.query(`SELECT mastery FROM learner_state WHERE learner_id = $1`, [learnerId])
        : [];
    const stored = new Map(masteryEntries(rows[0]?.mastery, new Date()).map((e) => [e.skillId, e]));
    const skillIds = v.curriculum.order.length ? [...v.curriculum.order] : [...v.curriculum.skills.keys()];
    const estimates = v.state && v.loaded ? masteryOf(v.loaded, v.state, skillIds) : new Map<string, EngineMastery>();
    return {
      mode: v.mode,
      notice: NOTICES[v.mode],
      skills: skillIds.map((skillId) => {
        const e = estimates.get(skillId);
        const s = stored.get(skillId);
        return { skillId, mastery: e?.p ?? null, uncertainty: e?.sd ?? null, trend: s?.trend ?? 0, attempts: s?.attempts ?? 0 };
      }),
    };
  }

  async predictions(
    actor: Actor,
    learnerId: string,
    taskIds: readonly string[],
  ): Promise<{ mode: Personalisation; notice: string | null; items: TaskPrediction[] }> {
    if (taskIds.length > MAX_PREDICTIONS)
      throw new BadInputError(`at most ${formatBound(MAX_PREDICTIONS)} tasks per request`, { argument: "taskIds", max: MAX_PREDICTIONS });
    const v = await this.view(actor, learnerId);
    const missing = taskIds.find((id) => !v.curriculum.tasks.has(id));
    if (missing) {
      // The cache may predate a task created a moment ago: check the database before refusing.
      const found: unknown[] = await this.deps.dataSource.query(`SELECT 1 FROM task WHERE id = $1 AND school_id = $2`, [
        missing,
        actor.schoolId,
      ]);
      if (found.length === 0) throw new NotFoundError("Task", missing);
      this.curricula.invalidate(actor.schoolId);
      return this.predictions(actor, learnerId, taskIds);
    }
    if (!v.loaded || !v.state)
      return {
        mode: v.mode,
        notice: NOTICES[v.mode],
        items: taskIds.map((taskId) => ({ taskId, predictedSuccess: null, basis: "NONE" as const })),
      };
    const { loaded, state } = v;
    const basis: PredictionBasis = v.mode === Personalisation.Personalised ? "PERSONALISED" : "TYPICAL_LEARNER";
    const known = taskIds.filter((id) => loaded.knowsTask(id));
    const p = loaded.model.predictMany(state, known);
    const byId = new Map(known.map((id, i) => [id, p[i]!]));
    const skillEstimates = masteryOf(loaded, state, [
      ...new Set(taskIds.flatMap((id) => v.curriculum.tasks.get(id)!.skills.map((s) => s.skillId))),
    ]);
    return {
      mode: v.mode,
      notice: NOTICES[v.mode],
      items: taskIds.map((taskId) => {
        const direct = byId.get(taskId);
        if (direct !== undefined) return { taskId, predictedSuccess: direct, basis };
        // A task created after training: the Q-weighted mastery of its skills.
        let s = 0,
          w = 0;
        for (const q of v.curriculum.tasks.get(taskId)!.skills) {
          const e = skillEstimates.get(q.skillId);
          if (e) {
            s += q.weight * e.p;
            w += q.weight;
          }
        }
        return w > 0
          ? { taskId, predictedSuccess: s / w, basis: "SKILL_ESTIMATE" as const }
          : { taskId, predictedSuccess: null, basis: "NONE" as const };
      }),
    };
  }

  /** The next tasks for a learner (`rank`); every answer is logged as served (services/recommendation-log/). */
  async recommendations(
    actor: Actor,
    learnerId: string,
    goalId: string | null | undefined,
    count: number,
    strategy: RecommendStrategy,
  ): Promise<RecommendationList> {
    const list = await this.rank(actor, learnerId, goalId, count, strategy);
    this.deps.events?.recommendationsServed?.(loggedStrategy(strategy), loggedStrategy(list.strategy), list.fallback?.code ?? null);
    this.served?.record(actor, {
      learnerId,
      strategy: loggedStrategy(list.strategy),
      mode: list.mode,
      items: list.items,
      modelVersionId: list.modelVersionId ?? null,
      policyVersionId: list.strategy === "policy" ? (list.policy?.id ?? null) : null,
      candidateCount: list.candidateCount ?? null,
    });
    return list;
  }

  private async rank(
    actor: Actor,
    learnerId: string,
    goalId: string | null | undefined,
    count: number,
    strategy: RecommendStrategy,
  ): Promise<RecommendationList> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_RECOMMENDATIONS)
      throw new BadInputError(`count must be between 1 and ${MAX_RECOMMENDATIONS}`, { argument: "count" });
    const m = this.deps.dataSource.manager;
    // A learned policy reads the times of the last OBSERVED_ATTEMPTS attempts, the task and outcome of its features' window.
    const history =
      strategy === "policy" ? { attempts: OBSERVED_ATTEMPTS, recent: await this.policies.historyWindow(actor.schoolId, m) } : null;
    const [ctx, loaded, curriculum] = await Promise.all([
      this.context(m, actor, { learnerId, goalId: goalId ?? null, recent: true, ...(history ? { history } : {}) }),
      this.models.get(actor.schoolId, m),
      this.curricula.get(actor.schoolId),
    ]);
    const goal = ctx.goal;
    if (goal) {
      if (goal.learnerId !== learnerId) throw new BadInputError("the goal belongs to another learner", { argument: "goalId" });
      if (goal.status !== GoalStatus.Active) throw new BadInputError(`the goal is ${goal.status.toLowerCase()}`, { argument: "goalId" });
    }
    const v = await this.viewOf(m, ctx, loaded, curriculum);
    const overrides = goal ? overridesOf(goal.steps) : {};
    let effective: RecommendStrategy = v.mode === Personalisation.Personalised ? strategy : "curriculum";
    let fallback: PolicyFallback | null = null;
    let policy: ServedPolicy | null = null;
    if (strategy === "policy") {
      if (v.mode === Personalisation.NoConsent) fallback = { code: "NO_CONSENT", message: FALLBACK_MESSAGES.NO_CONSENT };
      else if (v.mode === Personalisation.NoModel) fallback = { code: "NO_MODEL", message: FALLBACK_MESSAGES.NO_MODEL };
      else {
        const answer = await this.policies.recommend(m, {
          schoolId: actor.schoolId,
          learnerId,
          loaded: v.loaded!,
          state: v.state!,
          curriculum: v.curriculum,
          ...(goal ? { targetSkillIds: goal.skillIds, masteryThreshold: goal.masteryThreshold } : {}),
          overrides,
          count,
          history: ctx.history,
        });
        policy = answer.policy;
        if (answer.items) {
          return {
            mode: v.mode,
            notice: NOTICES[v.mode],
            strategy: "policy",
            items: answer.items,
            fallback: null,
            policy,
            modelVersionId: v.loaded?.versionId ?? null,
            candidateCount: answer.candidates,
          };
        }
        fallback = answer.fallback;
        effective = "zpd";
      }
    }
    const epsilon = this.deps.explorationEpsilon ?? 0;
    const ranked =
      v.loaded && v.state
        ? recommendFromCandidates({
            model: v.loaded.model,
            state: v.state,
            curriculum: v.curriculum,
            targetSkillIds: goal?.skillIds,
            masteryThreshold: goal?.masteryThreshold,
            recentTaskIds: v.recentTaskIds,
            interests: v.mode === Personalisation.Personalised ? v.learner.interests : [],
            overrides,
            count,
            strategy: effective,
            // The seed is drawn here, so that the engine stays a function of its arguments.
            ...(epsilon > 0 ? { exploration: { epsilon, rng: createRng(randomInt(2 ** 32)) } } : {}),
          })
        : null;
    return {
      mode: v.mode,
      notice: NOTICES[v.mode],
      strategy: effective,
      items: v.loaded ? (ranked?.items ?? []) : curriculumOnly(v.curriculum, goal?.skillIds, count, overrides),
      modelVersionId: v.loaded?.versionId ?? null,
      candidateCount: ranked ? ranked.candidates : null,
      fallback,
      policy,
    };
  }

  /**
   * Tasks that behave alike for learners (the active version's Siamese task embedding): nearest
   * first. Without an embedding, tasks that share the most skills (Jaccard). Curriculum data: any role.
   */
  async similarTasks(actor: Actor, taskId: string, count: number): Promise<SimilarTask[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_SIMILAR)
      throw new BadInputError(`count must be between 1 and ${MAX_SIMILAR}`, { argument: "count" });
    let curriculum = await this.curricula.get(actor.schoolId);
    if (!curriculum.tasks.has(taskId)) {
      const found: unknown[] = await this.deps.dataSource.query(`SELECT 1 FROM task WHERE id = $1 AND school_id = $2`, [
        taskId,
        actor.schoolId,
      ]);
      if (found.length === 0) throw new NotFoundError("Task", taskId);
      this.curricula.invalidate(actor.schoolId);
      curriculum = await this.curricula.get(actor.schoolId);
    }
    const task = curriculum.tasks.get(taskId)!;
    const loaded = await this.models.get(actor.schoolId);
    if (loaded?.embedding) {
      // Ask for a few more than needed: tasks deleted since training are dropped.
      const near = loaded.embedding.similarToTask({ taskId, skills: task.skills }, count + 10);
      return near
        .filter((n) => n.taskId !== taskId && curriculum.tasks.has(n.taskId))
        .slice(0, count)
        .map((n) => ({ ...n, basis: "EMBEDDING" as const }));
    }
    const mine = new Set(task.skills.map((s) => s.skillId));
    const scored: SimilarTask[] = [];
    for (const other of curriculum.tasks.values()) {
      if (other.taskId === taskId) continue;
      const theirs = new Set(other.skills.map((s) => s.skillId));
      const shared = [...mine].filter((s) => theirs.has(s)).length;
      if (shared === 0) continue;
      scored.push({ taskId: other.taskId, distance: 1 - shared / new Set([...mine, ...theirs]).size, basis: "SHARED_SKILLS" });
    }
    return scored.sort((a, b) => a.distance - b.distance || (a.taskId < b.taskId ? -1 : 1)).slice(0, count);
  }

  /**
   * Plans (or re-plans) the goal's path and stores it; teacher-pinned steps keep their place, skipped
   * tasks stay out, done steps stay as history. One transaction of four statements: the goal (locked:
   * re-plans of one goal queue here) read with its learner's context and path, the path row, the steps.
   */
  async planPath(actor: Actor, goalId: string, now = new Date(), applied = false): Promise<PathPlan> {
    requireRole(actor, Role.Admin, Role.Service, Role.Teacher, Role.Learner);
    // The caches are read before the transaction: on PGlite (one connection) a reload from inside it would wait forever.
    const [loaded, curriculum] = await Promise.all([this.models.get(actor.schoolId), this.curricula.get(actor.schoolId)]);
    const planned = await this.deps.dataSource.transaction(async (m): Promise<PathPlan | { pendingOf: string }> => {
      const ctx = await readLearnerContext(
        m,
        actor,
        { goalId, lockGoal: true, paceSince: paceStart(now), outcomes: true },
        this.deps.cipher,
      );
      // Pending attempts of the learner (the deferred path's) are applied outside this transaction (the
      // applier takes the state rows' lock first, the order of every writer), then the plan starts again.
      if (ctx.pending && this.applyPending && !applied) return { pendingOf: ctx.learnerId };
      const v = await this.viewOf(m, ctx, loaded, curriculum);
      const goal = ctx.goal!;
      const plan = this.plan(v, goal.skillIds, goal.masteryThreshold, overridesOf(goal.steps), ctx.recentOutcomes);
      const written = await writePlan(m, actor.schoolId, goal, ctx.learnerId, plan, v.loaded?.versionId ?? null, now);
      return {
        ...written,
        plan,
        progress: progressOf(plan, goal, ctx.attemptsSince, now),
        mode: v.mode,
        notice: NOTICES[v.mode],
      };
    });
    if (!("pendingOf" in planned)) {
      // Logged once committed: the planned steps, in order (the planner is deterministic: propensity 1).
      this.served?.record(actor, {
        learnerId: planned.path.learnerId,
        strategy: PATH_STRATEGY,
        mode: planned.mode,
        items: planned.plan.steps,
        modelVersionId: planned.path.modelVersionId,
        candidateCount: null,
      });
      return planned;
    }
    await this.applyPending!(actor.schoolId, [planned.pendingOf]);
    return this.planPath(actor, goalId, now, true);
  }

  /** The goal's progress: share of target skills mastered, attempts remaining, on track or not. */
  async progress(actor: Actor, goalId: string, now = new Date()): Promise<GoalProgress> {
    requireRole(actor, Role.Admin, Role.Service, Role.Teacher, Role.Learner);
    const m = this.deps.dataSource.manager;
    const [ctx, loaded, curriculum] = await Promise.all([
      this.context(m, actor, { goalId, paceSince: paceStart(now), outcomes: true }),
      this.models.get(actor.schoolId, m),
      this.curricula.get(actor.schoolId),
    ]);
    const v = await this.viewOf(m, ctx, loaded, curriculum);
    const goal = ctx.goal!;
    return progressOf(
      this.plan(v, goal.skillIds, goal.masteryThreshold, overridesOf(goal.steps), ctx.recentOutcomes),
      goal,
      ctx.attemptsSince,
      now,
    );
  }

  /** `recentAttempts`: newest first; a plan answers a run of failures (engine plan.ts), for a personalised learner only. */
  private plan(
    v: LearnerView,
    targetSkillIds: string[],
    threshold: number,
    overrides: TeacherOverrides,
    recentAttempts: readonly { taskId: string; correct: boolean }[] = [],
  ): LearningPlan {
    if (v.loaded && v.state) {
      return planPath({
        model: v.loaded.model,
        state: v.state,
        curriculum: v.curriculum,
        targetSkillIds,
        masteryThreshold: threshold,
        recentTaskIds: [],
        interests: v.learner.interests,
        overrides,
        recentAttempts: v.mode === Personalisation.Personalised ? recentAttempts : [],
      });
    }
    // No model: the curriculum order, one task per skill, no estimates.
    const items = curriculumOnly(v.curriculum, targetSkillIds, MAX_RECOMMENDATIONS, overrides);
    const bySkill = new Map<string, Recommendation>();
    for (const r of items) if (!bySkill.has(r.skillId)) bySkill.set(r.skillId, r);
    return {
      steps: [...bySkill.values()].map((r) => ({
        skillId: r.skillId,
        taskId: r.taskId,
        reason: r.reason,
        explanation: r.explanation,
        estimatedAttemptsToMastery: null,
        plannedSuccess: r.predictedSuccess,
      })),
      skills: [...bySkill.values()].map((r) => ({
        skillId: r.skillId,
        name: r.reason.skillName,
        mastery: 0,
        mastered: false,
        target: targetSkillIds.includes(r.skillId),
        estimatedAttemptsToMastery: null,
        status: "NOT_MODELLED" as const,
      })),
      masteryThreshold: threshold,
    } as unknown as LearningPlan;
  }
}

function paceStart(now: Date): Date {
  return new Date(now.getTime() - PACE_DAYS * 86_400_000);
}

function progressOf(plan: LearningPlan, goal: GoalContext, attemptsSince: number, now: Date): GoalProgress {
  return goalProgress({
    plan,
    now: now.getTime(),
    deadline: goal.deadline ? goal.deadline.getTime() : null,
    attemptsPerDay: attemptsSince / PACE_DAYS,
  });
}

function masteryOf(loaded: LoadedModel, state: EngineState, skillIds: readonly string[]): Map<string, EngineMastery> {
  const out = new Map<string, EngineMastery>();
  for (const id of skillIds) {
    try {
      for (const e of loaded.model.mastery(state, [id])) out.set(e.skillId, e);
    } catch (e) {
      if (!(e instanceof EngineError && e.code === EngineErrorCode.UnknownSkill)) throw e;
    }
  }
  return out;
}

/**
 * Before any model is active: the target skills and their prerequisites in DAG order, each skill's
 * tasks in order, pinned first and skipped never. No predictions.
 */
function curriculumOnly(
  curriculum: CompiledCurriculum,
  targetSkillIds: readonly string[] | undefined,
  count: number,
  overrides: TeacherOverrides,
): Recommendation[] {
  const wanted = new Set<string>();
  const visit = (id: string) => {
    if (wanted.has(id) || !curriculum.skills.has(id)) return;
    wanted.add(id);
    for (const p of curriculum.skills.get(id)!.prerequisites) visit(p);
  };
  for (const id of targetSkillIds?.length ? targetSkillIds : curriculum.skills.keys()) visit(id);
  const order = topologicalOrder(
    new Map([...wanted].map((id) => [id, curriculum.skills.get(id)!.prerequisites.filter((p) => wanted.has(p))])),
  ).order;
  const skipped = new Set(overrides.skippedTaskIds ?? []);
  const out: Recommendation[] = [];
  const pinned = (overrides.pinnedTaskIds ?? []).filter((t) => !skipped.has(t) && curriculum.tasks.has(t));
  const add = (taskId: string, skillId: string, code: "PINNED" | "CURRICULUM_ORDER") => {
    const skill = curriculum.skills.get(skillId);
    out.push({
      taskId,
      skillId,
      predictedSuccess: NaN,
      expectedProgress: 0,
      reason: {
        code,
        strategy: "curriculum",
        skillId,
        skillName: skill?.name ?? "",
        mastery: NaN,
        masterySd: NaN,
        mastered: false,
        role: targetSkillIds?.includes(skillId) ? "TARGET" : "PREREQUISITE",
        prerequisiteOf: [],
        prerequisites: [],
        predictedSuccess: NaN,
        band: { low: NaN, high: NaN, target: NaN },
        inBand: false,
        matchedInterests: [],
        calibrated: false,
      },
      explanation:
        code === "PINNED"
          ? `pinned by a teacher; practises ${skill?.name ?? "its skill"}`
          : `next in the curriculum: practises ${skill?.name ?? "its skill"}`,
    } as Recommendation);
  };
  for (const t of pinned) if (out.length < count) add(t, curriculum.tasks.get(t)!.skills[0]?.skillId ?? "", "PINNED");
  for (const skillId of order) {
    for (const task of curriculum.tasks.values()) {
      if (out.length >= count) return out;
      if (task.skills[0]?.skillId === skillId && !skipped.has(task.taskId) && !pinned.includes(task.taskId))
        add(task.taskId, skillId, "CURRICULUM_ORDER");
    }
  }
  return out;
}
