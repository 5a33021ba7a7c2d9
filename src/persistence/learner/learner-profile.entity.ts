import { Column, Entity, ManyToOne, PrimaryColumn, UpdateDateColumn } from "typeorm";
import { Learner } from "./learner.entity.js";
import { School } from "../school/school.entity.js";

/**
 * Personal data, kept apart from every operational table and encrypted at rest (AES-256-GCM, bound to
 * the row and column: persistence/crypto/). Never joined into analytics, logs or the engine.
 */
@Entity()
export class LearnerProfile {
  @PrimaryColumn("uuid")
  learnerId!: string;

  @Column("uuid")
  schoolId!: string;

  @Column({ type: "bytea", nullable: true })
  displayNameEnc!: Buffer | null;

  @Column({ type: "bytea", nullable: true })
  emailEnc!: Buffer | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
