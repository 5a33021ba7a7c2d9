import { Field, Float, InputType, Int } from "type-graphql";
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsOptional,
  IsPositive,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from "class-validator";
import { UUID } from "../common/scalars.js";
import { TaskKind, TaskKindValues } from "./task.type.js";
import { CODE, CODE_MESSAGE } from "./skill.inputs.js";

@InputType({ description: "A skill the task exercises, with its Q-matrix weight." })
export class TaskSkillInput {
  @Field(() => UUID) skillId!: string;

  @Field(() => Float, { defaultValue: 1, description: "In (0, 1]; default 1." })
  @IsPositive()
  @Max(1)
  weight!: number;
}

@InputType()
export class CreateTaskInput {
  @Field({ description: "A short stable code, unique in the school (the calling app's item id)." })
  @Matches(CODE, { message: CODE_MESSAGE })
  code!: string;

  @Field() @Length(1, 300) title!: string;

  @Field(() => TaskKindValues) kind!: TaskKind;

  @Field(() => [String], { nullable: true, description: "At most 20; stored lower-case." })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  topics?: string[] | null;

  @Field(() => Int) @Min(0) expectedDurationSeconds!: number;

  @Field(() => [TaskSkillInput], { description: "The task's Q-matrix row: at least one skill, each once." })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique((s: TaskSkillInput) => s.skillId, { message: "a skill may be listed only once" })
  @ValidateNested({ each: true })
  skills!: TaskSkillInput[];
}

@InputType({ description: "Absent fields are left unchanged; `skills`, when given, replaces the task's Q-matrix row." })
export class UpdateTaskInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(CODE, { message: CODE_MESSAGE }) code?: string | null;

  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 300) title?: string | null;

  @Field(() => TaskKindValues, { nullable: true }) @IsOptional() kind?: TaskKind | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  topics?: string[] | null;

  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) expectedDurationSeconds?: number | null;

  @Field(() => [TaskSkillInput], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique((s: TaskSkillInput) => s.skillId, { message: "a skill may be listed only once" })
  @ValidateNested({ each: true })
  skills?: TaskSkillInput[] | null;
}
