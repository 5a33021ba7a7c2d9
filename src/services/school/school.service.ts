import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { NotFoundError, BadInputError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { ServiceDeps } from "../service-deps.js";

export interface UpdateSchool {
  readonly name?: string | null;
  readonly timeZone?: string | null;
}

function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    throw new BadInputError(`unknown time zone "${tz}"`, { field: "timeZone" });
  }
}

/** The tenant and its staff. Creating a school is an operator's act (CLI/seed), not an API call. */
export class SchoolService {
  constructor(private readonly deps: ServiceDeps) {}

  async current(actor: Actor): Promise<School> {
    const school = await this.deps.dataSource.getRepository(School).findOneBy({ id: actor.schoolId });
    if (!school) throw new NotFoundError("School", actor.schoolId);
    return school;
  }

  async create(name: string, timeZone = "UTC"): Promise<School> {
    checkTimeZone(timeZone);
    const repo = this.deps.dataSource.getRepository(School);
    return repo.save(repo.create({ name, timeZone }));
  }

  async update(actor: Actor, input: UpdateSchool): Promise<School> {
    requireRole(actor, Role.Admin);
    if (input.timeZone) checkTimeZone(input.timeZone);
    const school = await this.current(actor);
    if (input.name != null) school.name = input.name;
    if (input.timeZone != null) school.timeZone = input.timeZone;
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
    return this.deps.dataSource.getRepository(Teacher).createQueryBuilder("t")
      .where("t.school_id = :s AND t.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] }).getMany();
  }
}
