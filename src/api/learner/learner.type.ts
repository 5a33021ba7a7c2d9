import { Field, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { LearnerRecord } from "../../services/learner/learner.service.js";

@ObjectType("Learner", { description: "A learner, known by a pseudonymous id." })
export class LearnerType {
  @Field(() => UUID) id!: string;
  @Field(() => String, { nullable: true, description: "The calling app's own pseudonymous reference." }) externalRef!: string | null;
  @Field(() => [String], { description: "Declared interests (topics); they break ties in recommendations." }) interests!: string[];
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: LearnerRecord): LearnerType {
    return Object.assign(new LearnerType(), {
      id: e.id,
      externalRef: e.externalRef,
      interests: e.interests,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class LearnerConnection extends Connection(LearnerType, "Learner") {}

@ObjectType("LearnerProfile", { description: "Personal data, stored encrypted and apart; never in analytics." })
export class LearnerProfileType {
  @Field(() => String, { nullable: true }) displayName!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
}
