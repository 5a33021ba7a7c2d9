import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { AttemptConnection, AttemptType, IngestedAttemptType, PathReplanType, RecordAttemptPayload } from "./attempt.type.js";
import { RecordAttemptInput } from "./record-attempt.input.js";
import { LearnerType } from "../learner/learner.type.js";
import { MasteryChangeType } from "../personalisation/mastery-change.type.js";
import type { RecordedAttempt } from "../../services/attempt/attempt.service.js";
import { MAX_ATTEMPT_BATCH } from "../../services/common/input-bounds.js";

const toPayload = (r: RecordedAttempt): RecordAttemptPayload =>
  Object.assign(new RecordAttemptPayload(), {
    attempt: AttemptType.from(r.attempt),
    duplicate: r.duplicate,
    mastery: r.mastery.map(MasteryChangeType.from),
    pathsReplanned: r.replanned.map((p) => Object.assign(new PathReplanType(), { goalId: p.goalId, pathId: p.pathId, reason: p.reason })),
  });

@Resolver(() => AttemptType)
export class AttemptResolver {
  // No class-validator pass on the inputs (`validate: false`, it cost the hot path per request):
  // AttemptService.normalise checks every field, as BAD_USER_INPUT naming the field.
  @Mutation(() => RecordAttemptPayload, { description: "Record one attempt (idempotent on its key)." })
  async recordAttempt(@Arg("input", { validate: false }) input: RecordAttemptInput, @Ctx() ctx: ApiContext): Promise<RecordAttemptPayload> {
    return toPayload(await ctx.services.attempts.record(ctx.actor(), input));
  }

  @Mutation(() => [RecordAttemptPayload], {
    description: "Record several attempts, all or nothing, in order: one refused attempt refuses the whole batch, and nothing is written.",
  })
  async recordAttempts(
    @Arg("inputs", () => [RecordAttemptInput], { validate: false, description: `At least 1, at most ${MAX_ATTEMPT_BATCH} attempts.` })
    inputs: RecordAttemptInput[],
    @Ctx() ctx: ApiContext,
  ): Promise<RecordAttemptPayload[]> {
    return (await ctx.services.attempts.recordMany(ctx.actor(), inputs)).map(toPayload);
  }

  @Mutation(() => [IngestedAttemptType], {
    description:
      "Record several attempts for later application: the same checks as recordAttempts (all or nothing, idempotent on each key), the attempts durably written when it answers, and only acknowledged — no mastery, no re-planned paths. Each learner's state, mastery and paths take the attempts in shortly after, and any read of them (mastery, recommendations, predictions, paths, goal progress) applies them first. For bulk ingestion (an app syncing a session, an import): several times recordAttempts' rate.",
  })
  async ingestAttempts(
    @Arg("inputs", () => [RecordAttemptInput], { validate: false, description: `At least 1, at most ${MAX_ATTEMPT_BATCH} attempts.` })
    inputs: RecordAttemptInput[],
    @Ctx() ctx: ApiContext,
  ): Promise<IngestedAttemptType[]> {
    return (await ctx.services.ingest.ingestMany(ctx.actor(), inputs)).map((a) => Object.assign(new IngestedAttemptType(), a));
  }

  @Query(() => AttemptType)
  async attempt(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<AttemptType> {
    return AttemptType.from(await ctx.services.attempts.get(ctx.actor(), id));
  }

  @Query(() => AttemptConnection, { description: "A learner's attempts, oldest first." })
  async attempts(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<AttemptConnection> {
    return toConnection(await ctx.services.attempts.list(ctx.actor(), learnerId, page), AttemptType.from);
  }

  @FieldResolver(() => LearnerType, { nullable: true })
  async learner(@Root() attempt: AttemptType, @Ctx() ctx: ApiContext): Promise<LearnerType | null> {
    const l = await ctx.loaders.learner.load(attempt.learnerId);
    return l ? LearnerType.from(l) : null;
  }
}

@Resolver(() => LearnerType)
export class LearnerAttemptsResolver {
  @FieldResolver(() => AttemptConnection, { description: "The learner's attempts, oldest first." })
  async attempts(@Root() learner: LearnerType, @Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<AttemptConnection> {
    return toConnection(await ctx.services.attempts.list(ctx.actor(), learner.id, page), AttemptType.from);
  }
}
