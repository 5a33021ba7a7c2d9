import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { LinkXapiAgentInput } from "./xapi-mapping.inputs.js";
import { MAX_UNMAPPED_PAGE } from "../../services/xapi/xapi-mapping.service.js";
import { XapiMappingResultType, XapiUnmappedStatementType } from "./xapi-mapping.type.js";

/** Statements that did not become attempts, and what an admin does about them (docs/xapi.md). */
@Resolver()
export class XapiMappingResolver {
  @Query(() => [XapiUnmappedStatementType], {
    description: "The school's xAPI statements that did not become attempts, newest first (admins).",
  })
  async xapiUnmapped(
    @Arg("first", () => Int, { defaultValue: 50, description: `How many: at least 1, at most ${MAX_UNMAPPED_PAGE}.` }) first: number,
    @Ctx() ctx: ApiContext,
  ): Promise<XapiUnmappedStatementType[]> {
    return (await ctx.services.xapiMapping.unmapped(ctx.actor(), first)).map(XapiUnmappedStatementType.from);
  }

  @Mutation(() => XapiMappingResultType, {
    description: "Says which learner an xAPI agent is (admins); the agent's statements waiting as UNKNOWN_ACTOR become attempts.",
  })
  async linkXapiAgent(@Arg("input") input: LinkXapiAgentInput, @Ctx() ctx: ApiContext): Promise<XapiMappingResultType> {
    return XapiMappingResultType.from(await ctx.services.xapiMapping.linkAgent(ctx.actor(), input.learnerId, input.agent));
  }

  @Mutation(() => XapiMappingResultType, {
    description:
      "Maps again the statements left UNKNOWN_ACTOR or UNKNOWN_ACTIVITY, after tasks got their activityId, and those stored before their verb became an attempt verb (ZPD_XAPI_ATTEMPT_VERBS) (admins).",
  })
  async remapXapiStatements(@Ctx() ctx: ApiContext): Promise<XapiMappingResultType> {
    return XapiMappingResultType.from(await ctx.services.xapiMapping.remap(ctx.actor()));
  }
}
