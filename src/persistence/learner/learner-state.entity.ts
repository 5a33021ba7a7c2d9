import { Column, Entity, ManyToOne, PrimaryColumn, UpdateDateColumn, VersionColumn, type ValueTransformer } from "typeorm";
import { Learner } from "./learner.entity.js";
import { School } from "../school/school.entity.js";
import type { MasteryMap } from "./learner-state-mastery.js";
import { decodeState, storedState } from "./learner-state-codec.js";

/** The entity's view of the `state` column: the value as an object, written in the codec's layout. */
const STATE_TEXT: ValueTransformer = {
  to: (v: Record<string, unknown> | undefined) => (v === undefined ? undefined : storedState(v)),
  from: (v: string | null) => (v === null ? null : decodeState(v)),
};

/**
 * The engine's personal state for a learner under one model version (φ_u and its counters),
 * updated on every attempt and rebuilt when a new model goes live.
 */
@Entity()
export class LearnerState {
  @PrimaryColumn("uuid")
  learnerId!: string;

  @Column("uuid")
  schoolId!: string;

  /** The model version the state belongs to; null before any model is active. */
  @Column({ type: "uuid", nullable: true })
  modelVersionId!: string | null;

  /** The engine's `LearnerState`, stored as JSON text (learner-state-codec.ts: why text, and its layout). */
  @Column({ type: "text", transformer: STATE_TEXT })
  state!: Record<string, unknown>;

  /**
   * Per-skill mastery under the state's model, in the compact form documented in
   * learner-state-mastery.ts (`{ skillId: [mastery, uncertainty, attempts, trend, updatedAtMs] }`).
   * SQL readers use the view `skill_mastery`.
   */
  @Column({ type: "jsonb", default: () => "'{}'" })
  mastery!: MasteryMap;

  @Column({ type: "integer", default: 0 })
  attemptCount!: number;

  /** When the latest attempt applied to the state happened: an earlier one arriving later is replayed in time order. */
  @Column({ type: "timestamptz", nullable: true })
  lastAttemptAt!: Date | null;

  /** Optimistic lock: concurrent updates of one learner never lose one. */
  @VersionColumn()
  version!: number;

  @UpdateDateColumn({ type: "timestamptz" })
  updatedAt!: Date;

  @ManyToOne(() => School, { onDelete: "CASCADE" })
  school?: School;

  @ManyToOne(() => Learner, { onDelete: "CASCADE" })
  learner?: Learner;
}
