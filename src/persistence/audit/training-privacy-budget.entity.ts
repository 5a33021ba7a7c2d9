import { Column, Entity, ManyToOne, PrimaryColumn, UpdateDateColumn } from "typeorm";
import { School } from "../school/school.entity.js";

/**
 * A school's privacy budget for training (docs/privacy.md): the user-level (ε, δ) that each Meta training
 * spends through DP-SGD. A school without a row, or with ε null, trains without differential privacy.
 */
@Entity()
export class TrainingPrivacyBudget {
  @PrimaryColumn("uuid")
  schoolId!: string;

  /** ε of the (ε, δ) guarantee each training gives every learner; null: no DP. */
  @Column({ type: "double precision", nullable: true })
  epsilon!: number | null;

  /** δ; null: 1 / (number of training learners). */
  @Column({ type: "double precision", nullable: true })
  delta!: number | null;

  /** The admin token's subject (pseudonymous). */
  @Column({ type: "text", default: "" })
  updatedBy!: string;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;
}
