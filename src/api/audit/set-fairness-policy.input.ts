import { Field, InputType } from "type-graphql";
import { IsOptional, Matches } from "class-validator";
import { ATTRIBUTE_NAME } from "../../services/learner-attribute/learner-attribute.service.js";
import { FairnessMitigation, FairnessMitigationValues } from "./fairness-policy.type.js";

@InputType({ description: "A school's fairness policy." })
export class SetFairnessPolicyInput {
  @Field(() => FairnessMitigationValues) mitigation!: FairnessMitigation;

  @Field(() => String, {
    nullable: true,
    description: "Required with GROUP_BALANCED: the protected attribute whose groups are balanced (ignored with NONE).",
  })
  @IsOptional()
  @Matches(ATTRIBUTE_NAME, { message: "attribute must start with a letter and hold at most 64 letters, digits and . _ -" })
  attribute?: string | null;
}
