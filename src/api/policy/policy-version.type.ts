import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONObject, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { PolicyStatus, type PolicyVersionInfo } from "../../services/policy/policy-version.service.js";

export const PolicyStatusValues = Object.fromEntries(Object.values(PolicyStatus).map((v) => [v, v])) as { readonly [K in PolicyStatus]: K };
registerEnumType(PolicyStatusValues, {
  name: "PolicyStatus",
  description: "ACTIVE (served by strategy POLICY; at most one), REJECTED (did not beat the tuned ZPD rule in simulation), RETIRED.",
});
export { PolicyStatus };

@ObjectType("PolicyVersion", {
  description:
    "A learned sequencing policy of the school, trained in simulation on its curriculum. The policy file itself is never exposed.",
})
export class PolicyVersionType {
  @Field(() => UUID) id!: string;
  @Field(() => Int, { description: "1, 2, 3… within the school." }) version!: number;
  @Field(() => PolicyStatusValues) status!: PolicyStatus;
  @Field(() => UUID, { description: "The knowledge model version it observes through (was trained with)." }) modelVersionId!: string;
  @Field({ description: "The fingerprint of the curriculum it was trained for." }) curriculumFingerprint!: string;
  @Field(() => JSONObject, {
    description:
      "How it was trained and judged: seed, iterations, episodes, seconds, and `gate`: its figures and the tuned ZPD rule's on held-out simulated episodes.",
  })
  training!: Record<string, unknown>;
  @Field({ description: "Why it was rejected, or why it was put live over the gate." }) notes!: string;
  @Field(() => DateTime, { nullable: true }) activatedAt!: Date | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: PolicyVersionInfo): PolicyVersionType {
    return Object.assign(new PolicyVersionType(), {
      id: e.id,
      version: e.version,
      status: e.status,
      modelVersionId: e.modelVersionId,
      curriculumFingerprint: e.curriculumFingerprint,
      training: e.training ?? {},
      notes: e.notes,
      activatedAt: e.activatedAt,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class PolicyVersionConnection extends Connection(PolicyVersionType, "PolicyVersion") {}
