import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Cohort } from "./cohort.entity.js";
import { Teacher } from "../school/teacher.entity.js";

/** A teacher's assignment to a cohort: what a teacher's token may see. */
@Entity()
@Index(["cohortId", "teacherId"], { unique: true })
@Index(["teacherId"])
export class CohortTeacher extends SchoolRow {
  @Column("uuid")
  cohortId!: string;

  @Column("uuid")
  teacherId!: string;

  @ManyToOne(() => Cohort, { onDelete: "CASCADE" })
  cohort?: Cohort;

  @ManyToOne(() => Teacher, { onDelete: "CASCADE" })
  teacher?: Teacher;
}
