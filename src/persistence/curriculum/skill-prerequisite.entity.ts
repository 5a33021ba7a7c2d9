import { Column, Entity, Index, ManyToOne } from "typeorm";
import { SchoolRow } from "../base.entity.js";
import { Skill } from "./skill.entity.js";

/** An edge of the prerequisite DAG: `prerequisiteId` should be mastered before `skillId`. */
@Entity()
@Index(["skillId", "prerequisiteId"], { unique: true })
@Index(["prerequisiteId"])
export class SkillPrerequisite extends SchoolRow {
  @Column("uuid")
  skillId!: string;

  @Column("uuid")
  prerequisiteId!: string;

  @ManyToOne(() => Skill, { onDelete: "CASCADE" })
  skill?: Skill;

  @ManyToOne(() => Skill, { onDelete: "CASCADE" })
  prerequisite?: Skill;
}
