import { Field, Float, InputType, Int } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";

/** Its fields are checked by AttemptService.normalise (the resolver turns class-validator off for it). */
@InputType({ description: "One attempt. Send the same idempotencyKey again to retry safely." })
export class RecordAttemptInput {
  @Field(() => UUID) learnerId!: string;
  @Field(() => UUID) taskId!: string;
  @Field() correct!: boolean;

  @Field(() => Float, { nullable: true, description: "In [0, 1]; defaults to 1 when correct, else 0." })
  score?: number;

  @Field(() => Int, { nullable: true })
  durationSeconds?: number;

  @Field(() => Int, { nullable: true })
  hintsUsed?: number;

  @Field(() => DateTime, { nullable: true, description: "When it happened; defaults to now." })
  occurredAt?: Date;

  @Field({ nullable: true, description: "Where it came from, e.g. the app's name." })
  source?: string;

  @Field({ description: "Unique per school; 1–200 printable ASCII characters." })
  idempotencyKey!: string;
}
