import { Arg, Args, Ctx, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { DateTime, UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { AccessLogConnection, AccessLogEntryType } from "./access-log.type.js";
import { EARLIEST_INSTANT, LATEST_DEADLINE } from "../../services/common/input-bounds.js";

const INSTANT = (what: string) => `${what}: not before ${EARLIEST_INSTANT.toISOString()}, and before ${LATEST_DEADLINE.toISOString()}.`;

@Resolver(() => AccessLogEntryType)
export class AccessLogResolver {
  @Query(() => AccessLogConnection, {
    description:
      "Who read or changed a learner's data, and when, oldest first (docs/operations.md, \"Access log\"). Admins: the school's log, or one learner's; a learner: its own (learnerId omitted or its own; another's is NOT_FOUND). Other roles: FORBIDDEN. Entries are written within about a second of the access.",
  })
  async accessLog(
    @Args() page: ConnectionArgs,
    @Arg("learnerId", () => UUID, { nullable: true, description: "Only this learner's data (a learner: its own, the default)." })
    learnerId: string | undefined,
    @Arg("actorId", () => String, {
      nullable: true,
      description: "Only this caller's accesses: a teacher's id, a learner's id, or a token subject (at least 1, at most 200 characters).",
    })
    actorId: string | undefined,
    @Arg("since", () => DateTime, { nullable: true, description: INSTANT("Accesses at or after this instant") }) since: Date | undefined,
    @Arg("until", () => DateTime, { nullable: true, description: INSTANT("Accesses before this instant") }) until: Date | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<AccessLogConnection> {
    const found = await ctx.services.accessLog.list(ctx.actor(), { learnerId, actorId, since, until }, page);
    return toConnection(found, AccessLogEntryType.from);
  }
}
