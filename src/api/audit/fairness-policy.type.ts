import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { FairnessMitigation, type FairnessPolicyView } from "../../services/audit/fairness-policy.service.js";

export const FairnessMitigationValues = Object.fromEntries(Object.values(FairnessMitigation).map((v) => [v, v])) as {
  readonly [K in FairnessMitigation]: K;
};
registerEnumType(FairnessMitigationValues, {
  name: "FairnessMitigation",
  description:
    "NONE: every training learner weighs the same. GROUP_BALANCED: each group of the policy's attribute carries the same total weight in Meta's training loss (the model receives the weights, never the attribute).",
});
export { FairnessMitigation };

@ObjectType("FairnessPolicy", { description: 'What the school\'s retrainings do about fairness (docs/fairness.md, "Mitigation").' })
export class FairnessPolicyType {
  @Field(() => FairnessMitigationValues) mitigation!: FairnessMitigation;
  @Field(() => String, { nullable: true, description: "The protected attribute GROUP_BALANCED balances; null with NONE." })
  attribute!: string | null;
  @Field(() => DateTime, { nullable: true, description: "Null: never set (the default, NONE)." }) updatedAt!: Date | null;

  static from(v: FairnessPolicyView): FairnessPolicyType {
    return Object.assign(new FairnessPolicyType(), v);
  }
}
