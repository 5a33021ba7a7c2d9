/**
 * A school's fairness policy: the mitigation its retrainings apply (admins set it; docs/fairness.md,
 * "Mitigation"). GROUP_BALANCED weights each training learner so that every group of the named
 * protected attribute carries the same total weight in Meta's training loss (engine/fairness
 * mitigation.ts `groupBalancedWeights`). The model receives the weights only — never the attribute —
 * so the trained model's predictions cannot depend on a learner's group.
 */
import { groupBalancedWeights } from "../../engine/fairness/index.js";
import { protectedAttributes } from "../../persistence/audit/audit-inputs.js";
import { FairnessMitigation, FairnessPolicy } from "../../persistence/audit/fairness-policy.entity.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError } from "../common/domain-error.js";
import { ATTRIBUTE_NAME } from "../common/input-bounds.js";
import type { ServiceDeps } from "../service-deps.js";

export { FairnessMitigation };

export interface FairnessPolicyView {
  readonly mitigation: FairnessMitigation;
  readonly attribute: string | null;
  readonly updatedAt: Date | null;
}

/** What a retraining trains with under the policy, and the summary it records on the version. */
export interface TrainingWeights {
  readonly weights: ReadonlyMap<string, number>;
  readonly summary: {
    readonly mitigation: FairnessMitigation;
    readonly attribute: string;
    /** Training learners per group, and those with no value recorded (weight 1). */
    readonly groups: Readonly<Record<string, number>>;
    readonly unlabelled: number;
  };
}

const DEFAULT: FairnessPolicyView = { mitigation: FairnessMitigation.None, attribute: null, updatedAt: null };

export class FairnessPolicyService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(actor: Actor): Promise<FairnessPolicyView> {
    requireRole(actor, Role.Admin);
    return this.of(actor.schoolId);
  }

  async set(actor: Actor, input: { mitigation: FairnessMitigation; attribute?: string | null }): Promise<FairnessPolicyView> {
    requireRole(actor, Role.Admin);
    const attribute = input.mitigation === FairnessMitigation.None ? null : (input.attribute ?? null);
    if (input.mitigation === FairnessMitigation.GroupBalanced && (attribute === null || !ATTRIBUTE_NAME.test(attribute)))
      throw new BadInputError("GROUP_BALANCED needs the attribute whose groups it balances (a recorded attribute's name)", {
        field: "attribute",
      });
    await this.deps.dataSource
      .createQueryBuilder()
      .insert()
      .into(FairnessPolicy)
      .values({ schoolId: actor.schoolId, mitigation: input.mitigation, attribute, updatedBy: actor.subject })
      .orUpdate(["mitigation", "attribute", "updated_by", "updated_at"], ["school_id"])
      .execute();
    return this.of(actor.schoolId);
  }

  /** The weights a retraining of the school trains its learners with; null under NONE. */
  async trainingWeights(schoolId: string, learnerIds: readonly string[]): Promise<TrainingWeights | null> {
    const policy = await this.of(schoolId);
    if (policy.mitigation !== FairnessMitigation.GroupBalanced || !policy.attribute) return null;
    const values = (await protectedAttributes(this.deps.dataSource.manager, this.deps.cipher, schoolId, learnerIds)).get(policy.attribute);
    const groupOf = new Map(learnerIds.map((id) => [id, values?.get(id) ?? null]));
    const groups: Record<string, number> = {};
    let unlabelled = 0;
    for (const g of groupOf.values()) {
      if (g === null) unlabelled++;
      else groups[g] = (groups[g] ?? 0) + 1;
    }
    return {
      weights: groupBalancedWeights(groupOf),
      summary: { mitigation: policy.mitigation, attribute: policy.attribute, groups, unlabelled },
    };
  }

  private async of(schoolId: string): Promise<FairnessPolicyView> {
    const row = await this.deps.dataSource.getRepository(FairnessPolicy).findOneBy({ schoolId });
    return row ? { mitigation: row.mitigation, attribute: row.attribute, updatedAt: row.updatedAt } : DEFAULT;
  }
}
