import { Field, ObjectType, registerEnumType } from "type-graphql";
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
  description: "One access to a learner's data: who, through which root field, read or write, when. Ids only, no payload.",
})
export class AccessLogEntryType {
  @Field(() => UUID) id!: string;
  @Field(() => DateTime, { description: "When (the answer's time, to the millisecond; the same access within one second is one entry)." })
  at!: Date;
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
