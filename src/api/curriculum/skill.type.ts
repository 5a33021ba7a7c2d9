import { Field, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { Skill } from "../../persistence/curriculum/skill.entity.js";

@ObjectType("Skill", { description: "A knowledge component. Prerequisites between skills form a DAG." })
export class SkillType {
  @Field(() => UUID) id!: string;
  @Field({ description: "A short stable code, unique in the school (e.g. FRAC.EQUIV)." }) code!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: Pick<Skill, "id" | "code" | "name" | "description" | "createdAt" | "updatedAt">): SkillType {
    return Object.assign(new SkillType(), {
      id: e.id,
      code: e.code,
      name: e.name,
      description: e.description,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class SkillConnection extends Connection(SkillType, "Skill") {}
