import { Column, Entity, Index, ManyToOne, PrimaryColumn } from "typeorm";
import { School } from "../school/school.entity.js";

/** A model version trained on an erased learner, as a receipt lists it: to be retrained. */
export interface VersionToRetrain {
  readonly modelVersionId: string;
  readonly version: number;
}

/**
 * The record that a learner was erased, with no personal data: a keyed hash of its id (never the id),
 * when, by whom, the rows removed per table, and the model versions trained on it. Written in the
 * erasure's transaction (services/privacy/erasure.service.ts); found again by the hash.
 */
@Entity()
@Index(["schoolId", "erasedAt"])
export class ErasureReceipt {
  @PrimaryColumn("uuid")
  id!: string;

  @Column("uuid")
  schoolId!: string;

  /** HMAC-SHA-256 of the learner id under the erasure key, hex (services/privacy/learner-hash.ts). */
  @Column({ type: "text", unique: true })
  learnerHash!: string;

  /** Which key hashed it (a fingerprint of the key, not the key). */
  @Column("text")
  keyId!: string;

  @Column({ type: "timestamptz" })
  erasedAt!: Date;

  /** The token's subject (pseudonymous), or the command that erased it. */
  @Column("text")
  erasedBy!: string;

  /** Rows removed, by table ("pgboss.job" for pg-boss's queue). */
  @Column({ type: "jsonb" })
  rowCounts!: Record<string, number>;

  @Column({ type: "jsonb" })
  modelsToRetrain!: VersionToRetrain[];

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;
}
