import { Field, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { Cohort } from "../../persistence/cohort/cohort.entity.js";

@ObjectType("Cohort", { description: "A class or group of learners, taught by teachers." })
export class CohortType {
  @Field(() => UUID) id!: string;
  @Field() name!: string;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: Cohort): CohortType {
    return Object.assign(new CohortType(), { id: e.id, name: e.name, createdAt: e.createdAt, updatedAt: e.updatedAt });
  }
}

@ObjectType()
export class CohortConnection extends Connection(CohortType, "Cohort") {}
