import { Field, Float, InputType } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsOptional, IsPositive, Length, Max } from "class-validator";
import { DateTime, UUID } from "../common/scalars.js";
import { GoalStatus, GoalStatusValues } from "./goal.type.js";
import { MAX_GOAL_SKILLS } from "../../services/goal/goal.service.js";

@InputType()
export class CreateGoalInput {
  @Field(() => UUID) learnerId!: string;

  @Field() @Length(1, 200) title!: string;

  @Field(() => [UUID], { description: `The target skills: at least one, at most ${MAX_GOAL_SKILLS}, all of the school.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GOAL_SKILLS)
  skillIds!: string[];

  @Field(() => Float, { nullable: true, description: "In (0, 1]; 0.8 when omitted." })
  @IsOptional()
  @IsPositive()
  @Max(1)
  masteryThreshold?: number | null;

  @Field(() => DateTime, { nullable: true }) @IsOptional() deadline?: Date | null;
}

@InputType({ description: "Omitted (or null) fields stay as they are; `deadline: null` removes the deadline." })
export class UpdateGoalInput {
  @Field(() => String, { nullable: true }) @IsOptional() @Length(1, 200) title?: string | null;

  @Field(() => Float, { nullable: true }) @IsOptional() @IsPositive() @Max(1) masteryThreshold?: number | null;

  @Field(() => DateTime, { nullable: true }) @IsOptional() deadline?: Date | null;

  @Field(() => GoalStatusValues, { nullable: true }) @IsOptional() status?: GoalStatus | null;

  @Field(() => [UUID], { nullable: true, description: "Replaces the target skills." })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_GOAL_SKILLS)
  skillIds?: string[] | null;
}
