import { Field, Float, InputType } from "type-graphql";
import { IsOptional, Max, Min } from "class-validator";
import { MAX_TRAINING_DELTA, MAX_TRAINING_EPSILON } from "../../services/audit/training-privacy.service.js";

@InputType({ description: "A school's privacy budget for training." })
export class SetTrainingPrivacyInput {
  @Field(() => Float, {
    nullable: true,
    description: `ε of the user-level (ε, δ) guarantee each Meta training gives every learner: greater than 0 and at most ${MAX_TRAINING_EPSILON} (1 to 8 is usual; smaller is more private and less accurate). Null clears the budget (training without DP).`,
  })
  @IsOptional()
  @Min(Number.MIN_VALUE, { message: "epsilon must be greater than 0" })
  @Max(MAX_TRAINING_EPSILON, { message: `epsilon must be at most ${MAX_TRAINING_EPSILON}` })
  epsilon?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `δ: greater than 0 and at most ${MAX_TRAINING_DELTA}; null: 1 / (number of training learners), the usual choice.`,
  })
  @IsOptional()
  @Min(Number.MIN_VALUE, { message: "delta must be greater than 0" })
  @Max(MAX_TRAINING_DELTA, { message: `delta must be at most ${MAX_TRAINING_DELTA}` })
  delta?: number | null;
}
