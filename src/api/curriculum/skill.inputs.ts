import { Field, InputType } from "type-graphql";
import { IsOptional, Length, Matches, MaxLength } from "class-validator";
import {
  CURRICULUM_CODE,
  formatBound,
  MAX_CODE_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
} from "../../services/common/input-bounds.js";

/** Skill and task codes (the rule: input-bounds.ts). */
export const CODE = CURRICULUM_CODE;
export const CODE_MESSAGE = `code may hold 1 to ${MAX_CODE_LENGTH} letters, digits and . _ : - (starting with a letter or digit)`;
/** The description of a code field, with its bound. */
export const codeDescription = (what: string): string =>
  `${what}: at most ${MAX_CODE_LENGTH} letters, digits and . _ : -, starting with a letter or digit.`;

const NAME = `At least 1, at most ${MAX_NAME_LENGTH} characters.`;
const DESCRIPTION = `At most ${formatBound(MAX_DESCRIPTION_LENGTH)} characters.`;

@InputType()
export class CreateSkillInput {
  @Field({ description: codeDescription("A short stable code, unique in the school") })
  @Matches(CODE, { message: CODE_MESSAGE })
  code!: string;
  @Field({ description: NAME }) @Length(1, MAX_NAME_LENGTH) name!: string;
  @Field(() => String, { nullable: true, description: DESCRIPTION })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;
}

@InputType({ description: "Absent fields are left unchanged." })
export class UpdateSkillInput {
  @Field(() => String, { nullable: true, description: codeDescription("A short stable code, unique in the school") })
  @IsOptional()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string | null;
  @Field(() => String, { nullable: true, description: NAME }) @IsOptional() @Length(1, MAX_NAME_LENGTH) name?: string | null;
  @Field(() => String, { nullable: true, description: DESCRIPTION })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;
}
