import { In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { requireRole, teacherHasCohort } from "../auth/access-policy.js";
import { ConflictError, isUniqueViolation, NotFoundError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import { Enrollment } from "../../persistence/cohort/enrollment.entity.js";
import { CohortTeacher } from "../../persistence/cohort/cohort-teacher.entity.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { ServiceDeps } from "../service-deps.js";

/** Cohorts (classes), their learners (enrollments) and teachers (assignments). */
export class CohortService {
  constructor(private readonly deps: ServiceDeps) {}

  private get repo() {
    return this.deps.dataSource.getRepository(Cohort);
  }

  async create(actor: Actor, name: string): Promise<Cohort> {
    requireRole(actor, Role.Admin);
    return this.repo.save(this.repo.create({ schoolId: actor.schoolId, name }));
  }

  async update(actor: Actor, id: string, name: string): Promise<Cohort> {
    requireRole(actor, Role.Admin);
    const cohort = await this.get(actor, id);
    cohort.name = name;
    return this.repo.save(cohort);
  }

  async get(actor: Actor, id: string): Promise<Cohort> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst, Role.Teacher);
    const cohort = await this.repo.findOneBy({ id, schoolId: actor.schoolId });
    if (!cohort) throw new NotFoundError("Cohort", id);
    if (actor.role === Role.Teacher && !(await teacherHasCohort(this.deps.dataSource.manager, actor, id))) {
      throw new NotFoundError("Cohort", id); // not the teacher's: as if it did not exist (access-policy.ts)
    }
    return cohort;
  }

  async list(actor: Actor, page: PageArgs): Promise<Page<Cohort>> {
    requireRole(actor, Role.Admin, Role.Service, Role.Analyst, Role.Teacher);
    const qb = this.repo.createQueryBuilder("c").where("c.school_id = :s", { s: actor.schoolId });
    if (actor.role === Role.Teacher)
      qb.andWhere("c.id IN (SELECT cohort_id FROM cohort_teacher WHERE teacher_id = :t)", { t: actor.teacherId });
    return paginate(qb, byId("c"), page, this.deps.maxPageSize);
  }

  async byIds(actor: Actor, ids: readonly string[]): Promise<Cohort[]> {
    if (actor.role === Role.Learner) return this.repo.findBy({ id: In([...ids]), schoolId: actor.schoolId });
    const qb = this.repo.createQueryBuilder("c").where("c.school_id = :s AND c.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] });
    if (actor.role === Role.Teacher)
      qb.andWhere("c.id IN (SELECT cohort_id FROM cohort_teacher WHERE teacher_id = :t)", { t: actor.teacherId });
    return qb.getMany();
  }

  async enroll(actor: Actor, cohortId: string, learnerId: string): Promise<Cohort> {
    requireRole(actor, Role.Admin, Role.Service);
    return this.deps.dataSource.transaction(async (m) => {
      const cohort = await m.findOneBy(Cohort, { id: cohortId, schoolId: actor.schoolId });
      if (!cohort) throw new NotFoundError("Cohort", cohortId);
      if (!(await m.existsBy(Learner, { id: learnerId, schoolId: actor.schoolId }))) throw new NotFoundError("Learner", learnerId);
      if (await m.existsBy(Enrollment, { cohortId, learnerId })) throw new ConflictError("the learner is already enrolled in this cohort");
      await m.save(m.create(Enrollment, { schoolId: actor.schoolId, cohortId, learnerId }));
      return cohort;
    });
  }

  async unenroll(actor: Actor, cohortId: string, learnerId: string): Promise<Cohort> {
    requireRole(actor, Role.Admin, Role.Service);
    const cohort = await this.get(actor, cohortId);
    const res = await this.deps.dataSource.getRepository(Enrollment).delete({ cohortId, learnerId, schoolId: actor.schoolId });
    if (!res.affected) throw new NotFoundError("Enrollment", `${cohortId}/${learnerId}`);
    return cohort;
  }

  async assignTeacher(actor: Actor, cohortId: string, teacherId: string): Promise<Cohort> {
    requireRole(actor, Role.Admin);
    try {
      return await this.deps.dataSource.transaction(async (m) => {
        const cohort = await m.findOneBy(Cohort, { id: cohortId, schoolId: actor.schoolId });
        if (!cohort) throw new NotFoundError("Cohort", cohortId);
        if (!(await m.existsBy(Teacher, { id: teacherId, schoolId: actor.schoolId }))) throw new NotFoundError("Teacher", teacherId);
        await m.save(m.create(CohortTeacher, { schoolId: actor.schoolId, cohortId, teacherId }));
        return cohort;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError("the teacher is already assigned to this cohort");
      throw e;
    }
  }

  async unassignTeacher(actor: Actor, cohortId: string, teacherId: string): Promise<Cohort> {
    requireRole(actor, Role.Admin);
    const cohort = await this.get(actor, cohortId);
    const res = await this.deps.dataSource.getRepository(CohortTeacher).delete({ cohortId, teacherId, schoolId: actor.schoolId });
    if (!res.affected) throw new NotFoundError("CohortTeacher", `${cohortId}/${teacherId}`);
    return cohort;
  }

  /** Teacher ids per cohort (batched). */
  async teacherIdsOf(actor: Actor, cohortIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.deps.dataSource
      .getRepository(CohortTeacher)
      .find({ where: { cohortId: In([...cohortIds]), schoolId: actor.schoolId }, order: { id: "ASC" } });
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.cohortId, [...(out.get(r.cohortId) ?? []), r.teacherId]);
    return out;
  }
}
