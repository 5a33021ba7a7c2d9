/**
 * The rows an import creates, gathered and written a table at a time (a few statements for a whole
 * package, where one statement per row took a 10,000-student export ~150,000 round trips:
 * docs/benchmarks/oneroster.md). Inside the import's transaction, as before: all or nothing.
 *
 * Order is kept: `flush` writes the tables parents first (learners and teachers, then their profiles and
 * links, then memberships and their links), and the import flushes before every DELETE it sends (a
 * removed membership, a deleted class), so that every statement sees what the row-by-row import would
 * have seen. The links go in one statement per kind (persistence/roster/roster-links.store.ts, linkPeople
 * and linkMemberships).
 */
import type { EntityManager, ObjectLiteral, EntityTarget } from "typeorm";
import { CohortTeacher } from "../../persistence/cohort/cohort-teacher.entity.js";
import { Enrollment } from "../../persistence/cohort/enrollment.entity.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import {
  linkMemberships,
  linkPeople,
  type MembershipLink,
  type PersonKind,
  type PersonLink,
} from "../../persistence/roster/roster-links.store.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";

/** Rows per multi-row INSERT of an entity (≤ 6 parameters a row: far below PostgreSQL's 65,535). */
const CHUNK = 1_000;

export class RosterInserts {
  private learners: Partial<Learner>[] = [];
  private profiles: Partial<LearnerProfile>[] = [];
  private teachers: Partial<Teacher>[] = [];
  private readonly personLinks: Record<PersonKind, PersonLink[]> = { learner: [], teacher: [] };
  private enrollments: Partial<Enrollment>[] = [];
  private cohortTeachers: Partial<CohortTeacher>[] = [];
  /** By (school, sourcedId): a membership replaced twice before a flush is linked once, as its last value. */
  private memberships = new Map<string, MembershipLink>();

  constructor(private readonly m: EntityManager) {}

  learner(learner: Partial<Learner>, profile: Partial<LearnerProfile>, link: PersonLink): void {
    this.learners.push(learner);
    this.profiles.push(profile);
    this.personLinks.learner.push(link);
  }

  teacher(teacher: Partial<Teacher>, link: PersonLink): void {
    this.teachers.push(teacher);
    this.personLinks.teacher.push(link);
  }

  /** A learner's enrollment (ignored if the learner is already in the cohort, as the row-by-row `orIgnore` did). */
  enrollment(row: Partial<Enrollment>): void {
    this.enrollments.push(row);
  }

  /** A teacher's assignment (ignored if already assigned). */
  cohortTeacher(row: Partial<CohortTeacher>): void {
    this.cohortTeachers.push(row);
  }

  /** Links a membership, replacing the link of the same sourcedId if there was one. */
  membership(link: MembershipLink): void {
    this.memberships.set(`${link.schoolId}|${link.sourcedId}`, link);
  }

  /** Writes everything gathered, parents first. */
  async flush(): Promise<void> {
    await this.insert(Learner, this.learners, false);
    await this.insert(LearnerProfile, this.profiles, false);
    await this.insert(Teacher, this.teachers, false);
    this.learners = [];
    this.profiles = [];
    this.teachers = [];
    for (const kind of ["learner", "teacher"] as const) {
      await linkPeople(this.m, kind, this.personLinks[kind]);
      this.personLinks[kind] = [];
    }
    await this.insert(Enrollment, this.enrollments, true);
    await this.insert(CohortTeacher, this.cohortTeachers, true);
    this.enrollments = [];
    this.cohortTeachers = [];
    await linkMemberships(this.m, [...this.memberships.values()]);
    this.memberships.clear();
  }

  private async insert<T extends ObjectLiteral>(entity: EntityTarget<T>, rows: Partial<T>[], orIgnore: boolean): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const q = this.m
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(rows.slice(i, i + CHUNK) as T[])
        .updateEntity(false);
      await (orIgnore ? q.orIgnore() : q).execute();
    }
  }
}
