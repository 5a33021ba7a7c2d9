import { Field, InputType } from "type-graphql";
import { Length } from "class-validator";

@InputType()
export class CreateCohortInput {
  @Field() @Length(1, 200) name!: string;
}

@InputType()
export class UpdateCohortInput {
  @Field() @Length(1, 200) name!: string;
}
