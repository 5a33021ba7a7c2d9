import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Skill } from "./skill.entity.js";
import { Task } from "./task.entity.js";

/** One cell of the Q-matrix: task `taskId` exercises skill `skillId` with `weight` in (0, 1]. */
@Entity()
@Index(["taskId", "skillId"], { unique: true })
@Index("IDX_task_skill_by_skill", ["skillId", "taskId"])
export class TaskSkill extends SchoolRow {
  @Column("uuid")
  taskId!: string;

  @Column("uuid")
  skillId!: string;

  @Column({ type: "double precision", default: 1 })
  weight!: number;

  @ManyToOne(() => Task, { onDelete: "CASCADE" })
  task?: Task;

  @ManyToOne(() => Skill, { onDelete: "CASCADE" })
  skill?: Skill;
}
