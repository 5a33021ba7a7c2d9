import { Actor, Caller, Role } from "../auth/actor.js";
import { requirePlatformAdmin, requireRole } from "../auth/access-policy.js";
import { NotFoundError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { checkSchoolName, checkTimeZone, insertSchool } from "./school-fields.js";

export interface UpdateSchool {
  readonly name?: string | null;
  readonly timeZone?: string | null;
}

export interface CreateSchool {
  readonly name: string;
  readonly timeZone?: string | null;
}

/**
 * The tenant and its staff. Schools are created and listed by the platform admin (or the operator's
 * CLI, which calls `create`); everything else is scoped to the caller's own school.
 */
export class SchoolService {
  constructor(private readonly deps: ServiceDeps) {}

  async current(actor: Actor): Promise<School> {
    const school = await this.deps.dataSource.getRepository(School).findOneBy({ id: actor.schoolId });
    if (!school) throw new NotFoundError("School", actor.schoolId);
    return school;
  }

  /** A new school: the operator's act (CLI, tests), with no caller to check. */
  async create(name: string, timeZone = "UTC"): Promise<School> {
    return insertSchool(this.deps.dataSource, name, timeZone);
  }

  /** A new school, for the platform admin. */
  async createSchool(caller: Caller, input: CreateSchool): Promise<School> {
    requirePlatformAdmin(caller);
    return this.create(input.name, input.timeZone ?? "UTC");
  }

  /** Every school, oldest first, for the platform admin. */
  async list(caller: Caller, page: PageArgs): Promise<Page<School>> {
    requirePlatformAdmin(caller);
    return paginate(this.deps.dataSource.getRepository(School).createQueryBuilder("s"), byId("s"), page, this.deps.maxPageSize);
  }

  async update(actor: Actor, input: UpdateSchool): Promise<School> {
    requireRole(actor, Role.Admin);
    const name = input.name != null ? checkSchoolName(input.name) : undefined;
    const timeZone = input.timeZone ? checkTimeZone(input.timeZone) : undefined;
    const school = await this.current(actor);
    if (name !== undefined) school.name = name;
    if (timeZone !== undefined) school.timeZone = timeZone;
    return this.deps.dataSource.getRepository(School).save(school);
  }

  async createTeacher(actor: Actor, displayName: string): Promise<Teacher> {
    requireRole(actor, Role.Admin);
    const repo = this.deps.dataSource.getRepository(Teacher);
    return repo.save(repo.create({ schoolId: actor.schoolId, displayName }));
  }

  async updateTeacher(actor: Actor, id: string, displayName: string): Promise<Teacher> {
    requireRole(actor, Role.Admin);
    const teacher = await this.teacher(actor, id);
    teacher.displayName = displayName;
    return this.deps.dataSource.getRepository(Teacher).save(teacher);
  }

  async teacher(actor: Actor, id: string): Promise<Teacher> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst, Role.Teacher);
    if (actor.role === Role.Teacher && actor.teacherId !== id) requireRole(actor, Role.Admin);
    const teacher = await this.deps.dataSource.getRepository(Teacher).findOneBy({ id, schoolId: actor.schoolId });
    if (!teacher) throw new NotFoundError("Teacher", id);
    return teacher;
  }

  async teachers(actor: Actor, page: PageArgs): Promise<Page<Teacher>> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst);
    const qb = this.deps.dataSource.getRepository(Teacher).createQueryBuilder("t").where("t.school_id = :s", { s: actor.schoolId });
    return paginate(qb, byId("t"), page, this.deps.maxPageSize);
  }

  async teachersByIds(actor: Actor, ids: readonly string[]): Promise<Teacher[]> {
    return this.deps.dataSource
      .getRepository(Teacher)
      .createQueryBuilder("t")
      .where("t.school_id = :s AND t.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] })
      .getMany();
  }
}
