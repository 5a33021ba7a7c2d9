import { Field, InputType } from "type-graphql";
import { ArrayMaxSize, IsEmail, IsOptional, Length, Matches, ValidateNested } from "class-validator";

const INTERESTS = "Topics the learner likes (lower-cased, at most 20); they break ties between equally suitable tasks.";
import { UUID } from "../common/scalars.js";

@InputType()
export class LearnerProfileInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) displayName?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsEmail() email?: string | null;
}

@InputType()
export class CreateLearnerInput {
  @Field(() => String, { nullable: true, description: "The calling app's pseudonymous id, unique in the school." })
  @IsOptional()
  @Matches(/^[\w.:@-]{1,200}$/)
  externalRef?: string | null;

  @Field(() => LearnerProfileInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  profile?: LearnerProfileInput | null;

  @Field(() => [UUID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(50)
  cohortIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: INTERESTS })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  interests?: string[] | null;
}

@InputType()
export class UpdateLearnerInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[\w.:@-]{1,200}$/)
  externalRef?: string | null;

  @Field(() => LearnerProfileInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  profile?: LearnerProfileInput | null;

  @Field(() => [String], { nullable: true, description: INTERESTS })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  interests?: string[] | null;
}
