import { Field, InputType } from "type-graphql";
import { IsOptional, Length, Matches, MaxLength } from "class-validator";

/** Skill and task codes. */
export const CODE = /^[A-Za-z0-9][\w.:-]{0,99}$/;
export const CODE_MESSAGE = "code may hold 1 to 100 letters, digits and . _ : - (starting with a letter or digit)";

@InputType()
export class CreateSkillInput {
  @Field({ description: "A short stable code, unique in the school." }) @Matches(CODE, { message: CODE_MESSAGE }) code!: string;
  @Field() @Length(1, 200) name!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(10000) description?: string | null;
}

@InputType({ description: "Absent fields are left unchanged." })
export class UpdateSkillInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(CODE, { message: CODE_MESSAGE }) code?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) name?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(10000) description?: string | null;
}
