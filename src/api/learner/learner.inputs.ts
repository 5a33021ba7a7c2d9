import { Field, InputType } from "type-graphql";
import { ArrayMaxSize, IsEmail, IsOptional, Length, Matches, MaxLength, ValidateNested } from "class-validator";
import { UUID } from "../common/scalars.js";
import {
  EXTERNAL_REF,
  MAX_EMAIL_LENGTH,
  MAX_EXTERNAL_REF_LENGTH,
  MAX_LEARNER_COHORTS,
  MAX_NAME_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_TOPICS,
} from "../../services/common/input-bounds.js";

const INTERESTS = `Topics the learner likes (lower-cased; at most ${MAX_TOPICS}, each at most ${MAX_TOPIC_LENGTH} characters); they break ties between equally suitable tasks.`;
const EXTERNAL_REF_TEXT = `The calling app's pseudonymous id, unique in the school: at most ${MAX_EXTERNAL_REF_LENGTH} letters, digits and . _ : @ -.`;
const EXTERNAL_REF_MESSAGE = `externalRef must hold 1 to ${MAX_EXTERNAL_REF_LENGTH} letters, digits and . _ : @ -`;

@InputType()
export class LearnerProfileInput {
  @Field(() => String, { nullable: true, description: `At least 1, at most ${MAX_NAME_LENGTH} characters.` })
  @IsOptional()
  @Length(1, MAX_NAME_LENGTH)
  displayName?: string | null;
  @Field(() => String, { nullable: true, description: `An e-mail address of at most ${MAX_EMAIL_LENGTH} characters.` })
  @IsOptional()
  @MaxLength(MAX_EMAIL_LENGTH)
  @IsEmail()
  email?: string | null;
}

@InputType()
export class CreateLearnerInput {
  @Field(() => String, { nullable: true, description: EXTERNAL_REF_TEXT })
  @IsOptional()
  @Matches(EXTERNAL_REF, { message: EXTERNAL_REF_MESSAGE })
  externalRef?: string | null;

  @Field(() => LearnerProfileInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  profile?: LearnerProfileInput | null;

  @Field(() => [UUID], { nullable: true, description: `The cohorts to enrol the learner in: at most ${MAX_LEARNER_COHORTS}.` })
  @IsOptional()
  @ArrayMaxSize(MAX_LEARNER_COHORTS)
  cohortIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: INTERESTS })
  @IsOptional()
  @ArrayMaxSize(MAX_TOPICS)
  @Length(1, MAX_TOPIC_LENGTH, { each: true })
  interests?: string[] | null;
}

@InputType()
export class UpdateLearnerInput {
  @Field(() => String, { nullable: true, description: EXTERNAL_REF_TEXT })
  @IsOptional()
  @Matches(EXTERNAL_REF, { message: EXTERNAL_REF_MESSAGE })
  externalRef?: string | null;

  @Field(() => LearnerProfileInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  profile?: LearnerProfileInput | null;

  @Field(() => [String], { nullable: true, description: INTERESTS })
  @IsOptional()
  @ArrayMaxSize(MAX_TOPICS)
  @Length(1, MAX_TOPIC_LENGTH, { each: true })
  interests?: string[] | null;
}
