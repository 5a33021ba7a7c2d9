import { Column, Entity, Index, UpdateDateColumn } from "typeorm";
import { SchoolRow } from "../base.entity.js";

export enum TaskKind {
  Exercise = "EXERCISE",
  QuizItem = "QUIZ_ITEM",
  Reading = "READING",
  Video = "VIDEO",
}

/** Anything a learner does. Its skills (the Q-matrix row) are `TaskSkill` rows. */
@Entity()
@Index(["schoolId", "code"], { unique: true })
@Index("UQ_task_activity_id", ["schoolId", "activityId"], { unique: true, where: "activity_id IS NOT NULL" })
export class Task extends SchoolRow {
  /** A short stable code unique within the school (the calling app's item id). */
  @Column({ type: "varchar", length: 100 })
  code!: string;

  @Column({ type: "varchar", length: 300 })
  title!: string;

  @Column({ type: "varchar", length: 16 })
  kind!: TaskKind;

  /** Topics for interest matching, lower-case. */
  @Column({ type: "text", array: true, default: () => "'{}'" })
  topics!: string[];

  @Column({ type: "integer" })
  expectedDurationSeconds!: number;

  /** Difficulty as calibrated by the active model (logit scale); null until calibrated. */
  @Column({ type: "double precision", nullable: true })
  difficulty!: number | null;

  /** The IRI xAPI statements name the task by (their object's activity id), unique in the school; null: none. */
  @Column({ type: "varchar", length: 2048, nullable: true })
  activityId!: string | null;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;
}
