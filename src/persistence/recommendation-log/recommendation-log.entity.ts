import { Column, Entity, Index, ManyToOne, PrimaryColumn } from "typeorm";
import { School } from "../school/school.entity.js";
import { Learner } from "../learner/learner.entity.js";

/**
 * One served recommendation: a task put at a rank of an answer (the `recommendations` query, or a
 * planned path's step, `planPath` and the re-plans after an attempt), by which strategy, with what
 * probability given the ranks above it (the propensity: 1 for a deterministic rule), under which model
 * version, among how many candidates. Ids only: no personal data. Written in batches by
 * services/recommendation-log/recommendation-log.service.ts; deleted with the learner (erasure) and
 * after ZPD_RETENTION_DAYS with the attempts (the daily `retention` job). docs/privacy.md.
 */
@Entity()
@Index(["schoolId", "learnerId", "id"])
@Index(["schoolId", "id"])
export class RecommendationLog {
  /** UUIDv7 of the serving time: the log reads in time order by id alone. */
  @PrimaryColumn("uuid")
  id!: string;

  @Column("uuid")
  schoolId!: string;

  @Column("uuid")
  learnerId!: string;

  /** The rows of one answer share it (an answer's ranks 1…n). */
  @Column("uuid")
  answerId!: string;

  @Column({ type: "timestamptz" })
  servedAt!: Date;

  /** The strategy that ranked the task: ZPD, LOWEST_MASTERY, CURRICULUM, POLICY (a learned policy), PATH (the path planner). */
  @Column({ type: "varchar", length: 32 })
  strategy!: string;

  /** PERSONALISED, NO_CONSENT or NO_MODEL (the answer's mode: without consent or model the strategy is CURRICULUM). */
  @Column({ type: "varchar", length: 16 })
  mode!: string;

  @Column("uuid")
  taskId!: string;

  /** 1 for the first item of the answer. */
  @Column("int")
  rank!: number;

  /** P(this task at this rank | the ranks above it), in (0, 1]; 1 for a deterministic rule. */
  @Column("double precision")
  propensity!: number;

  /** The active knowledge model's version; null without one. */
  @Column({ type: "uuid", nullable: true })
  modelVersionId!: string | null;

  /** The learned policy's version, for strategy POLICY; null otherwise. */
  @Column({ type: "uuid", nullable: true })
  policyVersionId!: string | null;

  /** How many candidate tasks the strategy chose among (pinned tasks excluded); null when none were ranked (curriculum order, a path). */
  @Column({ type: "int", nullable: true })
  candidateCount!: number | null;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
