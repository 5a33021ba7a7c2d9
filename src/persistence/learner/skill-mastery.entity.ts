import { Column, Entity, Index, ManyToOne, PrimaryColumn, UpdateDateColumn } from "typeorm";
import { Learner } from "./learner.entity.js";
import { School } from "../school/school.entity.js";
import { Skill } from "../curriculum/skill.entity.js";

/** Per-skill mastery of a learner, materialised from its state so that it can be queried in SQL. */
@Entity()
@Index(["skillId"])
export class SkillMastery {
  @PrimaryColumn("uuid")
  learnerId!: string;

  @PrimaryColumn("uuid")
  skillId!: string;

  @Column("uuid")
  schoolId!: string;

  /** P(correct) on a typical task of the skill, in [0, 1]. */
  @Column("double precision")
  mastery!: number;

  /** Standard deviation of `mastery`. */
  @Column("double precision")
  uncertainty!: number;

  @Column({ type: "integer", default: 0 })
  attempts!: number;

  /**
   * How the estimate moves: an exponential moving average (weight 0.3) of the change in mastery
   * caused by each attempt on the skill. Positive = improving.
   */
  @Column({ type: "double precision", default: 0 })
  trend!: number;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;

  @ManyToOne(() => Skill, { onDelete: "CASCADE" })
  skill?: Skill;
}
