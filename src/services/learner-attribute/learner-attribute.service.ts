import { type EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { ATTRIBUTE_NAME, MAX_ATTRIBUTE_VALUE_LENGTH } from "../common/input-bounds.js";
import { Page, PageArgs, paginate, SortKey } from "../common/pagination.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerAttribute } from "../../persistence/learner/learner-attribute.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { uuidv7 } from "../../shared/ids.js";
import { ATTRIBUTE_VALUE, attributeKey, contextOf } from "../../persistence/crypto/encrypted-columns.js";

/** An attribute as the services hand it out: its value decrypted. */
export type AttributeRecord = Pick<LearnerAttribute, "id" | "schoolId" | "learnerId" | "name" | "updatedAt"> & { readonly value: string };

/**
 * Protected attributes (e.g. gender, language status): for the fairness audit ONLY. Read and
 * written by the school's admin alone; never by the model, never on the Learner type, never in
 * analytics.
 */
export class LearnerAttributeService {
  constructor(private readonly deps: ServiceDeps) {}

  async set(actor: Actor, learnerId: string, name: string, value: string): Promise<AttributeRecord> {
    requireRole(actor, Role.Admin);
    LearnerAttributeService.check(name, value);
    return this.deps.dataSource.transaction(async (m) => {
      if (!(await m.existsBy(Learner, { id: learnerId, schoolId: actor.schoolId }))) throw new NotFoundError("Learner", learnerId);
      await m
        .createQueryBuilder()
        .insert()
        .into(LearnerAttribute)
        .values(
          m.create(LearnerAttribute, {
            id: uuidv7(),
            schoolId: actor.schoolId,
            learnerId,
            name,
            valueEnc: this.encryptValue(learnerId, name, value),
          }),
        )
        .orUpdate(["value_enc", "updated_at"], ["learner_id", "name"])
        .execute();
      return this.record(await m.findOneByOrFail(LearnerAttribute, { learnerId, name, schoolId: actor.schoolId }));
    });
  }

  async remove(actor: Actor, learnerId: string, name: string): Promise<void> {
    requireRole(actor, Role.Admin);
    const m = this.deps.dataSource.manager;
    if (!(await m.existsBy(Learner, { id: learnerId, schoolId: actor.schoolId }))) throw new NotFoundError("Learner", learnerId);
    const res = await m.delete(LearnerAttribute, { learnerId, name, schoolId: actor.schoolId });
    if (!res.affected) throw new NotFoundError("LearnerAttribute", `${learnerId}/${name}`);
  }

  /** A learner's attributes in name order. */
  async list(actor: Actor, learnerId: string, page: PageArgs): Promise<Page<AttributeRecord>> {
    requireRole(actor, Role.Admin);
    if (!(await this.deps.dataSource.manager.existsBy(Learner, { id: learnerId, schoolId: actor.schoolId })))
      throw new NotFoundError("Learner", learnerId);
    const qb = this.deps.dataSource
      .getRepository(LearnerAttribute)
      .createQueryBuilder("a")
      .where("a.school_id = :s AND a.learner_id = :l", { s: actor.schoolId, l: learnerId });
    const keys: SortKey<LearnerAttribute>[] = [
      { column: "a.name", value: (r) => r.name },
      { column: "a.id", value: (r) => r.id },
    ];
    const found = await paginate(qb, keys, page, this.deps.maxPageSize);
    return { ...found, nodes: found.nodes.map((a) => this.record(a)) };
  }

  /**
   * In the caller's transaction `m`, gives the learner exactly `values` among the attributes `names`:
   * each named attribute with a value is set (created or updated when it differs), each without one is
   * removed. For an import that owns those attributes (the OneRoster demographics: services/roster/);
   * the values are checked as `set` checks them. Returns what changed.
   */
  async replaceSome(
    m: EntityManager,
    schoolId: string,
    learnerId: string,
    names: readonly string[],
    values: Readonly<Partial<Record<string, string>>>,
  ): Promise<{ created: number; updated: number; unchanged: number; deleted: number }> {
    const out = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    const current = await m.find(LearnerAttribute, { where: { learnerId, name: In([...names]) } });
    const before = new Map(current.map((a) => [a.name, this.record(a).value]));
    for (const name of names) {
      const value = values[name];
      const was = before.get(name);
      if (value === undefined) {
        if (was === undefined) continue;
        await m.delete(LearnerAttribute, { learnerId, name });
        out.deleted++;
      } else if (was === value) out.unchanged++;
      else {
        LearnerAttributeService.check(name, value);
        await m
          .createQueryBuilder()
          .insert()
          .into(LearnerAttribute)
          .values(
            m.create(LearnerAttribute, { id: uuidv7(), schoolId, learnerId, name, valueEnc: this.encryptValue(learnerId, name, value) }),
          )
          .orUpdate(["value_enc", "updated_at"], ["learner_id", "name"])
          .execute();
        out[was === undefined ? "created" : "updated"]++;
      }
    }
    return out;
  }

  private encryptValue(learnerId: string, name: string, value: string): Buffer {
    return this.deps.cipher.encrypt(value, contextOf(ATTRIBUTE_VALUE, attributeKey(learnerId, name)));
  }

  private record(a: LearnerAttribute): AttributeRecord {
    const value = this.deps.cipher.decrypt(a.valueEnc, contextOf(ATTRIBUTE_VALUE, attributeKey(a.learnerId, a.name)));
    return { id: a.id, schoolId: a.schoolId, learnerId: a.learnerId, name: a.name, updatedAt: a.updatedAt, value };
  }

  static check(name: string, value: string): void {
    if (!ATTRIBUTE_NAME.test(name))
      throw new BadInputError("name must start with a letter and hold at most 64 letters, digits and . _ -", { argument: "name" });
    if (value.length < 1 || value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      throw new BadInputError(`value must hold 1 to ${MAX_ATTRIBUTE_VALUE_LENGTH} characters`, { argument: "value" });
    }
  }
}
