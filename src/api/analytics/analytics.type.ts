import { Field, Float, Int, ObjectType } from "type-graphql";
import { UUID } from "../common/scalars.js";
import type { CohortSkillMasteryRow, PersonalisationEffectRow } from "../../services/analytics/analytics.service.js";

const SUPPRESSED =
  "True when this cell's figures are withheld (null): fewer than k learners, or complementary suppression (docs/analytics.md).";

@ObjectType("Analytics", {
  description:
    "The school's aggregated analytics (analysts and admins), read from the `analytics` views BI tools read: no learner-level data, small cells suppressed.",
})
export class AnalyticsType {
  @Field(() => Int, { description: "A figure over fewer than k learners is withheld (ZPD_ANALYTICS_K)." }) k!: number;
}

@ObjectType("CohortSkillMastery", {
  description: "Mastery of one skill in one cohort (or all the school's learners), under the active model.",
})
export class CohortSkillMasteryType {
  @Field(() => UUID, { nullable: true, description: "Null on the row of all the school's learners." }) cohortId!: string | null;
  @Field(() => String, { nullable: true }) cohortName!: string | null;
  @Field(() => UUID) skillId!: string;
  @Field(() => String) skillCode!: string;
  @Field(() => String) skillName!: string;
  @Field(() => Int, { nullable: true, description: "Learners with a mastery estimate of the skill." }) learners!: number | null;
  @Field(() => Float, { nullable: true }) meanMastery!: number | null;
  @Field(() => Float, { nullable: true }) q1Mastery!: number | null;
  @Field(() => Float, { nullable: true }) medianMastery!: number | null;
  @Field(() => Float, { nullable: true }) q3Mastery!: number | null;
  @Field(() => Float, { nullable: true, description: "Share of the learners at or above the mastery threshold (0.8)." })
  shareMastered!: number | null;
  @Field(() => Boolean, { description: SUPPRESSED }) suppressed!: boolean;

  static from(r: CohortSkillMasteryRow): CohortSkillMasteryType {
    return Object.assign(new CohortSkillMasteryType(), r);
  }
}

@ObjectType("PersonalisationEffect", {
  description:
    "Outcomes of the learners of a cohort (or of the school) who attempted something, personalised (PERSONALISATION consent) or not. Attempts do not record the recommendation strategy, so there is no split by strategy.",
})
export class PersonalisationEffectType {
  @Field(() => UUID, { nullable: true, description: "Null on the rows of all the school's learners." }) cohortId!: string | null;
  @Field(() => String, { nullable: true }) cohortName!: string | null;
  @Field(() => Boolean) personalised!: boolean;
  @Field(() => Int, { nullable: true }) learners!: number | null;
  @Field(() => Float, { nullable: true, description: "Mean over the learners of their share of correct attempts." }) meanSuccessRate!:
    | number
    | null;
  @Field(() => Float, { nullable: true }) medianAttempts!: number | null;
  @Field(() => Float, { nullable: true, description: "Median per learner of the sum of reported durations (seconds)." })
  medianTimeOnTaskSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: "Mean share of a learner's attempts at tasks of its learning paths' steps." })
  meanShareOnPathSteps!: number | null;
  @Field(() => Boolean, { description: SUPPRESSED }) suppressed!: boolean;
  @Field(() => Int, { nullable: true }) learnersWithPath!: number | null;
  @Field(() => Float, { nullable: true, description: "Mean share of a learner's planned path steps done." }) meanSharePathStepsDone!:
    | number
    | null;
  @Field(() => Boolean, { description: "True when learnersWithPath and meanSharePathStepsDone are withheld." }) pathSuppressed!: boolean;
  @Field(() => Int, { nullable: true }) learnersReachingMastery!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: "Median of a learner's mean attempts until 3 consecutive correct answers on a skill.",
  })
  medianAttemptsToMastery!: number | null;
  @Field(() => Boolean, { description: "True when learnersReachingMastery and medianAttemptsToMastery are withheld." })
  masterySuppressed!: boolean;

  static from(r: PersonalisationEffectRow): PersonalisationEffectType {
    return Object.assign(new PersonalisationEffectType(), r);
  }
}
