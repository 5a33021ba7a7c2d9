import { Column, Entity, Index, ManyToOne, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Learner } from "./learner.entity.js";

export enum ConsentPurpose {
  /** Personalised predictions and recommendations. */
  Personalisation = "PERSONALISATION",
  /** Use of the learner's traces to train models. */
  Training = "TRAINING",
  /** Inclusion in (pseudonymised, suppressed) analytics. */
  Analytics = "ANALYTICS",
}

export enum ConsentGrantor {
  Learner = "LEARNER",
  Guardian = "GUARDIAN",
  School = "SCHOOL",
}

/** The current consent of a learner for one purpose. */
@Entity()
@Index(["learnerId", "purpose"], { unique: true })
export class Consent extends SchoolRow {
  @Column("uuid")
  learnerId!: string;

  @Column({ type: "varchar", length: 32 })
  purpose!: ConsentPurpose;

  @Column("boolean")
  granted!: boolean;

  @Column({ type: "varchar", length: 16 })
  grantedBy!: ConsentGrantor;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
