/**
 * A school's privacy budget for training (admins set it; docs/privacy.md, "A privacy budget for
 * training"): the user-level (ε, δ) each Meta training spends. With a budget, Meta is trained with DP-SGD
 * (engine/meta/dp-sgd.ts) with its noise calibrated to reach ε at δ, and the version records the guarantee;
 * the privacy audit's DIFFERENTIAL_PRIVACY check holds every candidate to the budget set at its audit.
 * Without one, Meta is trained without DP and calibrated against membership inference instead (the
 * task-influence ladder, training/private-fit.ts).
 */
import { TrainingPrivacyBudget } from "../../persistence/audit/training-privacy-budget.entity.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError } from "../common/domain-error.js";
import type { ServiceDeps } from "../service-deps.js";

/** The largest ε a budget may set (beyond it the guarantee says little; 100 is already far). */
export const MAX_TRAINING_EPSILON = 100;
/** The largest δ a budget may set: a δ near 1/N or above lets a mechanism release a learner's record outright. */
export const MAX_TRAINING_DELTA = 0.01;

/** The (ε, δ) a school's trainings spend; δ null: 1 / (number of training learners). */
export interface PrivacyBudget {
  readonly epsilon: number;
  readonly delta: number | null;
}

export interface TrainingPrivacyView {
  /** Null: no budget (trained without differential privacy). */
  readonly budget: PrivacyBudget | null;
  readonly updatedAt: Date | null;
}

export class TrainingPrivacyService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(actor: Actor): Promise<TrainingPrivacyView> {
    requireRole(actor, Role.Admin);
    const row = await this.row(actor.schoolId);
    return { budget: budgetOf(row), updatedAt: row?.updatedAt ?? null };
  }

  /** Sets the budget (ε null clears it: trainings without DP from then on). */
  async set(actor: Actor, input: { epsilon?: number | null; delta?: number | null }): Promise<TrainingPrivacyView> {
    requireRole(actor, Role.Admin);
    const epsilon = input.epsilon ?? null;
    const delta = input.delta ?? null;
    if (epsilon !== null && !(Number.isFinite(epsilon) && epsilon > 0 && epsilon <= MAX_TRAINING_EPSILON))
      throw new BadInputError(`epsilon must be greater than 0 and at most ${MAX_TRAINING_EPSILON}`, { field: "epsilon" });
    if (delta !== null && epsilon === null) throw new BadInputError("delta needs an epsilon", { field: "delta" });
    if (delta !== null && !(Number.isFinite(delta) && delta > 0 && delta <= MAX_TRAINING_DELTA))
      throw new BadInputError(`delta must be greater than 0 and at most ${MAX_TRAINING_DELTA}`, { field: "delta" });
    await this.deps.dataSource
      .createQueryBuilder()
      .insert()
      .into(TrainingPrivacyBudget)
      .values({ schoolId: actor.schoolId, epsilon, delta, updatedBy: actor.subject })
      .orUpdate(["epsilon", "delta", "updated_by", "updated_at"], ["school_id"])
      .execute();
    return this.get(actor);
  }

  /** The budget a training of the school spends; null: none. */
  async budget(schoolId: string): Promise<PrivacyBudget | null> {
    return budgetOf(await this.row(schoolId));
  }

  private row(schoolId: string): Promise<TrainingPrivacyBudget | null> {
    return this.deps.dataSource.getRepository(TrainingPrivacyBudget).findOneBy({ schoolId });
  }
}

function budgetOf(row: TrainingPrivacyBudget | null): PrivacyBudget | null {
  return row?.epsilon != null ? { epsilon: row.epsilon, delta: row.delta } : null;
}
