import { Field, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import type { School } from "../../persistence/school/school.entity.js";
import type { TeacherRecord } from "../../services/school/school.service.js";

@ObjectType("School", { description: "The tenant: every row belongs to one school." })
export class SchoolType {
  @Field(() => UUID) id!: string;
  @Field() name!: string;
  @Field({ description: "IANA time zone used by schedules." }) timeZone!: string;
  @Field(() => DateTime) createdAt!: Date;

  static from(e: School): SchoolType {
    return Object.assign(new SchoolType(), { id: e.id, name: e.name, timeZone: e.timeZone, createdAt: e.createdAt });
  }
}

@ObjectType("Teacher")
export class TeacherType {
  @Field(() => UUID) id!: string;
  @Field() displayName!: string;
  @Field(() => DateTime) createdAt!: Date;

  static from(e: TeacherRecord): TeacherType {
    return Object.assign(new TeacherType(), { id: e.id, displayName: e.displayName, createdAt: e.createdAt });
  }
}

@ObjectType()
export class TeacherConnection extends Connection(TeacherType, "Teacher") {}

@ObjectType()
export class SchoolConnection extends Connection(SchoolType, "School") {}
