import { BeforeInsert, Column, CreateDateColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { School } from "./school/school.entity.js";
import { uuidv7 } from "../shared/ids.js";

/** Every row has a time-ordered uuid and belongs to exactly one school (the tenant). */
export abstract class SchoolRow {
  @PrimaryColumn("uuid")
  id!: string;

  @Column("uuid")
  schoolId!: string;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @CreateDateColumn({ type: "timestamptz" })
  createdAt!: Date;

  @BeforeInsert()
  protected assignId(): void {
    if (!this.id) this.id = uuidv7();
  }
}
