import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { TrainingPrivacyType } from "./training-privacy.type.js";
import { SetTrainingPrivacyInput } from "./set-training-privacy.input.js";

/** The school's privacy budget for training: admins read and set it. */
@Resolver(() => TrainingPrivacyType)
export class TrainingPrivacyResolver {
  @Query(() => TrainingPrivacyType, { description: "The school's privacy budget for training (admins)." })
  async trainingPrivacy(@Ctx() ctx: ApiContext): Promise<TrainingPrivacyType> {
    return TrainingPrivacyType.from(await ctx.services.trainingPrivacy.get(ctx.actor()));
  }

  @Mutation(() => TrainingPrivacyType, {
    description:
      "Sets the school's privacy budget for training (admins): the next Meta trainings spend this (ε, δ) through DP-SGD, and the privacy gate refuses a candidate beyond it. epsilon null clears it. BAD_USER_INPUT: ε or δ out of range, δ without ε.",
  })
  async setTrainingPrivacy(@Arg("input") input: SetTrainingPrivacyInput, @Ctx() ctx: ApiContext): Promise<TrainingPrivacyType> {
    return TrainingPrivacyType.from(await ctx.services.trainingPrivacy.set(ctx.actor(), input));
  }
}
