import { Column, Entity, Index, ManyToOne, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { LearningPath } from "./learning-path.entity.js";
import { Task } from "../curriculum/task.entity.js";

export enum PathStepStatus {
  Pending = "PENDING",
  Done = "DONE",
  Skipped = "SKIPPED",
}

/** One step of a path: a task, the skill it serves and why. */
@Entity()
@Index(["pathId", "position"])
export class PathStep extends SchoolRow {
  @Column("uuid")
  pathId!: string;

  @Column("integer")
  position!: number;

  @Column("uuid")
  taskId!: string;

  @Column({ type: "uuid", nullable: true })
  skillId!: string | null;

  @Column({ type: "text", default: "" })
  reason!: string;

  @Column({ type: "varchar", length: 16, default: PathStepStatus.Pending })
  status!: PathStepStatus;

  /** A teacher's pin: re-planning keeps the step where it is. */
  @Column({ type: "boolean", default: false })
  pinned!: boolean;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => LearningPath, { onDelete: "CASCADE" })
  path?: LearningPath;

  @ManyToOne(() => Task, { onDelete: "CASCADE" })
  task?: Task;
}
