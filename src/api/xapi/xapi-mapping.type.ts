import { Field, Int, ObjectType } from "type-graphql";
import { UUID } from "../common/scalars.js";
import type { UnmappedStatement } from "../../services/xapi/xapi-mapping.service.js";
import type { MappingOutcome } from "../../services/xapi/xapi-attempt-mapper.js";

@ObjectType("XapiUnmappedStatement", {
  description: "A stored xAPI statement that did not become an attempt, and why (docs/xapi.md). Read it at /xapi/statements.",
})
export class XapiUnmappedStatementType {
  @Field(() => UUID) statementId!: string;
  @Field({
    description:
      "UNKNOWN_ACTOR (no learner is this agent: linkXapiAgent), UNKNOWN_ACTIVITY (no task has this activityId), NO_OUTCOME " +
      "(no result.success, result.score.scaled, passed or failed), GROUP_ACTOR, INVALID_ATTEMPT (e.g. a timestamp outside the accepted window).",
  })
  reason!: string;
  @Field() storedAt!: Date;

  static from(u: UnmappedStatement): XapiUnmappedStatementType {
    return Object.assign(new XapiUnmappedStatementType(), u);
  }
}

@ObjectType("XapiMappingResult", { description: "What mapping statements to attempts did." })
export class XapiMappingResultType {
  @Field(() => Int, { description: "Statements that became attempts." }) mapped!: number;
  @Field(() => Int, { description: "Statements still unmapped (see xapiUnmapped)." }) unmapped!: number;
  /** The learners whose attempts were recorded (for the access log; not a field). */
  learnerIds!: string[];

  static from(o: MappingOutcome): XapiMappingResultType {
    return Object.assign(new XapiMappingResultType(), { mapped: o.mapped, unmapped: o.unmapped, learnerIds: [...o.learnerIds] });
  }
}
