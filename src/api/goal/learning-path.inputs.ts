import { Field, InputType, Int } from "type-graphql";
import { IsInt, IsOptional, MaxLength, Min } from "class-validator";
import { UUID } from "../common/scalars.js";
import { PathStepStatus, PathStepStatusValues } from "./learning-path.type.js";
import { MAX_REASON_LENGTH } from "../../services/goal/learning-path.service.js";

@InputType({ description: "One step of a hand-made path." })
export class PathStepInput {
  @Field(() => UUID) taskId!: string;
  @Field(() => UUID, { nullable: true, description: "The skill the step serves." }) @IsOptional() skillId?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(MAX_REASON_LENGTH) reason?: string | null;
}

@InputType({ description: "Omitted (or null) fields stay as they are." })
export class UpdatePathStepInput {
  @Field(() => PathStepStatusValues, { nullable: true }) @IsOptional() status?: PathStepStatus | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() pinned?: boolean | null;
  @Field(() => Int, { nullable: true, description: "Moves the step there (1 = first); the other steps are renumbered." })
  @IsOptional()
  @IsInt()
  @Min(1)
  position?: number | null;
}
