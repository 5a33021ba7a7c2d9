import { Field, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { AttributeRecord } from "../../services/learner-attribute/learner-attribute.service.js";

@ObjectType("LearnerAttribute", {
  description:
    "A protected attribute (e.g. gender, language status), used ONLY by the fairness audit. Admins only; not a field of Learner.",
})
export class LearnerAttributeType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) learnerId!: string;
  @Field() name!: string;
  @Field() value!: string;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: AttributeRecord): LearnerAttributeType {
    return Object.assign(new LearnerAttributeType(), {
      id: e.id,
      learnerId: e.learnerId,
      name: e.name,
      value: e.value,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class LearnerAttributeConnection extends Connection(LearnerAttributeType, "LearnerAttribute") {}
