import { EntityManager, In } from "typeorm";
import { Actor } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, isUniqueViolation, NotFoundError } from "../common/domain-error.js";
import {
  formatBound,
  MAX_EXPECTED_DURATION_SECONDS,
  MAX_SKILLS_PER_TASK,
  MAX_TASK_TITLE_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_TOPICS,
} from "../common/input-bounds.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { Task, TaskKind } from "../../persistence/curriculum/task.entity.js";
import { TaskSkill } from "../../persistence/curriculum/task-skill.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { uuidv7 } from "../../shared/ids.js";
import { checkCurriculumCode, CURRICULUM_READERS, CURRICULUM_WRITERS } from "./skill.service.js";
import { isIri } from "../xapi/xapi-values.js";

export { TaskKind };

/** One cell of the task's Q-matrix row: the skill it exercises, with a weight in (0, 1] (default 1). */
export interface TaskSkillWeight {
  readonly skillId: string;
  readonly weight?: number | null;
}

export interface CreateTask {
  readonly code: string;
  readonly title: string;
  readonly kind: TaskKind;
  readonly topics?: readonly string[] | null;
  readonly expectedDurationSeconds: number;
  readonly skills: readonly TaskSkillWeight[];
  /** The xAPI activity IRI statements name the task by (MAX_ACTIVITY_ID_LENGTH); unique in the school. */
  readonly activityId?: string | null;
}

/** Absent (or null) fields are left unchanged; `skills`, when given, replaces the whole Q-matrix row. */
export interface UpdateTask {
  readonly code?: string | null;
  readonly title?: string | null;
  readonly kind?: TaskKind | null;
  readonly topics?: readonly string[] | null;
  readonly expectedDurationSeconds?: number | null;
  readonly skills?: readonly TaskSkillWeight[] | null;
  /** Absent: unchanged; null: removed. */
  readonly activityId?: string | null;
}

export interface TaskFilter {
  readonly skillId?: string | null;
  readonly kind?: TaskKind | null;
}

const KINDS = new Set<string>(Object.values(TaskKind));

/** Topics are trimmed, lower-cased and de-duplicated (first occurrence kept); at most MAX_TOPICS. */
export function normalizeTopics(topics: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of topics) {
    const t = raw.trim().toLowerCase();
    if (t.length === 0 || t.length > MAX_TOPIC_LENGTH)
      throw new BadInputError(`a topic must have 1 to ${MAX_TOPIC_LENGTH} characters`, { field: "topics" });
    if (!out.includes(t)) out.push(t);
  }
  if (out.length > MAX_TOPICS) throw new BadInputError(`a task has at most ${MAX_TOPICS} topics`, { field: "topics", max: MAX_TOPICS });
  return out;
}

export function checkDuration(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EXPECTED_DURATION_SECONDS) {
    throw new BadInputError(`expectedDurationSeconds must be an integer from 0 to ${formatBound(MAX_EXPECTED_DURATION_SECONDS)}`, {
      field: "expectedDurationSeconds",
    });
  }
}

/** The longest xAPI activity IRI a task holds. */
export const MAX_ACTIVITY_ID_LENGTH = 2048;

/** An xAPI activity id: an absolute IRI (xapi-values.ts) of at most MAX_ACTIVITY_ID_LENGTH characters. */
export function checkActivityId(activityId: string): void {
  if (activityId.length > MAX_ACTIVITY_ID_LENGTH || !isIri(activityId))
    throw new BadInputError(`activityId must be an absolute IRI of at most ${formatBound(MAX_ACTIVITY_ID_LENGTH)} characters`, {
      field: "activityId",
    });
}

/** A task's activity id names no other task of the school (a statement must map to one task). */
async function assertActivityFree(m: EntityManager, schoolId: string, activityId: string, taskId: string | null): Promise<void> {
  const other = await m.findOneBy(Task, { schoolId, activityId });
  if (other && other.id !== taskId)
    throw new ConflictError(`another task already has this activityId`, { field: "activityId", taskId: other.id });
}

