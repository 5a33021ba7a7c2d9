import { Field, Float, InputType, Int } from "type-graphql";
import { IsInt, IsOptional, Matches, Max, Min } from "class-validator";
import { DateTime, UUID } from "../common/scalars.js";

@InputType({ description: "One attempt. Send the same idempotencyKey again to retry safely." })
export class RecordAttemptInput {
  @Field(() => UUID) learnerId!: string;
  @Field(() => UUID) taskId!: string;
  @Field() correct!: boolean;

  @Field(() => Float, { nullable: true, description: "In [0, 1]; defaults to 1 when correct, else 0." })
  @IsOptional() @Min(0) @Max(1)
  score?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional() @IsInt() @Min(0)
  durationSeconds?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional() @IsInt() @Min(0)
  hintsUsed?: number;

  @Field(() => DateTime, { nullable: true, description: "When it happened; defaults to now." })
  @IsOptional()
  occurredAt?: Date;

  @Field({ nullable: true, description: "Where it came from, e.g. the app's name." })
  @IsOptional() @Matches(/^[\w.:@/-]{1,100}$/)
  source?: string;

  @Field({ description: "Unique per school; 1–200 printable ASCII characters." })
  @Matches(/^[\x21-\x7e]{1,200}$/)
  idempotencyKey!: string;
}
