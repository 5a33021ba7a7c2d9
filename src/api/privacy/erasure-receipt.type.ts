import { Field, Int, ObjectType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import type { ErasureReceipt } from "../../persistence/privacy/erasure-receipt.entity.js";

@ObjectType("ErasedRows", { description: "Rows an erasure removed from one table." })
export class ErasedRowsType {
  @Field({ description: 'The table ("pgboss.job" for the job queue).' }) table!: string;
  @Field(() => Int) rows!: number;
}

@ObjectType("ModelToRetrain", { description: "A model version trained on the erased learner: its weights still encode it." })
export class ModelToRetrainType {
  @Field(() => UUID) modelVersionId!: string;
  @Field(() => Int) version!: number;
}

@ObjectType("ErasureReceipt", {
  description:
    "The record of a learner's erasure. It holds no personal data: not the learner's id but a keyed hash of it (HMAC-SHA-256 under the server's erasure key), so that the same erasure asked again returns this receipt.",
})
export class ErasureReceiptType {
  @Field(() => UUID) id!: string;
  @Field({ description: "HMAC-SHA-256 of the learner id under the erasure key, hex." }) learnerHash!: string;
  @Field({ description: "A fingerprint of the key that made learnerHash." }) keyId!: string;
  @Field(() => DateTime) erasedAt!: Date;
  @Field({ description: "Who erased it: the admin token's subject, or the command." }) erasedBy!: string;
  @Field(() => [ErasedRowsType], { description: "Rows removed per table, in table order." }) rows!: ErasedRowsType[];
  @Field(() => [ModelToRetrainType], {
    description: "The model versions trained on the learner (marked: ModelVersion.erasedLearners), in version order: retrain to forget it.",
  })
  modelsToRetrain!: ModelToRetrainType[];

  static from(e: ErasureReceipt): ErasureReceiptType {
    return Object.assign(new ErasureReceiptType(), {
      id: e.id,
      learnerHash: e.learnerHash,
      keyId: e.keyId,
      erasedAt: e.erasedAt,
      erasedBy: e.erasedBy,
      rows: Object.entries(e.rowCounts)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([table, rows]) => Object.assign(new ErasedRowsType(), { table, rows })),
      modelsToRetrain: e.modelsToRetrain.map((v) => Object.assign(new ModelToRetrainType(), v)),
    });
  }
}
