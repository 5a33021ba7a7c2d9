/**
 * Paths move as attempts arrive. A pending step whose task the learner has just answered correctly is
 * done (in the attempt's own statement, persistence/attempt/attempt-writer.ts). A model-planned path
 * whose learner ran ahead or fell behind is re-planned (replan-trigger.ts says when): decided inside
 * the attempt's transaction from what it already read, run after the commit.
 */
import type { Actor } from "../auth/actor.js";
import type { Logger } from "../../shared/logger.js";
import type { PendingStep, PriorAttempt } from "../../persistence/attempt/attempt-writer.js";
import type { CurriculumCache } from "./curriculum-cache.js";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";
import type { MasteryChange } from "./model-replay.js";
import { replanReason, ReplanReason } from "./replan-trigger.js";

export interface ReplanRequest {
  readonly learnerId: string;
  readonly goalId: string;
  readonly reason: ReplanReason;
}

export interface ReplannedPath extends ReplanRequest {
  readonly pathId: string;
}

export class PathReplanner {
  constructor(
    private readonly curricula: CurriculumCache,
    /** Plans the goal's path again (PersonalisationService.planPath). */
    private readonly replan: (actor: Actor, goalId: string) => Promise<{ path: { id: string } }>,
    private readonly logger: Logger,
  ) {}

  /** The school's curriculum, to be read before the attempt's transaction (PGlite has one connection). */
  curriculum(actor: Actor): Promise<CompiledCurriculum> {
    return this.curricula.get(actor.schoolId);
  }

  /** The learner's paths that these attempts put out of step (no database access). */
  decide(
    curriculum: CompiledCurriculum,
    learnerId: string,
    attempts: readonly { taskId: string; correct: boolean }[],
    changes: readonly MasteryChange[],
    seen: { pending: readonly PendingStep[]; prior: readonly PriorAttempt[] },
  ): ReplanRequest[] {
    const mine = seen.pending.filter((s) => s.learnerId === learnerId);
    if (mine.length === 0 || changes.length === 0) return [];
    const skillsOfTask = (taskId: string) => curriculum.tasks.get(taskId)?.skills.map((q) => q.skillId) ?? [];
    const prior = seen.prior.filter((a) => a.learnerId === learnerId);
    const out: ReplanRequest[] = [];
    for (const goalId of new Set(mine.map((s) => s.goalId))) {
      const steps = mine.filter((s) => s.goalId === goalId);
      const reason = replanReason({
        steps,
        masteryThreshold: steps[0]!.masteryThreshold,
        changes,
        attempts,
        prior,
        skillsOfTask,
      });
      if (reason) out.push({ learnerId, goalId, reason });
    }
    return out;
  }

  /**
   * Re-plans each path (one at a time, each in its own transaction). A failure is logged, not raised:
   * the attempts are recorded already, and the path is only a proposal that the next trigger or a
   * teacher's planPath corrects.
   */
  async run(actor: Actor, requests: readonly ReplanRequest[]): Promise<ReplannedPath[]> {
    const out: ReplannedPath[] = [];
    for (const r of requests) {
      try {
        const plan = await this.replan(actor, r.goalId);
        out.push({ ...r, pathId: plan.path.id });
        this.logger.debug({ learnerId: r.learnerId, goalId: r.goalId, reason: r.reason }, "path re-planned");
      } catch (e) {
        this.logger.warn({ err: e, learnerId: r.learnerId, goalId: r.goalId, reason: r.reason }, "automatic re-plan failed");
      }
    }
    return out;
  }
}
