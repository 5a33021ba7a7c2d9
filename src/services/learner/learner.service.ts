import { EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { assertLearnerAccess, learnerScope, requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, ForbiddenError, isUniqueViolation, NotFoundError } from "../common/domain-error.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { EXTERNAL_REF, MAX_EXTERNAL_REF_LENGTH, MAX_TOPICS } from "../common/input-bounds.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import { Enrollment } from "../../persistence/cohort/enrollment.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { contextOf, LEARNER_DISPLAY_NAME, LEARNER_EMAIL, LEARNER_INTERESTS } from "../../persistence/crypto/encrypted-columns.js";
import { uuidv7 } from "../../shared/ids.js";

export interface ProfileData {
  readonly displayName?: string | null;
  readonly email?: string | null;
}

/** Lower-cased, trimmed, de-duplicated interests (at most MAX_TOPICS: the API refuses more). */
export function normaliseInterests(topics: readonly string[] | null | undefined): string[] {
  return [...new Set((topics ?? []).map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))].slice(0, MAX_TOPICS);
}

export interface CreateLearner {
  readonly externalRef?: string | null;
  readonly interests?: readonly string[] | null;
  readonly profile?: ProfileData | null;
  readonly cohortIds?: readonly string[] | null;
}

export interface UpdateLearner {
  readonly externalRef?: string | null;
  readonly interests?: readonly string[] | null;
  readonly profile?: ProfileData | null;
}

export interface LearnerFilter {
  readonly cohortId?: string | null;
}

/** A learner as the services hand it out: its interests decrypted. */
export type LearnerRecord = Pick<Learner, "id" | "schoolId" | "externalRef" | "createdAt" | "updatedAt"> & { readonly interests: string[] };

