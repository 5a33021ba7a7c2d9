import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ErasureReceiptType } from "./erasure-receipt.type.js";

/** Erasure of a learner (admins): docs/operations.md, "Privacy: erasure and retention". */
@Resolver()
export class ErasureResolver {
  @Mutation(() => ErasureReceiptType, {
    description:
      "Erases a learner (admins only): every row keyed to it — profile, attempts, states, mastery, goals, paths, attributes, consents, enrollments, the record of the models trained on it, job payloads naming it — in one transaction, and returns the receipt (no personal data). Asked again, returns the same receipt. NOT_FOUND for an unknown learner or another school's.",
  })
  async eraseLearner(@Arg("learnerId", () => UUID) learnerId: string, @Ctx() ctx: ApiContext): Promise<ErasureReceiptType> {
    return ErasureReceiptType.from(await ctx.services.erasure.eraseLearner(ctx.actor(), learnerId));
  }
}