export function checkKind(kind: string): void {
  if (!KINDS.has(kind)) throw new BadInputError(`unknown task kind "${kind}"`, { field: "kind" });
}

/** The Q-matrix row: at least one skill, no skill twice, every weight in (0, 1]. Returns weights with defaults applied. */
export function normalizeTaskSkills(skills: readonly TaskSkillWeight[]): { skillId: string; weight: number }[] {
  if (skills.length === 0) throw new BadInputError("a task exercises at least one skill", { field: "skills" });
  if (skills.length > MAX_SKILLS_PER_TASK)
    throw new BadInputError(`a task exercises at most ${MAX_SKILLS_PER_TASK} skills`, { field: "skills" });
  const seen = new Set<string>();
  return skills.map((s) => {
    if (seen.has(s.skillId)) throw new BadInputError(`skill ${s.skillId} is listed twice`, { field: "skills", skillId: s.skillId });
    seen.add(s.skillId);
    const weight = s.weight ?? 1;
    if (!(weight > 0 && weight <= 1))
      throw new BadInputError("a skill weight must be in (0, 1]", { field: "skills.weight", skillId: s.skillId });
    return { skillId: s.skillId, weight };
  });
}

/** Tasks and their Q-matrix rows (TaskSkill: which skills a task exercises, with weights). */
export class TaskService {
  constructor(private readonly deps: ServiceDeps) {}

  private get repo() {
    return this.deps.dataSource.getRepository(Task);
  }

