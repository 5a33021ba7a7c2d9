import { Arg, Args, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { MAX_ATTRIBUTE_NAME_LENGTH, MAX_ATTRIBUTE_VALUE_LENGTH } from "../../services/common/input-bounds.js";
import { LearnerAttributeConnection, LearnerAttributeType } from "./learner-attribute.type.js";

const NAME = `A letter, then letters, digits and . _ -: at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters.`;

/** Protected attributes: the admin alone reads and writes them (for the fairness audit). */
@Resolver(() => LearnerAttributeType)
export class LearnerAttributeResolver {
  @Query(() => LearnerAttributeConnection, { description: "A learner's protected attributes, in name order (admins only)." })
  async learnerAttributes(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Args() page: ConnectionArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<LearnerAttributeConnection> {
    return toConnection(await ctx.services.learnerAttributes.list(ctx.actor(), learnerId, page), LearnerAttributeType.from);
  }

  @Mutation(() => LearnerAttributeType, {
    description: "Sets (or replaces) a protected attribute (admins only).",
  })
  async setLearnerAttribute(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Arg("name", { description: NAME }) name: string,
    @Arg("value", { description: `At least 1, at most ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.` }) value: string,
    @Ctx() ctx: ApiContext,
  ): Promise<LearnerAttributeType> {
    return LearnerAttributeType.from(await ctx.services.learnerAttributes.set(ctx.actor(), learnerId, name, value));
  }

  @Mutation(() => Boolean, { description: "Removes a protected attribute (admins only); NOT_FOUND when it is not set." })
  async removeLearnerAttribute(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Arg("name", { description: NAME }) name: string,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    await ctx.services.learnerAttributes.remove(ctx.actor(), learnerId, name);
    return true;
  }
}
