import { Arg, Args, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { SchoolConnection, SchoolType, TeacherConnection, TeacherType } from "./school.type.js";
import { CreateSchoolInput, CreateTeacherInput, UpdateSchoolInput, UpdateTeacherInput } from "./school.inputs.js";

@Resolver(() => SchoolType)
export class SchoolResolver {
  @Query(() => SchoolType, { description: "The caller's school." })
  async school(@Ctx() ctx: ApiContext): Promise<SchoolType> {
    return SchoolType.from(await ctx.services.schools.current(ctx.actor()));
  }

  @Query(() => SchoolConnection, { description: "Every school, oldest first (platform admins only; a school's token is FORBIDDEN)." })
  async schools(@Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<SchoolConnection> {
    return toConnection(await ctx.services.schools.list(ctx.caller(), page), SchoolType.from);
  }

  @Mutation(() => SchoolType, {
    description:
      "Creates a school (platform admins only). Its admin token: npm run token -- --role admin --school <id>. BAD_USER_INPUT: a blank name or an unknown time zone.",
  })
  async createSchool(@Arg("input") input: CreateSchoolInput, @Ctx() ctx: ApiContext): Promise<SchoolType> {
    return SchoolType.from(await ctx.services.schools.createSchool(ctx.caller(), input));
  }

  @Mutation(() => SchoolType)
  async updateSchool(@Arg("input") input: UpdateSchoolInput, @Ctx() ctx: ApiContext): Promise<SchoolType> {
    return SchoolType.from(await ctx.services.schools.update(ctx.actor(), input));
  }

  @Query(() => TeacherConnection, { description: "The school's teachers (a teacher sees itself and the teachers of its cohorts)." })
  async teachers(@Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<TeacherConnection> {
    return toConnection(await ctx.services.schools.teachers(ctx.actor(), page), TeacherType.from);
  }

  @Query(() => TeacherType)
  async teacher(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<TeacherType> {
    return TeacherType.from(await ctx.services.schools.teacher(ctx.actor(), id));
  }

  @Mutation(() => TeacherType)
  async createTeacher(@Arg("input") input: CreateTeacherInput, @Ctx() ctx: ApiContext): Promise<TeacherType> {
    return TeacherType.from(await ctx.services.schools.createTeacher(ctx.actor(), input.displayName));
  }

  @Mutation(() => TeacherType)
  async updateTeacher(
    @Arg("id", () => UUID) id: string,
    @Arg("input") input: UpdateTeacherInput,
    @Ctx() ctx: ApiContext,
  ): Promise<TeacherType> {
    return TeacherType.from(await ctx.services.schools.updateTeacher(ctx.actor(), id, input.displayName));
  }
}
