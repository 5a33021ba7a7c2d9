import { Column, Entity, Index, ManyToOne, PrimaryColumn } from "typeorm";
import { ModelVersion } from "./model-version.entity.js";
import { Learner } from "../learner/learner.entity.js";

/**
 * A learner whose traces a model version was trained on: the registry's record of who each version
 * has seen, so that a promotion compares two versions only on learners neither was trained on
 * (services/training/comparison-set.ts). Written once, when the version is published. Erasing a
 * learner removes its rows (the version's weights are the erasure's business, not this record's).
 */
@Entity()
@Index(["learnerId"])
export class ModelVersionLearner {
  @PrimaryColumn("uuid")
  modelVersionId!: string;

  @PrimaryColumn("uuid")
  learnerId!: string;

  @Column("uuid")
  schoolId!: string;

  @ManyToOne(() => ModelVersion, { onDelete: "CASCADE" })
  modelVersion?: ModelVersion;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
