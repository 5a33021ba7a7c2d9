import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Goal } from "./goal.entity.js";
import { Skill } from "../curriculum/skill.entity.js";

/** A target skill of a goal. */
@Entity()
@Index(["goalId", "skillId"], { unique: true })
export class GoalSkill extends SchoolRow {
  @Column("uuid")
  goalId!: string;

  @Column("uuid")
  skillId!: string;

  @ManyToOne(() => Goal, { onDelete: "CASCADE" })
  goal?: Goal;

  @ManyToOne(() => Skill, { onDelete: "CASCADE" })
  skill?: Skill;
}
