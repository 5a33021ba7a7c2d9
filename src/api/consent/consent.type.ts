import { Field, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, UUID } from "../common/scalars.js";
import { ConsentGrantor, ConsentPurpose } from "../../services/consent/consent.service.js";
import type { Consent } from "../../persistence/learner/consent.entity.js";

export const ConsentPurposeValues = Object.fromEntries(Object.values(ConsentPurpose).map((v) => [v, v])) as {
  readonly [K in ConsentPurpose]: K;
};
registerEnumType(ConsentPurposeValues, {
  name: "ConsentPurpose",
  description:
    "PERSONALISATION: predictions and recommendations; TRAINING: use of the traces to train models; ANALYTICS: inclusion in (pseudonymised, suppressed) analytics.",
});
export const ConsentGrantorValues = Object.fromEntries(Object.values(ConsentGrantor).map((v) => [v, v])) as {
  readonly [K in ConsentGrantor]: K;
};
registerEnumType(ConsentGrantorValues, { name: "ConsentGrantor", description: "Who answered: the learner, a guardian, or the school." });
export { ConsentGrantor, ConsentPurpose };

@ObjectType("Consent", { description: "The current consent of a learner for one purpose." })
export class ConsentType {
  @Field(() => UUID) id!: string;
  @Field(() => UUID) learnerId!: string;
  @Field(() => ConsentPurposeValues) purpose!: ConsentPurpose;
  @Field() granted!: boolean;
  @Field(() => ConsentGrantorValues) grantedBy!: ConsentGrantor;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime, { description: "When the current answer was given." }) updatedAt!: Date;

  static from(e: Consent): ConsentType {
    return Object.assign(new ConsentType(), {
      id: e.id,
      learnerId: e.learnerId,
      purpose: e.purpose,
      granted: e.granted,
      grantedBy: e.grantedBy,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}
