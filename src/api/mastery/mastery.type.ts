import { Field, Float, Int, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { SkillType } from "../curriculum/skill.type.js";
import type { LearnerStateSummary, MasteryWithSkill } from "../../services/mastery/mastery.service.js";

@ObjectType("SkillMastery", { description: "How well a learner masters one skill, as estimated by the engine." })
export class SkillMasteryType {
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => Float, { description: "P(correct) on a typical task of the skill, in [0, 1]." }) mastery!: number;
  @Field(() => Float, { description: "Standard deviation of `mastery`." }) uncertainty!: number;
  @Field(() => Int, { description: "Attempts at tasks of the skill." }) attempts!: number;
  @Field(() => Float, { description: "How the estimate moves: a moving average of its change per attempt (positive = improving)." })
  trend!: number;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: MasteryWithSkill): SkillMasteryType {
    return Object.assign(new SkillMasteryType(), {
      skill: SkillType.from(e.skill),
      mastery: e.mastery,
      uncertainty: e.uncertainty,
      attempts: e.attempts,
      trend: e.trend,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType("LearnerStateInfo", {
  description: "A summary of the engine's state for a learner (the parameters themselves are not exposed).",
})
export class LearnerStateInfoType {
  @Field(() => Int) attemptCount!: number;
  @Field(() => UUID, { nullable: true, description: "The model version the state belongs to; null before any model is active." })
  modelVersionId!: string | null;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: LearnerStateSummary): LearnerStateInfoType {
    return Object.assign(new LearnerStateInfoType(), {
      attemptCount: e.attemptCount,
      modelVersionId: e.modelVersionId,
      updatedAt: e.updatedAt,
    });
  }
}
