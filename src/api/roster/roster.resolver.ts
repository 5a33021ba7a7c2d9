import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { ImportOneRosterInput } from "./roster.inputs.js";
import { RosterImportSummaryType } from "./roster.type.js";

@Resolver()
export class RosterResolver {
  @Mutation(() => RosterImportSummaryType, {
    description:
      "Imports a OneRoster 1.1 package into the caller's school (admins): classes as cohorts, students as learners, teachers, enrollments; all or nothing, idempotent on sourcedIds; other schools' rows are skipped. BAD_USER_INPUT lists every problem (file, line, why) in extensions.problems.",
  })
  async importOneRoster(@Arg("input") input: ImportOneRosterInput, @Ctx() ctx: ApiContext): Promise<RosterImportSummaryType> {
    const summary = await ctx.services.roster.importUpload(ctx.actor(), input.package, {
      dryRun: input.dryRun,
      orgSourcedId: input.schoolSourcedId,
      demographics: input.demographics,
    });
    return RosterImportSummaryType.from(summary);
  }
}
