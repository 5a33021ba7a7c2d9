/**
 * Steps complete as attempts arrive: a pending step whose task the learner has just answered
 * correctly is done. Runs in the attempt's transaction.
 */
import { EntityManager } from "typeorm";
import { PathStepStatus } from "../../persistence/goal/path-step.entity.js";

export async function completeSteps(m: EntityManager, learnerId: string, correctTaskIds: readonly string[]): Promise<void> {
  if (correctTaskIds.length === 0) return;
  await m.query(
    `UPDATE path_step SET status = $3, updated_at = now()
     WHERE status = $4 AND task_id = ANY($2::uuid[]) AND path_id IN (SELECT id FROM learning_path WHERE learner_id = $1)`,
    [learnerId, [...new Set(correctTaskIds)], PathStepStatus.Done, PathStepStatus.Pending],
  );
}
