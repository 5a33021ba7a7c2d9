import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

export enum ModelStatus {
  Candidate = "CANDIDATE",
  Active = "ACTIVE",
  Rejected = "REJECTED",
  Retired = "RETIRED",
}

/** A trained engine: its weights, training window, metrics, gate verdicts and status. */
@Entity()
@Index(["schoolId", "version"], { unique: true })
@Index(["schoolId"], { unique: true, where: "status = 'ACTIVE'" })
export class ModelVersion extends SchoolRow {
  /** 1, 2, 3… within the school. */
  @Column("integer")
  version!: number;

  /** The engine model name, e.g. "meta". */
  @Column({ type: "varchar", length: 32 })
  kind!: string;

  @Column({ type: "varchar", length: 16, default: ModelStatus.Candidate })
  status!: ModelStatus;

  /** The serialised model (engine format); null while training. */
  @Column({ type: "bytea", nullable: true })
  weights!: Buffer | null;

  /** The Siamese task embedding trained with this version (engine format, "task-embedding"). */
  @Column({ type: "bytea", nullable: true })
  taskEmbedding!: Buffer | null;

  @Column({ type: "timestamptz", nullable: true })
  trainedFrom!: Date | null;

  @Column({ type: "timestamptz", nullable: true })
  trainedTo!: Date | null;

  /**
   * The tasks with attempts in the training set (calibrated by the model itself when the version goes
   * live); null for versions published before it was kept. Not loaded unless asked for (`select`).
   */
  @Column({ type: "uuid", array: true, nullable: true, select: false })
  trainedTaskIds?: string[] | null;

  @Column({ type: "jsonb", default: () => "'{}'" })
  metrics!: Record<string, unknown>;

  /**
   * Learners this version was trained on who have been erased since (services/privacy/erasure.service.ts):
   * their rows are gone, but the weights still encode them until a retraining replaces the version.
   */
  @Column({ type: "integer", default: 0 })
  erasedLearners!: number;

  /** Why it was rejected, or notes of the operator. */
  @Column({ type: "text", default: "" })
  notes!: string;

  @Column({ type: "timestamptz", nullable: true })
  activatedAt!: Date | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
