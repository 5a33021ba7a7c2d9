/**
 * Task.difficulty under the active model, written when a version goes live (every switch: a first
 * model, a nightly promotion, an admin's promotion or rollback), so that the catalogue's difficulties
 * always speak of the model that serves.
 *
 * d_i = −logit P(correct on i) for a learner never seen before (higher = harder), for the tasks the
 * version was trained on (`model_version.trained_task_ids`). Any other task (unattempted in training,
 * or created since) takes its prior from its nearest neighbours in the version's task embedding
 * instead of the model's skill-level fallback; a task neither can place is null ("not calibrated":
 * a figure of another model would be on another scale).
 */
import type { DataSource, EntityManager } from "typeorm";
import type { TaskEmbedding } from "../../engine/embedding/index.js";
import { logit } from "../../engine/math.js";
import type { TaskInfo } from "../../engine/types.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { ModelStatus } from "../../persistence/model/model-version.entity.js";
import type { LoadedModel } from "../personalisation/active-models.js";
import { loadCatalog } from "./training-set.js";

/**
 * The difficulty of each task under `loaded` (null where it cannot say). `attempted`: the tasks with
 * attempts in the training window, calibrated by the model itself.
 */
export function calibratedDifficulties(
  loaded: Pick<LoadedModel, "model" | "knowsTask">,
  embedding: TaskEmbedding | null,
  tasks: readonly TaskInfo[],
  attempted: ReadonlySet<string>,
): Map<string, number | null> {
  const fresh = loaded.model.initialState();
  const byModel = (taskId: string) => (loaded.knowsTask(taskId) ? -logit(loaded.model.predict(fresh, taskId)) : undefined);
  const calibrated = new Map<string, number>();
  for (const t of tasks) {
    const d = attempted.has(t.taskId) ? byModel(t.taskId) : undefined;
    if (d !== undefined && Number.isFinite(d)) calibrated.set(t.taskId, d);
  }
  const rest = tasks.filter((t) => !calibrated.has(t.taskId));
  const priors = embedding ? embedding.difficultyPriors(rest, calibrated) : [];
  const out = new Map<string, number | null>();
  for (const t of tasks) out.set(t.taskId, calibrated.get(t.taskId) ?? null);
  rest.forEach((t, i) => {
    const d = priors[i] ?? byModel(t.taskId);
    out.set(t.taskId, d !== undefined && Number.isFinite(d) ? d : null);
  });
  return out;
}

/**
 * Writes every task's difficulty under `loaded`, the school's version just made active — if it still
 * is when the figures are written (checked under the lock every switch takes): a switch that replaced
 * it meanwhile calibrates for itself. Returns whether it wrote.
 */
export async function calibrateDifficulties(ds: DataSource, schoolId: string, loaded: LoadedModel): Promise<boolean> {
  const { tasks } = await loadCatalog(ds.manager, schoolId);
  const difficulties = calibratedDifficulties(
    loaded,
    loaded.embedding,
    tasks,
    await trainedTaskSet(ds.manager, schoolId, loaded.versionId),
  );
  return ds.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('zpd:model-version:' || $1))`, [schoolId]);
    const active: unknown[] = await m.query(`SELECT 1 FROM model_version WHERE id = $1 AND school_id = $2 AND status = $3`, [
      loaded.versionId,
      schoolId,
      ModelStatus.Active,
    ]);
    if (active.length === 0) return false;
    await m.query(
      `UPDATE task SET difficulty = u.d FROM unnest($2::uuid[], $3::float8[]) AS u(id, d)
       WHERE task.id = u.id AND task.school_id = $1 AND task.difficulty IS DISTINCT FROM u.d`,
      [schoolId, [...difficulties.keys()], [...difficulties.values()]],
    );
    return true;
  });
}

/**
 * The tasks the version was trained on, as it recorded them when published. A version published
 * before they were kept: the tasks with an attempt by a learner consenting to training up to its
 * `trained_to` (consents and backdated attempts may have changed since; the held-out learners of a
 * retraining count too) — an approximation.
 */
async function trainedTaskSet(m: EntityManager, schoolId: string, versionId: string): Promise<Set<string>> {
  const [row] = (await m.query(`SELECT trained_task_ids FROM model_version WHERE id = $1`, [versionId])) as {
    trained_task_ids: string[] | null;
  }[];
  if (row?.trained_task_ids) return new Set(row.trained_task_ids);
  // One probe of the attempts' task_id index per task, stopped at its first consenting attempt (LIMIT 1).
  // As EXISTS, PostgreSQL turned it into a semi-join over every attempt of the school: 458 ms against
  // 16 on the 1M-attempt benchmark school.
  const rows: { id: string }[] = await m.query(
    `SELECT t.id FROM task t CROSS JOIN LATERAL (
       SELECT 1 FROM attempt a JOIN consent c ON c.learner_id = a.learner_id AND c.purpose = $3 AND c.granted
       WHERE a.task_id = t.id AND a.occurred_at <= (SELECT trained_to FROM model_version WHERE id = $2) LIMIT 1) first
     WHERE t.school_id = $1`,
    [schoolId, versionId, ConsentPurpose.Training],
  );
  return new Set(rows.map((r) => r.id));
}
