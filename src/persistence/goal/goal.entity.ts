import { Column, Entity, Index, ManyToOne, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Learner } from "../learner/learner.entity.js";

export enum GoalStatus {
  Active = "ACTIVE",
  Achieved = "ACHIEVED",
  Abandoned = "ABANDONED",
}

/** A learner's target: master a set of skills (`GoalSkill`) to a threshold, optionally by a date. */
@Entity()
@Index(["learnerId", "id"])
export class Goal extends SchoolRow {
  @Column("uuid")
  learnerId!: string;

  /** The title (free text about a learner), encrypted (persistence/crypto/encrypted-columns.ts, GOAL_TITLE). */
  @Column({ type: "bytea" })
  titleEnc!: Buffer;

  /** Mastery (P(correct) on a typical task) every target skill must reach. */
  @Column({ type: "double precision", default: 0.8 })
  masteryThreshold!: number;

  @Column({ type: "timestamptz", nullable: true })
  deadline!: Date | null;

  @Column({ type: "varchar", length: 16, default: GoalStatus.Active })
  status!: GoalStatus;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
