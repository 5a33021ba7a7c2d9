import { Column, Entity, ManyToOne, PrimaryColumn, UpdateDateColumn } from "typeorm";
import { School } from "../school/school.entity.js";

/** What a retraining does about fairness (docs/fairness.md, "Mitigation"). */
export enum FairnessMitigation {
  /** Train on every learner with the same weight. */
  None = "NONE",
  /** Weight the learners so that every group of `attribute` carries the same total weight in Meta's training loss. */
  GroupBalanced = "GROUP_BALANCED",
}

/** A school's fairness policy, set by its admins; a school without a row has the default (NONE). */
@Entity()
export class FairnessPolicy {
  @PrimaryColumn("uuid")
  schoolId!: string;

  @Column({ type: "varchar", length: 32, default: FairnessMitigation.None })
  mitigation!: FairnessMitigation;

  /** The protected attribute whose groups GROUP_BALANCED balances (null with NONE). */
  @Column({ type: "varchar", length: 64, nullable: true })
  attribute!: string | null;

  /** The admin token's subject (pseudonymous). */
  @Column({ type: "text", default: "" })
  updatedBy!: string;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;
}
