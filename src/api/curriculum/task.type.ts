import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { TaskKind } from "../../services/curriculum/task.service.js";
import type { Task } from "../../persistence/curriculum/task.entity.js";
import type { TaskSkill } from "../../persistence/curriculum/task-skill.entity.js";
import { SkillType } from "./skill.type.js";

/**
 * The persistence enum, registered under its stored values (EXERCISE, QUIZ_ITEM, …): type-graphql
 * names enum values after the object's keys, so it gets a value-keyed mirror of TaskKind.
 */
export const TaskKindValues = Object.fromEntries(Object.values(TaskKind).map((v) => [v, v])) as { readonly [K in TaskKind]: K };
registerEnumType(TaskKindValues, { name: "TaskKind", description: "What a task is: an exercise, a quiz item, a reading or a video." });
export { TaskKind };

@ObjectType("Task", { description: "Anything a learner does; it exercises one or more skills (its Q-matrix row)." })
export class TaskType {
  @Field(() => UUID) id!: string;
  @Field({ description: "A short stable code, unique in the school (the calling app's item id)." }) code!: string;
  @Field() title!: string;
  @Field(() => TaskKindValues) kind!: TaskKind;
  @Field(() => [String], { description: "Lower-case topics, for interest matching." }) topics!: string[];
  @Field(() => Int) expectedDurationSeconds!: number;
  @Field(() => Float, {
    nullable: true,
    description: "Difficulty on the logit scale, as calibrated by the active model; null until calibrated.",
  })
  difficulty!: number | null;
  @Field(() => String, { nullable: true, description: "The IRI xAPI statements name this task by; null: none." })
  activityId!: string | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(
    e: Pick<
      Task,
      "id" | "code" | "title" | "topics" | "expectedDurationSeconds" | "difficulty" | "activityId" | "createdAt" | "updatedAt"
    > & {
      kind: string;
    },
  ): TaskType {
    return Object.assign(new TaskType(), {
      id: e.id,
      code: e.code,
      title: e.title,
      kind: e.kind,
      topics: e.topics,
      expectedDurationSeconds: e.expectedDurationSeconds,
      difficulty: e.difficulty,
      activityId: e.activityId,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class TaskConnection extends Connection(TaskType, "Task") {}

@ObjectType("TaskSkill", { description: "One cell of the Q-matrix: a skill the task exercises, with a weight in (0, 1]." })
export class TaskSkillType {
  /** Not a field: `skill` is resolved through the skill loader. */
  skillId!: string;
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => Float) weight!: number;

  static from(e: TaskSkill): TaskSkillType {
    return Object.assign(new TaskSkillType(), { skillId: e.skillId, weight: e.weight });
  }
}
