/**
 * The registry's record of which learners each model version was trained on (model_version_learner):
 * written once with the version, read by the promotion gate to compare versions on unseen learners.
 */
import type { EntityManager } from "typeorm";
import { bulkInsert } from "../bulk-insert.js";

/** Records that `versionId` was trained on `learnerIds` (inside the transaction that publishes it). */
export async function recordTrainedLearners(
  m: EntityManager,
  schoolId: string,
  versionId: string,
  learnerIds: Iterable<string>,
): Promise<void> {
  const ids = [...learnerIds];
  for (let i = 0; i < ids.length; i += 50_000) {
    await bulkInsert(
      m,
      "model_version_learner",
      ["model_version_id", "learner_id", "school_id"],
      ["uuid", "uuid", "uuid"],
      ids.slice(i, i + 50_000).map((l) => [versionId, l, schoolId]),
    );
  }
}

/** Those of `learnerIds` that any of `versionIds` was trained on. */
export async function learnersSeenBy(m: EntityManager, versionIds: readonly string[], learnerIds: readonly string[]): Promise<Set<string>> {
  if (!versionIds.length || !learnerIds.length) return new Set();
  const rows: { learner_id: string }[] = await m.query(
    `SELECT DISTINCT learner_id FROM model_version_learner WHERE model_version_id = ANY($1::uuid[]) AND learner_id = ANY($2::uuid[])`,
    [[...versionIds], [...learnerIds]],
  );
  return new Set(rows.map((r) => r.learner_id));
}

/** How many learners `versionId` was trained on. */
export async function trainedLearnerCount(m: EntityManager, versionId: string): Promise<number> {
  const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM model_version_learner WHERE model_version_id = $1`, [versionId]);
  return Number(n);
}
