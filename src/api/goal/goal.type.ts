import { Field, Float, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { GoalStatus } from "../../services/goal/goal.service.js";
import type { GoalRecord } from "../../services/goal/goal.service.js";

/** Registered under its stored values (ACTIVE, …): type-graphql would otherwise use the keys. */
export const GoalStatusValues = Object.fromEntries(Object.values(GoalStatus).map((v) => [v, v])) as { readonly [K in GoalStatus]: K };
registerEnumType(GoalStatusValues, { name: "GoalStatus", description: "Where a goal stands: being worked on, reached, or given up." });
export { GoalStatus };

@ObjectType("Goal", { description: "A learner's target: a set of skills to master to a threshold, optionally by a date." })
export class GoalType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) learnerId!: string;
  @Field() title!: string;
  @Field(() => Float, { description: "Mastery (P(correct) on a typical task) every target skill must reach, in (0, 1]." })
  masteryThreshold!: number;
  @Field(() => DateTime, { nullable: true }) deadline!: Date | null;
  @Field(() => GoalStatusValues) status!: GoalStatus;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: GoalRecord): GoalType {
    return Object.assign(new GoalType(), {
      id: e.id,
      learnerId: e.learnerId,
      title: e.title,
      masteryThreshold: e.masteryThreshold,
      deadline: e.deadline,
      status: e.status,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class GoalConnection extends Connection(GoalType, "Goal") {}
