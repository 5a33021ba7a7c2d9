import { Field, Float, Int, ObjectType } from "type-graphql";
import { UUID } from "../common/scalars.js";
import type { MasteryChange } from "../../services/personalisation/model-replay.js";

@ObjectType("MasteryChange", { description: "A skill's mastery after an attempt, and how much the attempt moved it." })
export class MasteryChangeType {
  @Field(() => UUID) skillId!: string;
  @Field(() => Float, { description: "P(correct) on a typical task of the skill." }) mastery!: number;
  @Field(() => Float) uncertainty!: number;
  @Field(() => Float, { description: "Change caused by this request's attempts." }) delta!: number;
  @Field(() => Float) trend!: number;
  @Field(() => Int) attempts!: number;

  static from(c: MasteryChange): MasteryChangeType {
    return Object.assign(new MasteryChangeType(), c);
  }
}
