import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONObject, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { ModelStatus } from "../../services/model/model-version.service.js";
import type { ModelVersionInfo } from "../../services/model/model-version.service.js";
import { DifferentialPrivacyType } from "../audit/training-privacy.type.js";

export const ModelStatusValues = Object.fromEntries(Object.values(ModelStatus).map((v) => [v, v])) as { readonly [K in ModelStatus]: K };
registerEnumType(ModelStatusValues, {
  name: "ModelStatus",
  description: "CANDIDATE (trained, under audit), ACTIVE (serving; at most one), REJECTED, RETIRED.",
});
export { ModelStatus };

@ObjectType("ModelVersion", {
  description: "A trained engine: training window, metrics, status. The weights themselves are never exposed.",
})
export class ModelVersionType {
  @Field(() => UUID) id!: string;
  @Field(() => Int, { description: "1, 2, 3… within the school." }) version!: number;
  @Field({ description: "The engine model, e.g. meta." }) kind!: string;
  @Field(() => ModelStatusValues) status!: ModelStatus;
  @Field({ description: "Whether the trained weights are stored." }) hasWeights!: boolean;
  @Field(() => DateTime, { nullable: true }) trainedFrom!: Date | null;
  @Field(() => DateTime, { nullable: true }) trainedTo!: Date | null;
  @Field(() => JSONObject, { description: "Evaluation figures (AUC, RMSE, …)." }) metrics!: Record<string, unknown>;
  @Field({ description: "Why it was rejected, or the operator's notes." }) notes!: string;
  @Field(() => DateTime, { nullable: true }) activatedAt!: Date | null;
  @Field(() => Int, {
    description:
      "Learners this version was trained on who have been erased since (eraseLearner): their data is gone, but the weights still encode them. Above 0, retrain to forget them.",
  })
  erasedLearners!: number;
  @Field(() => DifferentialPrivacyType, {
    nullable: true,
    description: "The (ε, δ) differential-privacy guarantee it was trained with (the school's privacy budget); null: trained without.",
  })
  differentialPrivacy!: DifferentialPrivacyType | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;

  static from(e: ModelVersionInfo): ModelVersionType {
    return Object.assign(new ModelVersionType(), {
      id: e.id,
      version: e.version,
      kind: e.kind,
      status: e.status,
      hasWeights: e.hasWeights,
      trainedFrom: e.trainedFrom,
      trainedTo: e.trainedTo,
      metrics: e.metrics ?? {},
      notes: e.notes,
      activatedAt: e.activatedAt,
      erasedLearners: e.erasedLearners,
      differentialPrivacy: DifferentialPrivacyType.fromMetrics(e.metrics ?? {}),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType()
export class ModelVersionConnection extends Connection(ModelVersionType, "ModelVersion") {}
