import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

/**
 * A learner, known only by a pseudonymous id (and optionally the calling app's own pseudonymous
 * reference). Personal data lives in `LearnerProfile`, encrypted.
 */
@Entity()
@Index(["schoolId", "externalRef"], { unique: true, where: "external_ref IS NOT NULL" })
@Index(["schoolId", "id"])
export class Learner extends SchoolRow {
  @Column({ type: "varchar", length: 200, nullable: true })
  externalRef!: string | null;

  /**
   * Declared interests (lower-case topics; they break ties in recommendations), encrypted: a JSON array
   * under the field cipher (persistence/crypto/encrypted-columns.ts, LEARNER_INTERESTS); NULL = none.
   */
  @Column({ type: "bytea", nullable: true })
  interestsEnc!: Buffer | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
