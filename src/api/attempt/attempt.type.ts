import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { Attempt } from "../../persistence/attempt/attempt.entity.js";
import { MasteryChangeType } from "../personalisation/mastery-change.type.js";
import { ReplanReason } from "../../services/personalisation/replan-trigger.js";

@ObjectType("Attempt", { description: "One trace: an append-only fact." })
export class AttemptType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) learnerId!: string;
  @Field(() => UUID) taskId!: string;
  @Field() correct!: boolean;
  @Field(() => Float, { description: "In [0, 1]." }) score!: number;
  @Field(() => Int, { nullable: true }) durationSeconds!: number | null;
  @Field(() => Int) hintsUsed!: number;
  @Field(() => DateTime) occurredAt!: Date;
  @Field() source!: string;
  @Field() idempotencyKey!: string;
  @Field(() => DateTime, { description: "When the server recorded it." }) createdAt!: Date;

  static from(e: Attempt): AttemptType {
    const { id, learnerId, taskId, correct, score, durationSeconds, hintsUsed, occurredAt, source, idempotencyKey, createdAt } = e;
    return Object.assign(new AttemptType(), {
      id,
      learnerId,
      taskId,
      correct,
      score,
      durationSeconds,
      hintsUsed,
      occurredAt,
      source,
      idempotencyKey,
      createdAt,
    });
  }
}

@ObjectType()
export class AttemptConnection extends Connection(AttemptType, "Attempt") {}

registerEnumType(ReplanReason, {
  name: "PathReplanReason",
  description:
    "AHEAD: a skill of a pending step became mastered; BEHIND: the current step's skill fell below the success band (or three failures on it since the plan).",
});

@ObjectType("PathReplan", { description: "A learning path re-planned by itself after an attempt." })
export class PathReplanType {
  @Field(() => UUID) goalId!: string;
  @Field(() => UUID) pathId!: string;
  @Field(() => ReplanReason) reason!: ReplanReason;
}

@ObjectType()
export class RecordAttemptPayload {
  @Field(() => AttemptType) attempt!: AttemptType;
  @Field({ description: "True when this idempotency key had been recorded before; nothing was written." }) duplicate!: boolean;
  @Field(() => [MasteryChangeType], {
    description:
      "The learner's new mastery of the skills of this attempt's task, after the whole request (empty when not personalised: no active model, or no consent).",
  })
  mastery!: MasteryChangeType[];
  @Field(() => [PathReplanType], {
    description: "The learner's learning paths these attempts re-planned, because the learner ran ahead or fell behind (usually none).",
  })
  pathsReplanned!: PathReplanType[];
}

@ObjectType("IngestedAttempt", {
  description:
    "The acknowledgement of one attempt sent to ingestAttempts: recorded durably, its effect on the learner's state applied shortly after (any read of the learner's mastery, recommendations or paths applies it first).",
})
export class IngestedAttemptType {
  @Field(() => UUID, { description: "The attempt's id (for a duplicate: the id its key was first recorded with)." }) attemptId!: string;
  @Field(() => UUID) learnerId!: string;
  @Field() idempotencyKey!: string;
  @Field({ description: "True when this idempotency key had been recorded before (by either mutation); nothing was written." })
  duplicate!: boolean;
}
