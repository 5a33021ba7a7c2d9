import { Field, InputType } from "type-graphql";
import { IsOptional, Matches } from "class-validator";
import { ATTRIBUTE_NAME, MAX_ATTRIBUTE_NAME_LENGTH } from "../../services/common/input-bounds.js";
import { FairnessMitigation, FairnessMitigationValues } from "./fairness-policy.type.js";

@InputType({ description: "A school's fairness policy." })
export class SetFairnessPolicyInput {
  @Field(() => FairnessMitigationValues) mitigation!: FairnessMitigation;

  @Field(() => String, {
    nullable: true,
    description: `Required with GROUP_BALANCED: the protected attribute whose groups are balanced (ignored with NONE); a name of at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters.`,
  })
  @IsOptional()
  @Matches(ATTRIBUTE_NAME, {
    message: `attribute must start with a letter and hold at most ${MAX_ATTRIBUTE_NAME_LENGTH} letters, digits and . _ -`,
  })
  attribute?: string | null;
}
