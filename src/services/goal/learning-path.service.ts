import { EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { assertLearnerAccess, learnerScope, requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { formatBound, MAX_PATH_STEPS, MAX_STEP_REASON_LENGTH } from "../common/input-bounds.js";
import { LearningPath } from "../../persistence/goal/learning-path.entity.js";
import { PathStep, PathStepStatus } from "../../persistence/goal/path-step.entity.js";
import { Task } from "../../persistence/curriculum/task.entity.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { GoalService } from "./goal.service.js";

export { PathStepStatus };

export interface StepInput {
  readonly taskId: string;
  readonly skillId?: string | null;
  readonly reason?: string | null;
}

/** Omitted (or null) fields stay as they are. `position` is 1-based. */
export interface UpdateStep {
  readonly status?: PathStepStatus | null;
  readonly pinned?: boolean | null;
  readonly position?: number | null;
}

/** A step with its task and (when set) its skill. */
export type StepWithTask = PathStep & { task: Task; skill: Skill | null };

const LEARNER_LEVEL = [Role.Admin, Role.Service, Role.Teacher, Role.Learner];

/**
 * Learning paths: one per goal, the ordered steps (task + why) towards it. Positions are 1, 2, 3…
 * without gaps; a teacher (or the learner, an admin, a service) may pin, skip or move steps.
 */
export class LearningPathService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly goals: GoalService,
  ) {}

  async get(actor: Actor, id: string): Promise<LearningPath> {
    requireRole(actor, ...LEARNER_LEVEL);
    const m = this.deps.dataSource.manager;
    const path = await m.findOneBy(LearningPath, { id, schoolId: actor.schoolId });
    if (!path) throw new NotFoundError("LearningPath", id);
    await assertLearnerAccess(m, actor, path.learnerId, "read", { entity: "LearningPath", id });
    return path;
  }

  /** Creates the goal's path or replaces its steps (a hand-made path: no model version). */
  async setSteps(actor: Actor, goalId: string, steps: readonly StepInput[]): Promise<LearningPath> {
    requireRole(actor, ...LEARNER_LEVEL);
    if (steps.length > MAX_PATH_STEPS)
      throw new BadInputError(`a path may have at most ${MAX_PATH_STEPS} steps`, { argument: "steps", max: MAX_PATH_STEPS });
    const clean = steps.map((s, i) => {
      const reason = s.reason ?? "";
      if (reason.length > MAX_STEP_REASON_LENGTH)
        throw new BadInputError(`reason of step ${i + 1} must hold at most ${formatBound(MAX_STEP_REASON_LENGTH)} characters`, {
          argument: "steps",
          index: i,
        });
      return { taskId: s.taskId, skillId: s.skillId ?? null, reason };
    });
    return this.deps.dataSource.transaction(async (m) => {
      // Locking the goal serialises concurrent re-plans of one goal.
      const goal = await this.goals.load(m, actor, goalId, true);
      await this.assertExist(
        m,
        actor,
        Task,
        "Task",
        clean.map((s) => s.taskId),
      );
      await this.assertExist(
        m,
        actor,
        Skill,
        "Skill",
        clean.flatMap((s) => (s.skillId ? [s.skillId] : [])),
      );
      let path = await m.findOneBy(LearningPath, { goalId: goal.id, schoolId: actor.schoolId });
      if (path) {
        await m.delete(PathStep, { pathId: path.id, schoolId: actor.schoolId });
        path.modelVersionId = null;
        path.plannedAt = new Date();
        path.updatedAt = new Date();
        path = await m.save(path);
      } else {
        path = await m.save(
          m.create(LearningPath, {
            schoolId: actor.schoolId,
            goalId: goal.id,
            learnerId: goal.learnerId,
            modelVersionId: null,
            plannedAt: new Date(),
          }),
        );
      }
      const pathId = path.id;
      if (clean.length) {
        await m.save(
          clean.map((s, i) =>
            m.create(PathStep, {
              schoolId: actor.schoolId,
              pathId,
              position: i + 1,
              taskId: s.taskId,
              skillId: s.skillId,
              reason: s.reason,
              status: PathStepStatus.Pending,
              pinned: false,
            }),
          ),
        );
      }
      return path;
    });
  }

  /** Changes a step's status or pin, or moves it to `position` (the other steps are renumbered). */
  async updateStep(actor: Actor, id: string, input: UpdateStep): Promise<StepWithTask> {
    requireRole(actor, ...LEARNER_LEVEL);
    if (input.status != null && !Object.values(PathStepStatus).includes(input.status))
      throw new BadInputError(`unknown step status ${input.status}`, { field: "status" });
    if (input.position != null && (!Number.isInteger(input.position) || input.position < 1)) {
      throw new BadInputError("position must be a positive integer (1 is the first step)", { field: "position" });
    }
    await this.deps.dataSource.transaction(async (m) => {
      const found = await m.findOneBy(PathStep, { id, schoolId: actor.schoolId });
      if (!found) throw new NotFoundError("PathStep", id);
      // Locking the path serialises concurrent moves within it.
      const path = await m.findOne(LearningPath, {
        where: { id: found.pathId, schoolId: actor.schoolId },
        lock: { mode: "pessimistic_write" },
      });
      if (!path) throw new NotFoundError("PathStep", id);
      await assertLearnerAccess(m, actor, path.learnerId, "write", { entity: "PathStep", id });
      const steps = await m.find(PathStep, { where: { pathId: path.id, schoolId: actor.schoolId }, order: { position: "ASC", id: "ASC" } });
      const step = steps.find((s) => s.id === id)!;
      if (input.status != null) step.status = input.status;
      if (input.pinned != null) step.pinned = input.pinned;
      const changed = new Set<PathStep>([step]);
      if (input.position != null) {
        if (input.position > steps.length) {
          throw new BadInputError(`position must be between 1 and ${steps.length}`, { field: "position", max: steps.length });
        }
        const order = steps.filter((s) => s.id !== id);
        order.splice(input.position - 1, 0, step);
        order.forEach((s, i) => {
          if (s.position !== i + 1) {
            s.position = i + 1;
            changed.add(s);
          }
        });
      }
      await m.save([...changed]);
      path.updatedAt = new Date();
      await m.save(path);
    });
    return this.step(actor, id);
  }

  /** Paths per goal (batched): the goals' paths that the actor may see. */
  async byGoalIds(actor: Actor, goalIds: readonly string[]): Promise<Map<string, LearningPath>> {
    const rows = await this.scoped(actor)
      .andWhere("lp.goal_id = ANY(:ids)", { ids: [...goalIds] })
      .getMany();
    return new Map(rows.map((r) => [r.goalId, r]));
  }

  /** Batch read for data loaders: the paths among `ids` that the actor may see. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<LearningPath[]> {
    return this.scoped(actor)
      .andWhere("lp.id = ANY(:ids)", { ids: [...ids] })
      .getMany();
  }

  /** Steps per path in position order, with their task and skill (batched, one query). */
  async stepsOf(actor: Actor, pathIds: readonly string[]): Promise<Map<string, StepWithTask[]>> {
    const scope = learnerScope(actor, "lp.learner_id");
    const qb = this.deps.dataSource
      .getRepository(PathStep)
      .createQueryBuilder("ps")
      .innerJoin(LearningPath, "lp", "lp.id = ps.path_id")
      .innerJoinAndSelect("ps.task", "t")
      .leftJoinAndMapOne("ps.skill", Skill, "sk", "sk.id = ps.skill_id")
      .where("ps.school_id = :s AND ps.path_id = ANY(:ids)", { s: actor.schoolId, ids: [...pathIds] })
      .orderBy("ps.path_id", "ASC")
      .addOrderBy("ps.position", "ASC")
      .addOrderBy("ps.id", "ASC");
    if (scope) qb.andWhere(scope.sql, scope.params);
    const rows = (await qb.getMany()) as StepWithTask[];
    const out = new Map<string, StepWithTask[]>();
    for (const r of rows) out.set(r.pathId, [...(out.get(r.pathId) ?? []), { ...r, skill: r.skill ?? null } as StepWithTask]);
    return out;
  }

  /** One step with its task and skill. */
  async step(actor: Actor, id: string): Promise<StepWithTask> {
    const found = await this.deps.dataSource.getRepository(PathStep).findOneBy({ id, schoolId: actor.schoolId });
    if (!found) throw new NotFoundError("PathStep", id);
    const step = (await this.stepsOf(actor, [found.pathId])).get(found.pathId)?.find((s) => s.id === id);
    if (!step) throw new NotFoundError("PathStep", id);
    return step;
  }

  private scoped(actor: Actor) {
    const scope = learnerScope(actor, "lp.learner_id");
    const qb = this.deps.dataSource.getRepository(LearningPath).createQueryBuilder("lp").where("lp.school_id = :s", { s: actor.schoolId });
    if (scope) qb.andWhere(scope.sql, scope.params);
    return qb;
  }

  private async assertExist(
    m: EntityManager,
    actor: Actor,
    entity: typeof Task | typeof Skill,
    name: string,
    ids: readonly string[],
  ): Promise<void> {
    const unique = [...new Set(ids)];
    if (!unique.length) return;
    const found: { id: string }[] = await m.find(entity, { select: { id: true }, where: { id: In(unique), schoolId: actor.schoolId } });
    const have = new Set(found.map((r) => r.id));
    const missing = unique.filter((x) => !have.has(x));
    if (missing.length) throw new NotFoundError(name, missing.join(", "));
  }
}
