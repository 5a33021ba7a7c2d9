import { EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { assertLearnerAccess, learnerScope, requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { deadlineProblem, MAX_GOAL_SKILLS, MAX_NAME_LENGTH } from "../common/input-bounds.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { Goal, GoalStatus } from "../../persistence/goal/goal.entity.js";
import { GoalSkill } from "../../persistence/goal/goal-skill.entity.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { contextOf, GOAL_TITLE } from "../../persistence/crypto/encrypted-columns.js";
import { uuidv7 } from "../../shared/ids.js";

export { GoalStatus };

export const DEFAULT_MASTERY_THRESHOLD = 0.8;

export interface CreateGoal {
  readonly learnerId: string;
  readonly title: string;
  readonly skillIds: readonly string[];
  readonly masteryThreshold?: number | null;
  readonly deadline?: Date | null;
}

/** Omitted (or null) fields stay as they are; `deadline: null` removes the deadline. */
export interface UpdateGoal {
  readonly title?: string | null;
  readonly masteryThreshold?: number | null;
  readonly deadline?: Date | null;
  readonly status?: GoalStatus | null;
  readonly skillIds?: readonly string[] | null;
}

export interface GoalFilter {
  readonly learnerId?: string | null;
}

/** A goal as the services hand it out: its title decrypted. */
export type GoalRecord = Pick<
  Goal,
  "id" | "schoolId" | "learnerId" | "masteryThreshold" | "deadline" | "status" | "createdAt" | "updatedAt"
> & {
  readonly title: string;
};

/** The roles with learner-level access (the analyst has none). */
const LEARNER_LEVEL = [Role.Admin, Role.Service, Role.Teacher, Role.Learner];

/** Goals: a learner's target skills, a mastery threshold, an optional deadline and a status. */
export class GoalService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(actor: Actor, filter: GoalFilter, page: PageArgs): Promise<Page<GoalRecord>> {
    const scope = learnerScope(actor, "g.learner_id");
    if (filter.learnerId) await assertLearnerAccess(this.deps.dataSource.manager, actor, filter.learnerId);
    const qb = this.deps.dataSource.getRepository(Goal).createQueryBuilder("g").where("g.school_id = :s", { s: actor.schoolId });
    if (scope) qb.andWhere(scope.sql, scope.params);
    if (filter.learnerId) qb.andWhere("g.learner_id = :learnerId", { learnerId: filter.learnerId });
    const found = await paginate(qb, byId("g"), page, this.deps.maxPageSize);
    return { ...found, nodes: found.nodes.map((g) => this.record(g)) };
  }

  async get(actor: Actor, id: string): Promise<GoalRecord> {
    return this.record(await this.load(this.deps.dataSource.manager, actor, id));
  }

  /** The goal with its title decrypted (what leaves this service). */
  private record(g: Goal): GoalRecord {
    const { id, schoolId, learnerId, masteryThreshold, deadline, status, createdAt, updatedAt } = g;
    const title = this.deps.cipher.decrypt(g.titleEnc, contextOf(GOAL_TITLE, id));
    return { id, schoolId, learnerId, masteryThreshold, deadline, status, createdAt, updatedAt, title };
  }

  /** Reads a goal of the actor's school (NOT_FOUND otherwise) whose learner the actor may access. */
  async load(m: EntityManager, actor: Actor, id: string, lock = false): Promise<Goal> {
    requireRole(actor, ...LEARNER_LEVEL);
    const goal = await m.findOne(Goal, {
      where: { id, schoolId: actor.schoolId },
      ...(lock ? { lock: { mode: "pessimistic_write" as const } } : {}),
    });
    if (!goal) throw new NotFoundError("Goal", id);
    await assertLearnerAccess(m, actor, goal.learnerId, lock ? "write" : "read", { entity: "Goal", id });
    return goal;
  }

  async create(actor: Actor, input: CreateGoal): Promise<GoalRecord> {
    requireRole(actor, ...LEARNER_LEVEL);
    const title = GoalService.checkTitle(input.title);
    const threshold = GoalService.checkThreshold(input.masteryThreshold ?? DEFAULT_MASTERY_THRESHOLD);
    const skillIds = GoalService.checkSkillIds(input.skillIds);
    const deadline = GoalService.checkDeadline(input.deadline ?? null);
    const id = uuidv7();
    return this.deps.dataSource.transaction(async (m) => {
      await assertLearnerAccess(m, actor, input.learnerId, "write");
      await this.assertSkillsExist(m, actor, skillIds);
      const goal = await m.save(
        m.create(Goal, {
          id,
          schoolId: actor.schoolId,
          learnerId: input.learnerId,
          titleEnc: this.deps.cipher.encrypt(title, contextOf(GOAL_TITLE, id)),
          masteryThreshold: threshold,
          deadline,
          status: GoalStatus.Active,
        }),
      );
      await m.save(skillIds.map((skillId) => m.create(GoalSkill, { schoolId: actor.schoolId, goalId: goal.id, skillId })));
      return this.record(goal);
    });
  }

  async update(actor: Actor, id: string, input: UpdateGoal): Promise<GoalRecord> {
    requireRole(actor, ...LEARNER_LEVEL);
    const title = input.title != null ? GoalService.checkTitle(input.title) : undefined;
    const threshold = input.masteryThreshold != null ? GoalService.checkThreshold(input.masteryThreshold) : undefined;
    const skillIds = input.skillIds != null ? GoalService.checkSkillIds(input.skillIds) : undefined;
    const deadline = input.deadline !== undefined ? GoalService.checkDeadline(input.deadline) : undefined;
    if (input.status != null && !Object.values(GoalStatus).includes(input.status))
      throw new BadInputError(`unknown goal status ${input.status}`, { field: "status" });
    return this.deps.dataSource.transaction(async (m) => {
      const goal = await this.load(m, actor, id, true);
      if (title !== undefined) goal.titleEnc = this.deps.cipher.encrypt(title, contextOf(GOAL_TITLE, goal.id));
      if (threshold !== undefined) goal.masteryThreshold = threshold;
      if (deadline !== undefined) goal.deadline = deadline;
      if (input.status != null) goal.status = input.status;
      if (skillIds !== undefined) {
        await this.assertSkillsExist(m, actor, skillIds);
        await m.delete(GoalSkill, { goalId: goal.id, schoolId: actor.schoolId });
        await m.save(skillIds.map((skillId) => m.create(GoalSkill, { schoolId: actor.schoolId, goalId: goal.id, skillId })));
      }
      // Saving bumps updatedAt even when only the target skills changed.
      goal.updatedAt = new Date();
      return this.record(await m.save(goal));
    });
  }

  /** Batch read for data loaders: the goals among `ids` that the actor may see. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<GoalRecord[]> {
    const scope = learnerScope(actor, "g.learner_id");
    const qb = this.deps.dataSource
      .getRepository(Goal)
      .createQueryBuilder("g")
      .where("g.school_id = :s AND g.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] });
    if (scope) qb.andWhere(scope.sql, scope.params);
    return (await qb.getMany()).map((g) => this.record(g));
  }

  /** Target skills per goal (batched, one query), in skill code order. */
  async skillsOf(actor: Actor, goalIds: readonly string[]): Promise<Map<string, Skill[]>> {
    const scope = learnerScope(actor, "g.learner_id");
    const qb = this.deps.dataSource
      .getRepository(Skill)
      .createQueryBuilder("sk")
      .innerJoin(GoalSkill, "gs", "gs.skill_id = sk.id")
      .innerJoin(Goal, "g", "g.id = gs.goal_id")
      .addSelect("gs.goal_id", "goal_id")
      .where("gs.school_id = :s AND gs.goal_id = ANY(:ids)", { s: actor.schoolId, ids: [...goalIds] })
      .orderBy("sk.code", "ASC")
      .addOrderBy("sk.id", "ASC");
    if (scope) qb.andWhere(scope.sql, scope.params);
    const { raw, entities } = await qb.getRawAndEntities();
    const out = new Map<string, Skill[]>();
    // One raw row per (goal, skill); entities are de-duplicated by id, so map raw rows back to them.
    const byIdMap = new Map(entities.map((e) => [e.id, e]));
    for (const r of raw as { goal_id: string; sk_id: string }[]) {
      const skill = byIdMap.get(r.sk_id);
      if (skill) out.set(r.goal_id, [...(out.get(r.goal_id) ?? []), skill]);
    }
    return out;
  }

  private async assertSkillsExist(m: EntityManager, actor: Actor, skillIds: readonly string[]): Promise<void> {
    const found = await m.find(Skill, { select: { id: true }, where: { id: In([...skillIds]), schoolId: actor.schoolId } });
    const have = new Set(found.map((s) => s.id));
    const missing = skillIds.filter((id) => !have.has(id));
    if (missing.length) throw new NotFoundError("Skill", missing.join(", "));
  }

  static checkTitle(title: string): string {
    const t = title.trim();
    if (t.length < 1 || t.length > MAX_NAME_LENGTH)
      throw new BadInputError(`title must hold 1 to ${MAX_NAME_LENGTH} characters`, { field: "title" });
    return t;
  }

  static checkThreshold(threshold: number): number {
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 1) {
      throw new BadInputError("masteryThreshold must be in (0, 1]", { field: "masteryThreshold" });
    }
    return threshold;
  }

  static checkSkillIds(skillIds: readonly string[]): string[] {
    // The list as sent is bounded, not only its distinct ids: a million copies of one id is no goal.
    if (skillIds.length > MAX_GOAL_SKILLS)
      throw new BadInputError(`a goal may have at most ${MAX_GOAL_SKILLS} skills`, { field: "skillIds", max: MAX_GOAL_SKILLS });
    const ids = [...new Set(skillIds)];
    if (ids.length < 1) throw new BadInputError("a goal needs at least one skill", { field: "skillIds" });
    if (ids.length > MAX_GOAL_SKILLS) throw new BadInputError(`a goal may have at most ${MAX_GOAL_SKILLS} skills`, { field: "skillIds" });
    return ids;
  }

  static checkDeadline(deadline: Date | null): Date | null {
    const problem = deadline === null ? null : deadlineProblem(deadline);
    if (problem) throw new BadInputError(`deadline ${problem}`, { field: "deadline" });
    return deadline;
  }
}
