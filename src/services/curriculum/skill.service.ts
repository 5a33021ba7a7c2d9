import { EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, isUniqueViolation, NotFoundError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { CURRICULUM_CODE, MAX_CODE_LENGTH, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from "../common/input-bounds.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { SkillPrerequisite } from "../../persistence/curriculum/skill-prerequisite.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { assertNoPrerequisiteCycle } from "./prerequisite-graph.js";

/** The curriculum is read by every role of the school and written by admins and services. */
export const CURRICULUM_READERS = [Role.Admin, Role.Service, Role.Teacher, Role.Learner, Role.Analyst] as const;
export const CURRICULUM_WRITERS = [Role.Admin, Role.Service] as const;

export interface CreateSkill {
  readonly code: string;
  readonly name: string;
  readonly description?: string | null;
}

export interface UpdateSkill {
  readonly code?: string | null;
  readonly name?: string | null;
  readonly description?: string | null;
}

/** Codes are short stable identifiers: letters, digits and . _ : - (the first a letter or digit). */
export function checkCurriculumCode(code: string): void {
  if (!CURRICULUM_CODE.test(code)) {
    throw new BadInputError(`code may hold 1 to ${MAX_CODE_LENGTH} letters, digits and . _ : - (starting with a letter or digit)`, {
      field: "code",
    });
  }
}

function checkText(field: string, value: string, min: number, max: number): void {
  if (value.trim().length < min || value.length > max) throw new BadInputError(`${field} must have ${min} to ${max} characters`, { field });
}

/** Skills (knowledge components) and the prerequisite DAG between them. */
export class SkillService {
  constructor(private readonly deps: ServiceDeps) {}

  private get repo() {
    return this.deps.dataSource.getRepository(Skill);
  }

  async create(actor: Actor, input: CreateSkill): Promise<Skill> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    checkCurriculumCode(input.code);
    checkText("name", input.name, 1, MAX_NAME_LENGTH);
    if (input.description != null) checkText("description", input.description, 0, MAX_DESCRIPTION_LENGTH);
    try {
      const skill = await this.repo.save(
        this.repo.create({ schoolId: actor.schoolId, code: input.code, name: input.name, description: input.description ?? "" }),
      );
      this.deps.curriculumChanged?.(actor.schoolId);
      return skill;
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`a skill with code "${input.code}" already exists`, { field: "code" });
      throw e;
    }
  }

  async update(actor: Actor, id: string, input: UpdateSkill): Promise<Skill> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    if (input.code != null) checkCurriculumCode(input.code);
    if (input.name != null) checkText("name", input.name, 1, MAX_NAME_LENGTH);
    if (input.description != null) checkText("description", input.description, 0, MAX_DESCRIPTION_LENGTH);
    const skill = await this.get(actor, id);
    if (input.code != null) skill.code = input.code;
    if (input.name != null) skill.name = input.name;
    if (input.description != null) skill.description = input.description;
    try {
      const saved = await this.repo.save(skill);
      this.deps.curriculumChanged?.(actor.schoolId);
      return saved;
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`a skill with code "${input.code}" already exists`, { field: "code" });
      throw e;
    }
  }

  async get(actor: Actor, id: string): Promise<Skill> {
    requireRole(actor, ...CURRICULUM_READERS);
    const skill = await this.repo.findOneBy({ id, schoolId: actor.schoolId });
    if (!skill) throw new NotFoundError("Skill", id);
    return skill;
  }

  async list(actor: Actor, page: PageArgs): Promise<Page<Skill>> {
    requireRole(actor, ...CURRICULUM_READERS);
    const qb = this.repo.createQueryBuilder("s").where("s.school_id = :s", { s: actor.schoolId });
    return paginate(qb, byId("s"), page, this.deps.maxPageSize);
  }

  /** Batch read for data loaders: the skills among `ids` in the actor's school. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<Skill[]> {
    requireRole(actor, ...CURRICULUM_READERS);
    if (ids.length === 0) return [];
    return this.repo.findBy({ id: In([...new Set(ids)]), schoolId: actor.schoolId });
  }

  /**
   * Adds the edge "`skillId` depends on `prerequisiteId`". Refused with BAD_USER_INPUT (reason
   * PREREQUISITE_CYCLE) when it would close a cycle; the check and the insert share one transaction,
   * serialized per school so that two concurrent additions cannot build a cycle together.
   */
  async addPrerequisite(actor: Actor, skillId: string, prerequisiteId: string): Promise<Skill> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    try {
      return await this.deps.dataSource
        .transaction(async (m) => {
          await lockPrerequisiteGraph(m, actor.schoolId);
          const skill = await m.findOneBy(Skill, { id: skillId, schoolId: actor.schoolId });
          if (!skill) throw new NotFoundError("Skill", skillId);
          if (prerequisiteId !== skillId && !(await m.existsBy(Skill, { id: prerequisiteId, schoolId: actor.schoolId }))) {
            throw new NotFoundError("Skill", prerequisiteId);
          }
          if (await m.existsBy(SkillPrerequisite, { skillId, prerequisiteId, schoolId: actor.schoolId })) {
            throw new ConflictError("this skill already has this prerequisite", { skillId, prerequisiteId });
          }
          const edges = await m.find(SkillPrerequisite, {
            select: { skillId: true, prerequisiteId: true },
            where: { schoolId: actor.schoolId },
          });
          assertNoPrerequisiteCycle(edges, skillId, prerequisiteId);
          await m.save(m.create(SkillPrerequisite, { schoolId: actor.schoolId, skillId, prerequisiteId }));
          return skill;
        })
        .finally(() => this.deps.curriculumChanged?.(actor.schoolId));
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError("this skill already has this prerequisite", { skillId, prerequisiteId });
      throw e;
    }
  }

  async removePrerequisite(actor: Actor, skillId: string, prerequisiteId: string): Promise<Skill> {
    requireRole(actor, ...CURRICULUM_WRITERS);
    const skill = await this.get(actor, skillId);
    const res = await this.deps.dataSource.getRepository(SkillPrerequisite).delete({ skillId, prerequisiteId, schoolId: actor.schoolId });
    if (!res.affected) throw new NotFoundError("SkillPrerequisite", `${skillId}/${prerequisiteId}`);
    this.deps.curriculumChanged?.(actor.schoolId);
    return skill;
  }

  /** The prerequisites of each skill, as skill rows (batched: one query for all keys). */
  async prerequisitesOf(actor: Actor, skillIds: readonly string[]): Promise<Map<string, Skill[]>> {
    requireRole(actor, ...CURRICULUM_READERS);
    const rows = skillIds.length
      ? await this.deps.dataSource.getRepository(SkillPrerequisite).find({
          where: { skillId: In([...new Set(skillIds)]), schoolId: actor.schoolId },
          relations: { prerequisite: true },
          order: { id: "ASC" },
        })
      : [];
    return group(
      rows,
      (r) => r.skillId,
      (r) => r.prerequisite,
    );
  }

  /** The skills that depend directly on each skill (batched). */
  async dependentsOf(actor: Actor, skillIds: readonly string[]): Promise<Map<string, Skill[]>> {
    requireRole(actor, ...CURRICULUM_READERS);
    const rows = skillIds.length
      ? await this.deps.dataSource.getRepository(SkillPrerequisite).find({
          where: { prerequisiteId: In([...new Set(skillIds)]), schoolId: actor.schoolId },
          relations: { skill: true },
          order: { id: "ASC" },
        })
      : [];
    return group(
      rows,
      (r) => r.prerequisiteId,
      (r) => r.skill,
    );
  }
}

/**
 * Serializes changes to a school's prerequisite graph until the transaction ends (a transaction
 * advisory lock, so that two concurrent additions cannot each pass the cycle check).
 */
async function lockPrerequisiteGraph(m: EntityManager, schoolId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`skill_prerequisite:${schoolId}`]);
}

function group<R, V>(rows: readonly R[], key: (r: R) => string, value: (r: R) => V | undefined): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const r of rows) {
    const v = value(r);
    if (v === undefined) continue;
    const list = out.get(key(r));
    if (list) list.push(v);
    else out.set(key(r), [v]);
  }
  return out;
}
