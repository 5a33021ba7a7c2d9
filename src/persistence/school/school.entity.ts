import { BeforeInsert, Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm";
import { uuidv7 } from "../../shared/ids.js";

/** The tenant. Every other row carries a `school_id`; nothing crosses schools. */
@Entity()
export class School {
  @PrimaryColumn("uuid")
  id!: string;

  @Column({ type: "varchar", length: 200 })
  name!: string;

  /** IANA time zone, e.g. "Europe/Paris": schedules (nightly retraining) run in it. */
  @Column({ type: "varchar", length: 64, default: "UTC" })
  timeZone!: string;

  @CreateDateColumn({ type: "timestamptz" })
  createdAt!: Date;

  @BeforeInsert()
  protected assignId(): void {
    if (!this.id) this.id = uuidv7();
  }
}
