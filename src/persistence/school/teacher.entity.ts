import { Column, Entity, Index } from "typeorm";
import { SchoolRow } from "../base.entity.js";

/** A member of staff who teaches cohorts. Tokens with role TEACHER carry its id. */
@Entity()
@Index(["schoolId"])
export class Teacher extends SchoolRow {
  /** The teacher's name, encrypted (persistence/crypto/encrypted-columns.ts, TEACHER_NAME). */
  @Column({ type: "bytea" })
  displayNameEnc!: Buffer;
}
