import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Learner } from "../learner/learner.entity.js";
import { Task } from "../curriculum/task.entity.js";

/** One trace: an append-only fact. The idempotency key is unique per school. */
@Entity()
@Index(["schoolId", "idempotencyKey"], { unique: true })
// (learner_id, occurred_at, id) INCLUDE (task_id, correct): a learner's history in replay order,
// index-only. Declared in its migration (1764440000000): decorators cannot say INCLUDE.
@Index(["taskId"])
export class Attempt extends SchoolRow {
  @Column("uuid")
  learnerId!: string;

  @Column("uuid")
  taskId!: string;

  @Column("boolean")
  correct!: boolean;

  /** Score in [0, 1]. */
  @Column("double precision")
  score!: number;

  @Column({ type: "integer", nullable: true })
  durationSeconds!: number | null;

  @Column({ type: "integer", default: 0 })
  hintsUsed!: number;

  @Column({ type: "timestamptz" })
  occurredAt!: Date;

  /** Where it came from: the calling app, an import, … */
  @Column({ type: "varchar", length: 100, default: "api" })
  source!: string;

  @Column({ type: "varchar", length: 200 })
  idempotencyKey!: string;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;

  @ManyToOne(() => Task, { onDelete: "RESTRICT" })
  task?: Task;
}
