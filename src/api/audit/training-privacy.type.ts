import { Field, Float, Int, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import type { TrainingPrivacyView } from "../../services/audit/training-privacy.service.js";

@ObjectType("TrainingPrivacy", {
  description:
    'The school\'s privacy budget for training (docs/privacy.md, "A privacy budget for training"): with one, each Meta training spends this user-level (ε, δ) through DP-SGD, and the privacy gate holds every candidate to it.',
})
export class TrainingPrivacyType {
  @Field(() => Float, {
    nullable: true,
    description: "ε of the (ε, δ) guarantee each training gives every learner; null: no budget (no DP).",
  })
  epsilon!: number | null;
  @Field(() => Float, { nullable: true, description: "δ; null: 1 / (number of training learners)." })
  delta!: number | null;
  @Field(() => DateTime, { nullable: true, description: "Null: never set." }) updatedAt!: Date | null;

  static from(v: TrainingPrivacyView): TrainingPrivacyType {
    return Object.assign(new TrainingPrivacyType(), {
      epsilon: v.budget?.epsilon ?? null,
      delta: v.budget?.delta ?? null,
      updatedAt: v.updatedAt,
    });
  }
}

/** A version's differential privacy (ModelVersion.differentialPrivacy), from its metrics. */
@ObjectType("DifferentialPrivacy", {
  description: "The user-level (ε, δ) guarantee a model version was trained with (DP-SGD), and the budget it was trained to.",
})
export class DifferentialPrivacyType {
  @Field(() => Float, { nullable: true, description: "ε spent (null: infinite, noise 0)." }) epsilon!: number | null;
  @Field(() => Float) delta!: number;
  @Field(() => Float, { description: "σ: the noise's standard deviation over the clipping norm." }) noiseMultiplier!: number;
  @Field(() => Float, { description: "q: the share of learners sampled each step." }) samplingRate!: number;
  @Field(() => Int, { description: "DP-SGD's steps." }) steps!: number;
  @Field(() => Float, { description: "C: the largest norm of one learner's gradient." }) clipNorm!: number;
  @Field(() => Int, { description: "The training learners (each is one record of the guarantee)." }) learners!: number;
  @Field(() => Float, { nullable: true, description: "The school's budget ε at training." }) budgetEpsilon!: number | null;

  /** Null when the metrics hold no guarantee (trained without DP, or before it was recorded). */
  static fromMetrics(metrics: Record<string, unknown>): DifferentialPrivacyType | null {
    const d = metrics.differentialPrivacy as Record<string, unknown> | null | undefined;
    if (!d || typeof d.delta !== "number") return null;
    const num = (k: string) => (typeof d[k] === "number" ? (d[k] as number) : 0);
    return Object.assign(new DifferentialPrivacyType(), {
      epsilon: typeof d.epsilon === "number" ? d.epsilon : null,
      delta: d.delta,
      noiseMultiplier: num("noiseMultiplier"),
      samplingRate: num("samplingRate"),
      steps: num("steps"),
      clipNorm: num("clipNorm"),
      learners: num("learners"),
      budgetEpsilon: (d.budget as { epsilon?: number } | null)?.epsilon ?? null,
    });
  }
}
