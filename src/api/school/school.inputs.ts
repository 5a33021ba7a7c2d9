import { Field, InputType } from "type-graphql";
import { IsOptional, Length, MaxLength } from "class-validator";

@InputType()
export class CreateSchoolInput {
  @Field({ description: "1 to 200 characters (trimmed)." }) @Length(1, 200) name!: string;
  @Field({ nullable: true, description: "IANA time zone, e.g. Europe/Paris (default UTC); schedules run in it." })
  @IsOptional()
  @MaxLength(64)
  timeZone?: string;
}

@InputType()
export class UpdateSchoolInput {
  @Field({ nullable: true }) @IsOptional() @Length(1, 200) name?: string;
  @Field({ nullable: true, description: "IANA time zone, e.g. Europe/Paris" }) @IsOptional() @MaxLength(64) timeZone?: string;
}

@InputType()
export class CreateTeacherInput {
  @Field() @Length(1, 200) displayName!: string;
}

@InputType()
export class UpdateTeacherInput {
  @Field() @Length(1, 200) displayName!: string;
}
