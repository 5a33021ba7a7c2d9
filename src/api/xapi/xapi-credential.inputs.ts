import { IsOptional, Length } from "class-validator";
import { Field, InputType } from "type-graphql";
import { MAX_CREDENTIAL_LABEL_LENGTH } from "../../services/xapi/xapi-credential.service.js";
import { XapiScopeValues } from "./xapi-credential.type.js";

@InputType({ description: "A new xAPI credential of the caller's school." })
export class CreateXapiCredentialInput {
  @Field({ description: `What it is for ("Maths quiz app"): at least 1, at most ${MAX_CREDENTIAL_LABEL_LENGTH} characters.` })
  @Length(1, MAX_CREDENTIAL_LABEL_LENGTH)
  label!: string;

  @Field(() => XapiScopeValues, { defaultValue: XapiScopeValues.WRITE })
  scope!: XapiScopeValues;

  @Field({ defaultValue: false, description: "Let a statement from an actor the school does not know create the learner." })
  @IsOptional()
  createLearners!: boolean;
}
