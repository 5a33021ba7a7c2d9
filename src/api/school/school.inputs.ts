import { Field, InputType } from "type-graphql";
import { IsOptional, Length, MaxLength } from "class-validator";
import { MAX_NAME_LENGTH, MAX_TIME_ZONE_LENGTH } from "../../services/common/input-bounds.js";

const SCHOOL_NAME = `At least 1, at most ${MAX_NAME_LENGTH} characters (trimmed).`;
const TEACHER_NAME = `The teacher's name: at least 1, at most ${MAX_NAME_LENGTH} characters.`;

@InputType()
export class CreateSchoolInput {
  @Field({ description: SCHOOL_NAME }) @Length(1, MAX_NAME_LENGTH) name!: string;
  @Field({
    nullable: true,
    description: `IANA time zone, e.g. Europe/Paris (default UTC; at most ${MAX_TIME_ZONE_LENGTH} characters); schedules run in it.`,
  })
  @IsOptional()
  @MaxLength(MAX_TIME_ZONE_LENGTH)
  timeZone?: string;
}

@InputType()
export class UpdateSchoolInput {
  @Field({ nullable: true, description: SCHOOL_NAME }) @IsOptional() @Length(1, MAX_NAME_LENGTH) name?: string;
  @Field({ nullable: true, description: `IANA time zone, e.g. Europe/Paris (at most ${MAX_TIME_ZONE_LENGTH} characters).` })
  @IsOptional()
  @MaxLength(MAX_TIME_ZONE_LENGTH)
  timeZone?: string;
}

@InputType()
export class CreateTeacherInput {
  @Field({ description: TEACHER_NAME }) @Length(1, MAX_NAME_LENGTH) displayName!: string;
}

@InputType()
export class UpdateTeacherInput {
  @Field({ description: TEACHER_NAME }) @Length(1, MAX_NAME_LENGTH) displayName!: string;
}
