import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

export enum PolicyStatus {
  /** Served by recommendations(strategy: POLICY); at most one per school. */
  Active = "ACTIVE",
  /** Did not beat the tuned ZPD rule in its held-out simulated episodes (the figures say by how much). */
  Rejected = "REJECTED",
  /** Served once, replaced by a newer policy. */
  Retired = "RETIRED",
}

/**
 * A learned sequencing policy of a school (issue 19 item 4): trained in simulated schools built from
 * the school's curriculum with a knowledge model version as its observation model. Its file holds no
 * learner's data: it was trained on simulated learners only.
 */
@Entity()
@Index("IDX_policy_version_school_version", ["schoolId", "version"], { unique: true })
@Index("IDX_policy_version_active", ["schoolId"], { unique: true, where: "status = 'ACTIVE'" })
export class PolicyVersion extends SchoolRow {
  /** 1, 2, 3… within the school. */
  @Column("integer")
  version!: number;

  /** The knowledge model version it observes through (what it was trained with). */
  @Column("uuid")
  modelVersionId!: string;

  /** curriculumFingerprint of the curriculum it was trained for (engine/policy/curriculum-school.ts). */
  @Column({ type: "varchar", length: 64 })
  curriculumFingerprint!: string;

  @Column({ type: "varchar", length: 16 })
  status!: PolicyStatus;

  /** The policy file (engine format "zpd-sequencing-policy", JSON). Not loaded unless asked for (`select`). */
  @Column({ type: "text", select: false })
  policy?: string;

  /** How it was trained and judged: seed, iterations, seconds, the gate's figures against the tuned ZPD rule. */
  @Column({ type: "jsonb", default: () => "'{}'" })
  training!: Record<string, unknown>;

  /** Why it was rejected, or the reason an operator put it live over the gate. */
  @Column({ type: "text", default: "" })
  notes!: string;

  @Column({ type: "timestamptz", nullable: true })
  activatedAt!: Date | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
