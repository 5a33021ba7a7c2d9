import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { FairnessPolicyType } from "./fairness-policy.type.js";
import { SetFairnessPolicyInput } from "./set-fairness-policy.input.js";

/** The school's fairness policy: admins read and set it. */
@Resolver(() => FairnessPolicyType)
export class FairnessPolicyResolver {
  @Query(() => FairnessPolicyType, { description: "The school's fairness policy (admins)." })
  async fairnessPolicy(@Ctx() ctx: ApiContext): Promise<FairnessPolicyType> {
    return FairnessPolicyType.from(await ctx.services.fairnessPolicy.get(ctx.actor()));
  }

  @Mutation(() => FairnessPolicyType, {
    description:
      "Sets the school's fairness policy (admins): the mitigation its next retrainings apply. BAD_USER_INPUT: GROUP_BALANCED without an attribute.",
  })
  async setFairnessPolicy(@Arg("input") input: SetFairnessPolicyInput, @Ctx() ctx: ApiContext): Promise<FairnessPolicyType> {
    return FairnessPolicyType.from(await ctx.services.fairnessPolicy.set(ctx.actor(), input));
  }
}
