import { Actor, Caller, isPlatformAdmin, Role } from "../auth/actor.js";
import { principalExists } from "../../persistence/school/principal.js";
import { requirePlatformAdmin, requireRole } from "../auth/access-policy.js";
import { NotFoundError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { contextOf, TEACHER_NAME } from "../../persistence/crypto/encrypted-columns.js";
import { uuidv7 } from "../../shared/ids.js";

/** A teacher as the services hand it out: its name decrypted. */
export type TeacherRecord = Pick<Teacher, "id" | "schoolId" | "createdAt"> & { readonly displayName: string };
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

  /** Whether the token's school exists, and its learner or teacher in it (a platform admin names no school). */
  namesSomebody(caller: Caller): Promise<boolean> {
    if (isPlatformAdmin(caller)) return Promise.resolve(true);
    return principalExists(this.deps.dataSource.manager, caller);
  }

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

  async createTeacher(actor: Actor, displayName: string): Promise<TeacherRecord> {
    requireRole(actor, Role.Admin);
    const repo = this.deps.dataSource.getRepository(Teacher);
    const id = uuidv7();
    return this.record(await repo.save(repo.create({ id, schoolId: actor.schoolId, displayNameEnc: this.encryptName(id, displayName) })));
  }

  async updateTeacher(actor: Actor, id: string, displayName: string): Promise<TeacherRecord> {
    requireRole(actor, Role.Admin);
    const teacher = await this.teacherRow(actor, id);
    teacher.displayNameEnc = this.encryptName(id, displayName);
    return this.record(await this.deps.dataSource.getRepository(Teacher).save(teacher));
  }

  async teacher(actor: Actor, id: string): Promise<TeacherRecord> {
    return this.record(await this.teacherRow(actor, id));
  }

  private async teacherRow(actor: Actor, id: string): Promise<Teacher> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst, Role.Teacher);
    const teacher = await this.visibleTeachers(actor).andWhere("t.id = :id", { id }).getOne();
    // Out of a teacher's reach: as if it did not exist (access-policy.ts).
    if (!teacher) throw new NotFoundError("Teacher", id);
    return teacher;
  }

  async teachers(actor: Actor, page: PageArgs): Promise<Page<TeacherRecord>> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst, Role.Teacher);
    const found = await paginate(this.visibleTeachers(actor), byId("t"), page, this.deps.maxPageSize);
    return { ...found, nodes: found.nodes.map((t) => this.record(t)) };
  }

  /** The school's teachers the actor may see: a teacher sees itself and the teachers of its cohorts (as Cohort.teachers shows them). */
  private visibleTeachers(actor: Actor) {
    const qb = this.deps.dataSource.getRepository(Teacher).createQueryBuilder("t").where("t.school_id = :s", { s: actor.schoolId });
    if (actor.role === Role.Teacher)
      qb.andWhere(
        `(t.id = :self OR t.id IN (SELECT ct.teacher_id FROM cohort_teacher ct JOIN cohort_teacher mine ON mine.cohort_id = ct.cohort_id
                                   WHERE mine.teacher_id = :self))`,
        { self: actor.teacherId },
      );
    return qb;
  }

  async teachersByIds(actor: Actor, ids: readonly string[]): Promise<TeacherRecord[]> {
    const rows = await this.deps.dataSource
      .getRepository(Teacher)
      .createQueryBuilder("t")
      .where("t.school_id = :s AND t.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] })
      .getMany();
    return rows.map((t) => this.record(t));
  }

  private encryptName(id: string, displayName: string): Buffer {
    return this.deps.cipher.encrypt(displayName, contextOf(TEACHER_NAME, id));
  }

  private record(t: Teacher): TeacherRecord {
    return {
      id: t.id,
      schoolId: t.schoolId,
      createdAt: t.createdAt,
      displayName: this.deps.cipher.decrypt(t.displayNameEnc, contextOf(TEACHER_NAME, t.id)),
    };
  }
}
