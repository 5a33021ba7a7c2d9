import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { PathStepStatus } from "../../services/goal/learning-path.service.js";
import type { StepWithTask } from "../../services/goal/learning-path.service.js";
import type { LearningPath } from "../../persistence/goal/learning-path.entity.js";
import { TaskType } from "../curriculum/task.type.js";
import { SkillType } from "../curriculum/skill.type.js";

export const PathStepStatusValues = Object.fromEntries(Object.values(PathStepStatus).map((v) => [v, v])) as {
  readonly [K in PathStepStatus]: K;
};
registerEnumType(PathStepStatusValues, { name: "PathStepStatus", description: "A step still to do, done, or skipped." });
export { PathStepStatus };

@ObjectType("LearningPath", { description: "The ordered steps proposed for a goal (one path per goal, re-planned in place)." })
export class LearningPathType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) goalId!: string;
  @Field(() => UUID) learnerId!: string;
  @Field(() => UUID, { nullable: true, description: "The model version that planned it; null for a hand-made path." }) modelVersionId!:
    | string
    | null;
  @Field(() => DateTime, { nullable: true }) plannedAt!: Date | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  /** Not a field: the steps when the resolver already has them (a plan just written), so `steps` needs no read. */
  knownSteps?: PathStepType[];

  static from(
    e: Pick<LearningPath, "id" | "goalId" | "learnerId" | "modelVersionId" | "plannedAt" | "createdAt" | "updatedAt">,
    knownSteps?: PathStepType[],
  ): LearningPathType {
    return Object.assign(new LearningPathType(), {
      id: e.id,
      goalId: e.goalId,
      learnerId: e.learnerId,
      modelVersionId: e.modelVersionId,
      plannedAt: e.plannedAt,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      knownSteps,
    });
  }
}

@ObjectType("PathStep", { description: "One step of a path: a task, the skill it serves and why." })
export class PathStepType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) pathId!: string;
  @Field(() => Int, { description: "1 for the first step; positions have no gaps." }) position!: number;
  @Field(() => TaskType) task!: TaskType;
  @Field(() => SkillType, { nullable: true }) skill!: SkillType | null;
  @Field({ description: "Why this step is here." }) reason!: string;
  @Field(() => PathStepStatusValues) status!: PathStepStatus;
  @Field({ description: "A pinned step stays where it is when the path is re-planned." }) pinned!: boolean;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: StepWithTask): PathStepType {
    return Object.assign(new PathStepType(), {
      id: e.id,
      pathId: e.pathId,
      position: e.position,
      task: TaskType.from(e.task),
      skill: e.skill ? SkillType.from(e.skill) : null,
      reason: e.reason,
      status: e.status,
      pinned: e.pinned,
      updatedAt: e.updatedAt,
    });
  }
}
