import { Column, Entity, ManyToOne, PrimaryColumn } from "typeorm";
import { School } from "../school/school.entity.js";
import { Task } from "../curriculum/task.entity.js";

/**
 * What the retention job keeps of the attempts it deletes (attempt-retention.ts): counts per school,
 * task and UTC day, over the learners whose ANALYTICS consent was granted when they were folded. No
 * learner ids. Analytics over attempts add these rows to the live ones.
 */
@Entity()
export class AttemptDailyRollup {
  @PrimaryColumn("uuid")
  schoolId!: string;

  @PrimaryColumn("uuid")
  taskId!: string;

  /** The UTC date, YYYY-MM-DD. */
  @PrimaryColumn({ type: "date" })
  day!: string;

  @Column("integer")
  attempts!: number;

  @Column("integer")
  correct!: number;

  /** Distinct learners among them. */
  @Column("integer")
  learners!: number;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Task, { onDelete: "CASCADE" })
  task?: Task;
}
