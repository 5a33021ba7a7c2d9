import { Field, Float, Int, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { SkillType } from "../curriculum/skill.type.js";
import { TaskType } from "../curriculum/task.type.js";
import { LearningPathType } from "../goal/learning-path.type.js";
import {
  EstimateStatus,
  GoalProgressStatus,
  Personalisation,
  PersonalisationMode,
  PolicyFallbackCode,
  PredictionBasis,
  SimilarityBasis,
  ReasonCode,
  RecommendationStrategy,
  SkillRole,
} from "./personalisation.enums.js";

/** Non-finite engine figures (no model, no estimate) become null, never NaN on the wire. */
export const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

@ObjectType("MasteryEstimate", { description: "A skill's mastery for a learner: P(correct) on a typical task of the skill." })
export class MasteryEstimateType {
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => Float, { nullable: true, description: "Null when no model is active." }) mastery!: number | null;
  @Field(() => Float, { nullable: true, description: "Standard deviation of `mastery`." }) uncertainty!: number | null;
  @Field(() => Float, { description: "Moving average of the change per attempt (positive = improving)." }) trend!: number;
  @Field(() => Int) attempts!: number;
}

@ObjectType("LearnerMastery")
export class LearnerMasteryType {
  @Field(() => UUID) learnerId!: string;
  @Field(() => PersonalisationMode) personalisation!: Personalisation;
  @Field(() => String, { nullable: true, description: "Why the answer is not personalised, when it is not." }) notice!: string | null;
  @Field(() => [MasteryEstimateType], { description: "Every skill of the school, in prerequisite (DAG) order." })
  skills!: MasteryEstimateType[];
}

@ObjectType("TaskPrediction")
export class TaskPredictionType {
  @Field(() => TaskType) task!: TaskType;
  @Field(() => Float, { nullable: true, description: "P(correct) before the attempt." }) predictedSuccess!: number | null;
  @Field(() => PredictionBasis) basis!: PredictionBasis;
}

@ObjectType("Predictions")
export class PredictionsType {
  @Field(() => PersonalisationMode) personalisation!: Personalisation;
  @Field(() => String, { nullable: true }) notice!: string | null;
  @Field(() => [TaskPredictionType]) items!: TaskPredictionType[];
}

@ObjectType("PrerequisiteStatus")
export class PrerequisiteStatusType {
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => Float, { nullable: true }) mastery!: number | null;
  @Field() mastered!: boolean;
}

@ObjectType("SuccessBand", { description: "The band of predicted success a recommendation aims at." })
export class SuccessBandType {
  @Field(() => Float) low!: number;
  @Field(() => Float) high!: number;
  @Field(() => Float) target!: number;
}

@ObjectType("PolicyChoice", { description: "What a learned sequencing policy's choice was (reason code POLICY)." })
export class PolicyChoiceType {
  @Field(() => Float, { description: "π of the task: the probability the policy gives it as the learner's next task." })
  probability!: number;
  @Field(() => Int, { description: "The candidate tasks the policy chose among." }) candidates!: number;
  @Field({ description: "True for the task drawn from π (the first after any pinned ones); false for the alternatives, in π order." })
  drawn!: boolean;
  @Field({ description: "What the choice aims at, in words." }) aim!: string;
}

@ObjectType("RecommendationReason", { description: "Why a task was recommended, in structured form." })
export class RecommendationReasonType {
  @Field(() => ReasonCode) code!: ReasonCode;
  @Field(() => RecommendationStrategy) strategy!: RecommendationStrategy;
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => SkillRole) role!: SkillRole;
  @Field(() => Float, { nullable: true }) mastery!: number | null;
  @Field(() => Float, { nullable: true }) masterySd!: number | null;
  @Field() mastered!: boolean;
  @Field(() => [PrerequisiteStatusType]) prerequisites!: PrerequisiteStatusType[];
  @Field(() => [SkillType], { description: "The target skills this prerequisite leads to." }) prerequisiteOf!: SkillType[];
  @Field(() => SuccessBandType, { nullable: true }) band!: SuccessBandType | null;
  @Field() inBand!: boolean;
  @Field(() => [String]) matchedInterests!: string[];
  @Field({ description: "Whether the model was trained on this task (else its skills' estimate was used)." }) calibrated!: boolean;
  @Field(() => PolicyChoiceType, { nullable: true, description: "Set for code POLICY." }) policy!: PolicyChoiceType | null;
}

