import { Column, Entity, Index, ManyToOne, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Learner } from "./learner.entity.js";

/**
 * An optional protected attribute (e.g. gender, language status). Used ONLY by the fairness audit:
 * never by the model, never in analytics.
 */
@Entity()
@Index(["learnerId", "name"], { unique: true })
export class LearnerAttribute extends SchoolRow {
  @Column("uuid")
  learnerId!: string;

  @Column({ type: "varchar", length: 64 })
  name!: string;

  /** The value, encrypted and bound to (learner, name) (persistence/crypto/encrypted-columns.ts, ATTRIBUTE_VALUE). */
  @Column({ type: "bytea" })
  valueEnc!: Buffer;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