  async create(actor: Actor, input: CreateTask): Promise<Task> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    checkCurriculumCode(input.code);
    checkTitle(input.title);
    checkKind(input.kind);
    checkDuration(input.expectedDurationSeconds);
    if (input.activityId != null) checkActivityId(input.activityId);
    const topics = normalizeTopics(input.topics ?? []);
    const skills = normalizeTaskSkills(input.skills);
    try {
      return await this.deps.dataSource
        .transaction(async (m) => {
          await assertSkillsExist(
            m,
            actor,
            skills.map((s) => s.skillId),
          );
          if (input.activityId != null) await assertActivityFree(m, actor.schoolId, input.activityId, null);
          const task = await m.save(
            m.create(Task, {
              schoolId: actor.schoolId,
              code: input.code,
              title: input.title,
              kind: input.kind,
              topics,
              expectedDurationSeconds: input.expectedDurationSeconds,
              difficulty: null,
              activityId: input.activityId ?? null,
            }),
          );
          await writeTaskSkills(m, actor, task.id, skills);
          return task;
        })
        .finally(() => this.deps.curriculumChanged?.(actor.schoolId));
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`a task with code "${input.code}" already exists`, { field: "code" });
      throw e;
    }
  }

  async update(actor: Actor, id: string, input: UpdateTask): Promise<Task> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    if (input.code != null) checkCurriculumCode(input.code);
    if (input.title != null) checkTitle(input.title);
    if (input.kind != null) checkKind(input.kind);
    if (input.expectedDurationSeconds != null) checkDuration(input.expectedDurationSeconds);
    if (input.activityId != null) checkActivityId(input.activityId);
    const topics = input.topics != null ? normalizeTopics(input.topics) : undefined;
    const skills = input.skills != null ? normalizeTaskSkills(input.skills) : undefined;
    try {
      return await this.deps.dataSource
        .transaction(async (m) => {
          const task = await m.findOneBy(Task, { id, schoolId: actor.schoolId });
          if (!task) throw new NotFoundError("Task", id);
          if (input.code != null) task.code = input.code;
          if (input.title != null) task.title = input.title;
          if (input.kind != null) task.kind = input.kind;
          if (topics !== undefined) task.topics = topics;
          if (input.expectedDurationSeconds != null) task.expectedDurationSeconds = input.expectedDurationSeconds;
          if (input.activityId !== undefined) {
            if (input.activityId !== null) await assertActivityFree(m, actor.schoolId, input.activityId, id);
            task.activityId = input.activityId;
          }
          if (skills) {
            await assertSkillsExist(
              m,
              actor,
              skills.map((s) => s.skillId),
            );
            await m.delete(TaskSkill, { taskId: id, schoolId: actor.schoolId });
            await writeTaskSkills(m, actor, id, skills);
          }
          return m.save(task);
        })
        .finally(() => this.deps.curriculumChanged?.(actor.schoolId));
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`a task with code "${input.code}" already exists`, { field: "code" });
      throw e;
    }
  }

  async get(actor: Actor, id: string): Promise<Task> {
    requireRole(actor, ...CURRICULUM_READERS);
    const task = await this.repo.findOneBy({ id, schoolId: actor.schoolId });
    if (!task) throw new NotFoundError("Task", id);
    return task;
  }

  /** Tasks of the school, optionally only those exercising a skill and/or of a kind. */
  async list(actor: Actor, filter: TaskFilter, page: PageArgs): Promise<Page<Task>> {
    requireRole(actor, ...CURRICULUM_READERS);
    const qb = this.repo.createQueryBuilder("t").where("t.school_id = :s", { s: actor.schoolId });
    if (filter.skillId)
      qb.andWhere("t.id IN (SELECT ts.task_id FROM task_skill ts WHERE ts.skill_id = :skillId)", { skillId: filter.skillId });
    if (filter.kind) {
      checkKind(filter.kind);
      qb.andWhere("t.kind = :kind", { kind: filter.kind });
    }
    return paginate(qb, byId("t"), page, this.deps.maxPageSize);
  }

  /** Batch read for data loaders: the tasks among `ids` in the actor's school. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<Task[]> {
    requireRole(actor, ...CURRICULUM_READERS);
    if (ids.length === 0) return [];
    return this.repo.findBy({ id: In([...new Set(ids)]), schoolId: actor.schoolId });
  }

  /** The Q-matrix rows of tasks (batched: one query for all keys), in the order they were written. */
  async skillsOf(actor: Actor, taskIds: readonly string[]): Promise<Map<string, TaskSkill[]>> {
    requireRole(actor, ...CURRICULUM_READERS);
    const rows = taskIds.length
      ? await this.deps.dataSource
          .getRepository(TaskSkill)
          .find({ where: { taskId: In([...new Set(taskIds)]), schoolId: actor.schoolId }, order: { id: "ASC" } })
      : [];
    const out = new Map<string, TaskSkill[]>();
    for (const r of rows) {
      const list = out.get(r.taskId);
      if (list) list.push(r);
      else out.set(r.taskId, [r]);
    }
    return out;
  }
}

function checkTitle(title: string): void {
  if (title.trim().length === 0 || title.length > MAX_TASK_TITLE_LENGTH)
    throw new BadInputError(`title must have 1 to ${MAX_TASK_TITLE_LENGTH} characters`, { field: "title" });
}

async function assertSkillsExist(m: EntityManager, actor: Actor, skillIds: readonly string[]): Promise<void> {
  const found = await m.find(Skill, { select: { id: true }, where: { id: In([...skillIds]), schoolId: actor.schoolId } });
  if (found.length === skillIds.length) return;
  const have = new Set(found.map((s) => s.id));
  throw new NotFoundError("Skill", skillIds.filter((id) => !have.has(id)).join(", "));
}

async function writeTaskSkills(
  m: EntityManager,
  actor: Actor,
  taskId: string,
  skills: readonly { skillId: string; weight: number }[],
): Promise<void> {
  // Ids are given here, in input order, so that the row reads back in the order it was written.
  const rows = skills.map((s) =>
    m.create(TaskSkill, { id: uuidv7(), schoolId: actor.schoolId, taskId, skillId: s.skillId, weight: s.weight }),
  );
  await m.save(rows);
}
