import { Field, Float, InputType, Int } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import {
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  EARLIEST_INSTANT,
  formatBound,
  MAX_DURATION_SECONDS,
  MAX_HINTS_USED,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_SOURCE_LENGTH,
} from "../../services/common/input-bounds.js";

/**
 * Its fields are checked by AttemptService.normalise against the bounds of input-bounds.ts (the
 * resolver turns class-validator off for it: it cost the hot path per request); the descriptions quote them.
 */
@InputType({ description: "One attempt. Send the same idempotencyKey again to retry safely." })
export class RecordAttemptInput {
  @Field(() => UUID) learnerId!: string;
  @Field(() => UUID) taskId!: string;
  @Field() correct!: boolean;

  @Field(() => Float, { nullable: true, description: "At least 0, at most 1; defaults to 1 when correct, else 0." })
  score?: number;

  @Field(() => Int, { nullable: true, description: `Time on the task: at least 0, at most ${formatBound(MAX_DURATION_SECONDS)} (a day).` })
  durationSeconds?: number;

  @Field(() => Int, { nullable: true, description: `At least 0, at most ${formatBound(MAX_HINTS_USED)}; default 0.` })
  hintsUsed?: number;

  @Field(() => DateTime, {
    nullable: true,
    description: `When it happened; defaults to now. Not before ${EARLIEST_INSTANT.toISOString()}, and at most the server's time plus the clock skew (ZPD_MAX_CLOCK_SKEW_SECONDS, default ${DEFAULT_MAX_CLOCK_SKEW_SECONDS} s).`,
  })
  occurredAt?: Date;

  @Field({
    nullable: true,
    description: `Where it came from, e.g. the app's name: at most ${MAX_SOURCE_LENGTH} letters, digits and . _ : @ / - (default "api").`,
  })
  source?: string;

  @Field({
    description: `Unique per school: at most ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters, no spaces.`,
  })
  idempotencyKey!: string;
}
