import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { AccessKind } from "../../services/access-log/access-log.service.js";
import type { AccessLog } from "../../persistence/access-log/access-log.entity.js";

export const AccessKindValues = Object.fromEntries(Object.values(AccessKind).map((v) => [v, v])) as { readonly [K in AccessKind]: K };
registerEnumType(AccessKindValues, {
  name: "AccessKind",
  description: "READ: the learner's data was in an answer; WRITE: a mutation changed it.",
});
export { AccessKind };

@ObjectType("AccessLogEntry", {
  description:
    "Accesses to a learner's data: who, through which root field, read or write, when. One entry stands for the `count` requests of one caller to one learner through one root field of one kind within the log's window (ZPD_ACCESS_LOG_FLUSH_MS, 5 s by default), from `at` to `lastAt`. Ids only, no payload.",
})
export class AccessLogEntryType {
  @Field(() => UUID) id!: string;
  @Field(() => DateTime, { description: "When: the first access of the entry (the answer's time, to the millisecond)." })
  at!: Date;
  @Field(() => DateTime, { description: "The last access of the entry (equal to `at` for a single one)." })
  lastAt!: Date;
  @Field(() => Int, { description: "How many requests the entry stands for (at least 1)." })
  count!: number;
  @Field(() => UUID) learnerId!: string;
  @Field({ description: "The caller's role: ADMIN, SERVICE, TEACHER or LEARNER." }) actorRole!: string;
  @Field({ description: "The caller: a teacher's or learner's id for those roles, else its token's subject." }) actorId!: string;
  @Field({ description: "The root field of the API through which the data was reached, e.g. mastery or updateLearner." })
  operation!: string;
  @Field(() => AccessKindValues) access!: AccessKind;

  static from(e: AccessLog): AccessLogEntryType {
    return Object.assign(new AccessLogEntryType(), {
      id: e.id,
      at: e.at,
      lastAt: e.lastAt ?? e.at,
      count: e.count,
      learnerId: e.learnerId,
      actorRole: e.actorRole,
      actorId: e.actorId,
      operation: e.operation,
      access: e.access,
    });
  }
}

@ObjectType()
export class AccessLogConnection extends Connection(AccessLogEntryType, "AccessLog") {}
