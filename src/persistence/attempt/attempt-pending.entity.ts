import { Column, Entity, PrimaryColumn } from "typeorm";

/**
 * An attempt recorded by the deferred path (`ingestAttempts`) whose effect on its learner's state is not
 * applied yet: inserted with the attempt, deleted with the state save that applies it
 * (services/attempt/pending-applier.ts). No foreign keys (migration 1764605000000 says why).
 */
@Entity()
export class AttemptPending {
  @PrimaryColumn("uuid")
  learnerId!: string;

  @PrimaryColumn("uuid")
  attemptId!: string;

  @Column("uuid")
  schoolId!: string;
}
