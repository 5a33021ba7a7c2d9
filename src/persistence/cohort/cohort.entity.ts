import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

/** A class or group of learners. */
@Entity()
@Index(["schoolId", "id"])
export class Cohort extends SchoolRow {
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
