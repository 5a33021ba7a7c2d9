import { Field, Float, InputType, Int } from "type-graphql";
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsInt,
  IsOptional,
  IsPositive,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from "class-validator";
import { UUID } from "../common/scalars.js";
import { TaskKind, TaskKindValues } from "./task.type.js";
import { CODE, CODE_MESSAGE, codeDescription } from "./skill.inputs.js";
import { MAX_ACTIVITY_ID_LENGTH } from "../../services/curriculum/task.service.js";
import {
  formatBound,
  MAX_EXPECTED_DURATION_SECONDS,
  MAX_SKILLS_PER_TASK,
  MAX_TASK_TITLE_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_TOPICS,
} from "../../services/common/input-bounds.js";

const CODE_TEXT = codeDescription("A short stable code, unique in the school (the calling app's item id)");
const TITLE = `At least 1, at most ${MAX_TASK_TITLE_LENGTH} characters.`;
const TOPICS = `At most ${MAX_TOPICS} topics of at most ${MAX_TOPIC_LENGTH} characters each; stored lower-case.`;
const DURATION = `Seconds a learner typically spends: at least 0, at most ${formatBound(MAX_EXPECTED_DURATION_SECONDS)} (a day).`;
const SKILLS = `The task's Q-matrix row: at least one skill, at most ${MAX_SKILLS_PER_TASK}, each once.`;
const ACTIVITY = `The IRI xAPI statements name this task by (their object's activity id): an absolute IRI of at most ${formatBound(MAX_ACTIVITY_ID_LENGTH)} characters, unique in the school (else CONFLICT).`;

@InputType({ description: "A skill the task exercises, with its Q-matrix weight." })
export class TaskSkillInput {
  @Field(() => UUID) skillId!: string;

  @Field(() => Float, { defaultValue: 1, description: "Above 0, at most 1; default 1." })
  @IsPositive()
  @Max(1)
  weight!: number;
}

@InputType()
export class CreateTaskInput {
  @Field({ description: CODE_TEXT })
  @Matches(CODE, { message: CODE_MESSAGE })
  code!: string;

  @Field({ description: TITLE }) @Length(1, MAX_TASK_TITLE_LENGTH) title!: string;

  @Field(() => TaskKindValues) kind!: TaskKind;

  @Field(() => [String], { nullable: true, description: TOPICS })
  @IsOptional()
  @ArrayMaxSize(MAX_TOPICS)
  @Length(1, MAX_TOPIC_LENGTH, { each: true })
  topics?: string[] | null;

  @Field(() => Int, { description: DURATION }) @IsInt() @Min(0) @Max(MAX_EXPECTED_DURATION_SECONDS) expectedDurationSeconds!: number;

  @Field(() => [TaskSkillInput], { description: SKILLS })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SKILLS_PER_TASK)
  @ArrayUnique((s: TaskSkillInput) => s.skillId, { message: "a skill may be listed only once" })
  @ValidateNested({ each: true })
  skills!: TaskSkillInput[];

  @Field(() => String, { nullable: true, description: ACTIVITY })
  @IsOptional()
  @MaxLength(MAX_ACTIVITY_ID_LENGTH)
  activityId?: string | null;
}

@InputType({ description: "Absent fields are left unchanged; `skills`, when given, replaces the task's Q-matrix row." })
export class UpdateTaskInput {
  @Field(() => String, { nullable: true, description: CODE_TEXT })
  @IsOptional()
  @Matches(CODE, { message: CODE_MESSAGE })
  code?: string | null;

  @Field(() => String, { nullable: true, description: TITLE }) @IsOptional() @Length(1, MAX_TASK_TITLE_LENGTH) title?: string | null;

  @Field(() => TaskKindValues, { nullable: true }) @IsOptional() kind?: TaskKind | null;

  @Field(() => [String], { nullable: true, description: TOPICS })
  @IsOptional()
  @ArrayMaxSize(MAX_TOPICS)
  @Length(1, MAX_TOPIC_LENGTH, { each: true })
  topics?: string[] | null;

  @Field(() => Int, { nullable: true, description: DURATION })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_EXPECTED_DURATION_SECONDS)
  expectedDurationSeconds?: number | null;

  @Field(() => [TaskSkillInput], { nullable: true, description: SKILLS })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SKILLS_PER_TASK)
  @ArrayUnique((s: TaskSkillInput) => s.skillId, { message: "a skill may be listed only once" })
  @ValidateNested({ each: true })
  skills?: TaskSkillInput[] | null;

  @Field(() => String, { nullable: true, description: `${ACTIVITY} null removes it.` })
  @IsOptional()
  @MaxLength(MAX_ACTIVITY_ID_LENGTH)
  activityId?: string | null;
}
