/**
 * A knowledge model that goes live — a retraining's promotion (`retrain`), an admin's `promote-model` or
 * `rollback-model` — leaves the school's learned policy serving nothing: the policy observes through the
 * model it was trained with, so POLICY answers fall back to ZPD (MODEL_CHANGED) until `train-policy` has run
 * for the new model (docs/policy.md, "When it runs"). This enqueues that training in a school that has
 * (ever had) policies, unless its active policy was trained with the model now active (a rollback to it),
 * once per run: its id is derived from the run's, so a retried run enqueues it once.
 */
import type { JobContext } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";
import { onceId } from "../src/services/jobs/job-run.service.js";

/**
 * Enqueues the school's policy retraining after `modelVersionId` was made active; returns its job id, or
 * null when there is nothing to retrain.
 */
export async function enqueuePolicyRetraining(
  ctx: JobContext,
  schoolId: string,
  modelVersionId: string,
  seed?: number,
): Promise<string | null> {
  if (!(await ctx.services.policyTraining.needsRetraining(schoolId, modelVersionId))) return null;
  const { id } = await ctx.enqueue(
    JobName.TrainPolicy,
    { schoolId, ...(seed !== undefined ? { seed } : {}) },
    { schoolId, id: onceId(`train-policy:${ctx.id}`, new Date(0)) },
  );
  return id;
}
