import { Field, Float, InputType } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsOptional, IsPositive, Length, Max } from "class-validator";
import { DateTime, UUID } from "../common/scalars.js";
import { GoalStatus, GoalStatusValues } from "./goal.type.js";
import { EARLIEST_INSTANT, LATEST_DEADLINE, MAX_GOAL_SKILLS, MAX_NAME_LENGTH } from "../../services/common/input-bounds.js";

const TITLE = `At least 1, at most ${MAX_NAME_LENGTH} characters.`;
const DEADLINE = `Not before ${EARLIEST_INSTANT.toISOString()}, and before ${LATEST_DEADLINE.toISOString()}.`;

@InputType()
export class CreateGoalInput {
  @Field(() => UUID) learnerId!: string;

  @Field({ description: TITLE }) @Length(1, MAX_NAME_LENGTH) title!: string;

  @Field(() => [UUID], { description: `The target skills: at least one, at most ${MAX_GOAL_SKILLS}, all of the school.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GOAL_SKILLS)
  skillIds!: string[];

  @Field(() => Float, { nullable: true, description: "Above 0, at most 1; 0.8 when omitted." })
  @IsOptional()
  @IsPositive()
  @Max(1)
  masteryThreshold?: number | null;

  @Field(() => DateTime, { nullable: true, description: DEADLINE }) @IsOptional() deadline?: Date | null;
}

@InputType({ description: "Omitted (or null) fields stay as they are; `deadline: null` removes the deadline." })
export class UpdateGoalInput {
  @Field(() => String, { nullable: true, description: TITLE }) @IsOptional() @Length(1, MAX_NAME_LENGTH) title?: string | null;

  @Field(() => Float, { nullable: true, description: "Above 0, at most 1." })
  @IsOptional()
  @IsPositive()
  @Max(1)
  masteryThreshold?: number | null;

  @Field(() => DateTime, { nullable: true, description: DEADLINE }) @IsOptional() deadline?: Date | null;

  @Field(() => GoalStatusValues, { nullable: true }) @IsOptional() status?: GoalStatus | null;

  @Field(() => [UUID], { nullable: true, description: `Replaces the target skills: at least one, at most ${MAX_GOAL_SKILLS}.` })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GOAL_SKILLS)
  skillIds?: string[] | null;
}
