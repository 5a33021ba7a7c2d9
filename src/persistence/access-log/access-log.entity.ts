import { Column, Entity, Index, ManyToOne, PrimaryColumn } from "typeorm";
import { School } from "../school/school.entity.js";
import { Learner } from "../learner/learner.entity.js";

/** Whether a request read a learner's data or changed it. */
export enum AccessKind {
  Read = "READ",
  Write = "WRITE",
}

/**
 * Accesses to a learner's data: who (the caller's role and id), whose (the learner), through which
 * root field of the API, read or write, and when — one row for the `count` requests of the same caller,
 * learner, root field and kind over the writer's window, from `at` to `lastAt`. Ids only: no payload, no personal data. Written in
 * batches by services/access-log/access-log.service.ts; deleted with the learner (erasure) and after
 * ZPD_ACCESS_LOG_RETENTION_DAYS (the daily `retention` job).
 */
@Entity()
@Index(["schoolId", "learnerId", "id"])
@Index(["schoolId", "id"])
export class AccessLog {
  /** UUIDv7 of the access's time: the log pages in time order by id alone. */
  @PrimaryColumn("uuid")
  id!: string;

  @Column("uuid")
  schoolId!: string;

  @Column("uuid")
  learnerId!: string;

  /** ADMIN, SERVICE, TEACHER, LEARNER. */
  @Column({ type: "varchar", length: 16 })
  actorRole!: string;

  /** The teacher's or learner's id for those roles, else the token's subject (pseudonymous). */
  @Column("text")
  actorId!: string;

  /** The API's root field through which the data was reached (e.g. `mastery`, `updateLearner`). */
  @Column({ type: "varchar", length: 64 })
  operation!: string;

  @Column({ type: "varchar", length: 5 })
  access!: AccessKind;

  /** The first access of the row. */
  @Column({ type: "timestamptz" })
  at!: Date;

  /** The last access of the row; null on rows written before migration 1764700000000 (single accesses: `at`). */
  @Column({ type: "timestamptz", nullable: true })
  lastAt!: Date | null;

  /** How many requests the row stands for (1 before migration 1764700000000). */
  @Column({ type: "integer", default: 1 })
  count!: number;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
