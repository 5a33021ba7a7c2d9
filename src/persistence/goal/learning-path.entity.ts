import { Column, Entity, Index, ManyToOne, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Goal } from "./goal.entity.js";

/** The ordered steps proposed for a goal; one path per goal, re-planned in place. */
@Entity()
@Index(["goalId"], { unique: true })
@Index(["learnerId"])
export class LearningPath extends SchoolRow {
  @Column("uuid")
  goalId!: string;

  @Column("uuid")
  learnerId!: string;

  /** The model version that planned it; null for a hand-made path. */
  @Column({ type: "uuid", nullable: true })
  modelVersionId!: string | null;

  @Column({ type: "timestamptz", nullable: true })
  plannedAt!: Date | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => Goal, { onDelete: "CASCADE" })
  goal?: Goal;
}
