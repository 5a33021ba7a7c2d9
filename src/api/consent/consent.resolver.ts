import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConsentGrantor, ConsentGrantorValues, ConsentPurpose, ConsentPurposeValues, ConsentType } from "./consent.type.js";
import { LearnerType } from "../learner/learner.type.js";

@Resolver(() => ConsentType)
export class ConsentResolver {
  @Mutation(() => ConsentType, { description: "Records a learner's current consent for one purpose (replacing the previous answer)." })
  async setConsent(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Arg("purpose", () => ConsentPurposeValues) purpose: ConsentPurpose,
    @Arg("granted") granted: boolean,
    @Arg("grantedBy", () => ConsentGrantorValues) grantedBy: ConsentGrantor,
    @Ctx() ctx: ApiContext,
  ): Promise<ConsentType> {
    return ConsentType.from(await ctx.services.consents.set(ctx.actor(), learnerId, purpose, granted, grantedBy));
  }
}

@Resolver(() => LearnerType)
export class LearnerConsentsResolver {
  @FieldResolver(() => [ConsentType], { description: "The learner's current consents, one per purpose answered." })
  async consents(@Root() learner: LearnerType, @Ctx() ctx: ApiContext): Promise<ConsentType[]> {
    return (await ctx.loaders.consentsOfLearner.load(learner.id)).map(ConsentType.from);
  }
}