@ObjectType("Recommendation")
export class RecommendationType {
  @Field(() => TaskType) task!: TaskType;
  @Field(() => SkillType, { description: "The skill the task serves." }) skill!: SkillType;
  @Field(() => Float, { nullable: true }) predictedSuccess!: number | null;
  @Field(() => Float, { description: "Expected gain in mastery of the served skill from one attempt." }) expectedProgress!: number;
  @Field(() => RecommendationReasonType) reason!: RecommendationReasonType;
  @Field({ description: "The reason in one readable sentence." }) explanation!: string;
  @Field(() => Float, {
    description:
      "The probability with which the strategy put the task at this rank given the ranks above it, in (0, 1]: π for the learned policy's drawn task, 1 for its alternatives (their order is fixed given the draw) and for the rules.",
  })
  propensity!: number;
}

@ObjectType("PolicyFallback", { description: "Why strategy POLICY was not used for this answer." })
export class PolicyFallbackType {
  @Field(() => PolicyFallbackCode) code!: PolicyFallbackCode;
  @Field() message!: string;
}

@ObjectType("ServedPolicy", { description: "The learned policy version a POLICY answer came from (or whose use fell back)." })
export class ServedPolicyType {
  @Field(() => UUID) id!: string;
  @Field(() => Int) version!: number;
}

@ObjectType("RecommendationList")
export class RecommendationListType {
  @Field(() => PersonalisationMode) personalisation!: Personalisation;
  @Field(() => String, { nullable: true }) notice!: string | null;
  @Field(() => RecommendationStrategy, {
    description: "The strategy applied (CURRICULUM when not personalised; ZPD when POLICY was asked for and fell back).",
  })
  strategy!: RecommendationStrategy;
  @Field(() => [RecommendationType]) items!: RecommendationType[];
  @Field(() => PolicyFallbackType, { nullable: true, description: "Set when strategy POLICY was asked for and not used: why." })
  fallback!: PolicyFallbackType | null;
  @Field(() => ServedPolicyType, {
    nullable: true,
    description: "The learned policy version, when strategy POLICY was asked for and one is active.",
  })
  policy!: ServedPolicyType | null;
}

@ObjectType("PlannedSkill")
export class PlannedSkillType {
  @Field(() => SkillType) skill!: SkillType;
  @Field(() => Float, { nullable: true }) mastery!: number | null;
  @Field() mastered!: boolean;
  @Field({ description: "A target skill of the goal (else a prerequisite on the way)." }) target!: boolean;
  @Field(() => Int, { nullable: true, description: "The model's estimate of attempts until mastery." }) estimatedAttemptsToMastery!:
    | number
    | null;
  @Field(() => EstimateStatus) status!: EstimateStatus;
}

@ObjectType("GoalProgress")
export class GoalProgressType {
  @Field(() => Int) targetSkills!: number;
  @Field(() => Int) masteredSkills!: number;
  @Field(() => Float) shareMastered!: number;
  @Field(() => Int, { description: "Predicted attempts remaining to reach the goal." }) attemptsRemaining!: number;
  @Field({ description: "True when some estimate hit the cap: attemptsRemaining is a lower bound." }) lowerBound!: boolean;
  @Field(() => Float, { nullable: true }) daysNeeded!: number | null;
  @Field(() => DateTime, { nullable: true }) projectedCompletionAt!: Date | null;
  @Field(() => Float, { nullable: true }) daysLeft!: number | null;
  @Field(() => Boolean, { nullable: true, description: "Null without a deadline." }) onTrack!: boolean | null;
  @Field(() => GoalProgressStatus) status!: GoalProgressStatus;
  @Field() explanation!: string;
}

@ObjectType("PathPlan", { description: "A planned (or re-planned) learning path with the model's estimates." })
export class PathPlanType {
  @Field(() => LearningPathType) path!: LearningPathType;
  @Field(() => [PlannedSkillType], { description: "The goal's skills and their unmastered prerequisites, in DAG order." })
  skills!: PlannedSkillType[];
  @Field(() => GoalProgressType) progress!: GoalProgressType;
  @Field(() => PersonalisationMode) personalisation!: Personalisation;
  @Field(() => String, { nullable: true }) notice!: string | null;
}

@ObjectType("SimilarTask", { description: "A task that behaves alike for learners, with its distance (nearest first)." })
export class SimilarTaskType {
  @Field(() => TaskType) task!: TaskType;
  @Field(() => Float, { description: "Distance in the task embedding (or 1 − shared-skill Jaccard without one)." }) distance!: number;
  @Field(() => SimilarityBasis) basis!: SimilarityBasis;
}
