import { Field, InputType, Int } from "type-graphql";
import { IsInt, IsOptional, Max, MaxLength, Min } from "class-validator";
import { UUID } from "../common/scalars.js";
import { PathStepStatus, PathStepStatusValues } from "./learning-path.type.js";
import { formatBound, MAX_PATH_STEPS, MAX_STEP_REASON_LENGTH } from "../../services/common/input-bounds.js";

@InputType({ description: "One step of a hand-made path." })
export class PathStepInput {
  @Field(() => UUID) taskId!: string;
  @Field(() => UUID, { nullable: true, description: "The skill the step serves." }) @IsOptional() skillId?: string | null;
  @Field(() => String, { nullable: true, description: `Why this step: at most ${formatBound(MAX_STEP_REASON_LENGTH)} characters.` })
  @IsOptional()
  @MaxLength(MAX_STEP_REASON_LENGTH)
  reason?: string | null;
}

@InputType({ description: "Omitted (or null) fields stay as they are." })
export class UpdatePathStepInput {
  @Field(() => PathStepStatusValues, { nullable: true }) @IsOptional() status?: PathStepStatus | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() pinned?: boolean | null;
  @Field(() => Int, {
    nullable: true,
    description: `Moves the step there (1 = first; at most the path's length, itself at most ${MAX_PATH_STEPS}); the other steps are renumbered.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PATH_STEPS)
  position?: number | null;
}