/** Learners: pseudonymous rows, with personal data kept apart and encrypted. */
export class LearnerService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Creates a learner; `within`, when given, runs in the creation's transaction once the learner is
   * written (what it throws rolls the creation back: e.g. a link to it that another process made first).
   */
  async create(
    actor: Actor,
    input: CreateLearner,
    within?: (m: EntityManager, learnerId: string) => Promise<void>,
  ): Promise<LearnerRecord> {
    requireRole(actor, Role.Admin, Role.Service);
    const id = uuidv7();
    try {
      return await this.deps.dataSource.transaction(async (m) => {
        const learner = await m.save(
          m.create(Learner, {
            id,
            schoolId: actor.schoolId,
            externalRef: input.externalRef ?? null,
            interestsEnc: this.deps.cipher.encryptList(normaliseInterests(input.interests), contextOf(LEARNER_INTERESTS, id)),
          }),
        );
        if (input.profile) await this.writeProfile(m, actor, learner.id, input.profile);
        const cohortIds = [...new Set(input.cohortIds ?? [])];
        if (cohortIds.length) {
          const found = await m.count(Cohort, { where: { id: In(cohortIds), schoolId: actor.schoolId } });
          if (found !== cohortIds.length) throw new NotFoundError("Cohort", cohortIds.join(", "));
          await m.save(cohortIds.map((cohortId) => m.create(Enrollment, { schoolId: actor.schoolId, cohortId, learnerId: learner.id })));
        }
        await within?.(m, learner.id);
        return this.record(learner);
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictError(`a learner with externalRef "${input.externalRef}" already exists`, { field: "externalRef" });
      throw e;
    }
  }

  async update(actor: Actor, id: string, input: UpdateLearner): Promise<LearnerRecord> {
    requireRole(actor, Role.Admin, Role.Service);
    try {
      return await this.deps.dataSource.transaction(async (m) => {
        const learner = await assertLearnerAccess(m, actor, id, "write");
        if (input.externalRef !== undefined) learner.externalRef = input.externalRef;
        if (input.interests != null)
          learner.interestsEnc = this.deps.cipher.encryptList(normaliseInterests(input.interests), contextOf(LEARNER_INTERESTS, id));
        await m.save(learner);
        if (input.profile) await this.writeProfile(m, actor, id, input.profile);
        return this.record(learner);
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictError(`a learner with externalRef "${input.externalRef}" already exists`, { field: "externalRef" });
      throw e;
    }
  }

  private async writeProfile(m: EntityManager, actor: Actor, learnerId: string, profile: ProfileData): Promise<void> {
    const existing = await m.findOneBy(LearnerProfile, { learnerId });
    const row = existing ?? m.create(LearnerProfile, { learnerId, schoolId: actor.schoolId, displayNameEnc: null, emailEnc: null });
    const { cipher } = this.deps;
    if (profile.displayName !== undefined)
      row.displayNameEnc = cipher.encryptOptional(profile.displayName, contextOf(LEARNER_DISPLAY_NAME, learnerId));
    if (profile.email !== undefined) row.emailEnc = cipher.encryptOptional(profile.email, contextOf(LEARNER_EMAIL, learnerId));
    await m.save(row);
  }

  async get(actor: Actor, id: string): Promise<LearnerRecord> {
    return this.record(await assertLearnerAccess(this.deps.dataSource.manager, actor, id));
  }

  /** The learner with its interests decrypted (what leaves this service). */
  private record(l: Learner): LearnerRecord {
    const { id, schoolId, externalRef, createdAt, updatedAt } = l;
    return {
      id,
      schoolId,
      externalRef,
      createdAt,
      updatedAt,
      interests: this.deps.cipher.decryptList(l.interestsEnc, contextOf(LEARNER_INTERESTS, id)),
    };
  }

  async list(actor: Actor, filter: LearnerFilter, page: PageArgs): Promise<Page<LearnerRecord>> {
    const scope = learnerScope(actor, "l.id");
    const qb = this.deps.dataSource.getRepository(Learner).createQueryBuilder("l").where("l.school_id = :s", { s: actor.schoolId });
    if (scope) qb.andWhere(scope.sql, scope.params);
    if (filter.cohortId)
      qb.andWhere("l.id IN (SELECT learner_id FROM enrollment WHERE cohort_id = :cohortId)", { cohortId: filter.cohortId });
    const found = await paginate(qb, byId("l"), page, this.deps.maxPageSize);
    return { ...found, nodes: found.nodes.map((l) => this.record(l)) };
  }

  /** Batch read for data loaders: the learners among `ids` that the actor may see. */
  async byIds(actor: Actor, ids: readonly string[]): Promise<LearnerRecord[]> {
    return (await this.visible(actor, ids)).map((l) => this.record(l));
  }

  private async visible(actor: Actor, ids: readonly string[]): Promise<Learner[]> {
    if (actor.role === Role.Analyst) return [];
    const scope = learnerScope(actor, "l.id");
    const qb = this.deps.dataSource
      .getRepository(Learner)
      .createQueryBuilder("l")
      .where("l.school_id = :s AND l.id = ANY(:ids)", { s: actor.schoolId, ids: [...ids] });
    if (scope) qb.andWhere(scope.sql, scope.params);
    return qb.getMany();
  }

  /** Decrypted personal data of learners, for the roles allowed to see it; batched for loaders. */
  async profiles(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, { displayName: string | null; email: string | null }>> {
    if (actor.role === Role.Analyst) throw new ForbiddenError("analysts have no access to personal data");
    const visible = await this.visible(actor, learnerIds);
    const rows = visible.length
      ? await this.deps.dataSource.getRepository(LearnerProfile).findBy({ learnerId: In(visible.map((l) => l.id)) })
      : [];
    return new Map(
      rows.map((r) => [
        r.learnerId,
        {
          displayName: this.deps.cipher.decryptOptional(r.displayNameEnc, contextOf(LEARNER_DISPLAY_NAME, r.learnerId)),
          email: this.deps.cipher.decryptOptional(r.emailEnc, contextOf(LEARNER_EMAIL, r.learnerId)),
        },
      ]),
    );
  }

  /** Cohort ids per learner (batched). */
  async cohortIdsOf(actor: Actor, learnerIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.deps.dataSource
      .getRepository(Enrollment)
      .find({ where: { learnerId: In([...learnerIds]), schoolId: actor.schoolId }, order: { id: "ASC" } });
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.learnerId, [...(out.get(r.learnerId) ?? []), r.cohortId]);
    return out;
  }

  static checkExternalRef(ref: string | null | undefined): void {
    if (ref !== null && ref !== undefined && !EXTERNAL_REF.test(ref)) {
      throw new BadInputError(`externalRef must hold 1 to ${MAX_EXTERNAL_REF_LENGTH} letters, digits and . _ : @ -`, {
        field: "externalRef",
      });
    }
  }
}
