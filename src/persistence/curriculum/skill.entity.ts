import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

/** A knowledge component. */
@Entity()
@Index(["schoolId", "code"], { unique: true })
export class Skill extends SchoolRow {
  /** A short stable code unique within the school, e.g. "FRAC.EQUIV". */
  @Column({ type: "varchar", length: 100 })
  code!: string;

  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Column({ type: "text", default: "" })
  description!: string;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
