import { Field, InputType } from "type-graphql";
import { Length } from "class-validator";
import { MAX_NAME_LENGTH } from "../../services/common/input-bounds.js";

const NAME = `The cohort's name: at least 1, at most ${MAX_NAME_LENGTH} characters.`;

@InputType()
export class CreateCohortInput {
  @Field({ description: NAME }) @Length(1, MAX_NAME_LENGTH) name!: string;
}

@InputType()
export class UpdateCohortInput {
  @Field({ description: NAME }) @Length(1, MAX_NAME_LENGTH) name!: string;
}
