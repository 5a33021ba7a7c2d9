import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Cohort } from "./cohort.entity.js";
import { Learner } from "../learner/learner.entity.js";

/** A learner's membership of a cohort. */
@Entity()
@Index(["cohortId", "learnerId"], { unique: true })
@Index(["learnerId"])
export class Enrollment extends SchoolRow {
  @Column("uuid")
  cohortId!: string;

  @Column("uuid")
  learnerId!: string;

  @ManyToOne(() => Cohort, { onDelete: "CASCADE" })
  cohort?: Cohort;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
