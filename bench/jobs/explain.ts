/**
 * EXPLAIN ANALYZE of the statements that bound the jobs' targets (an import batch, the rebuild's
 * reads and write), sent as the services send them and rolled back where they write — so that the
 * report shows what limits a figure, not only the figure.
 */
import type { Database } from "../../src/persistence/database.js";
import { ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";
import { DEFAULT_BATCH, MARK_FOR_REBUILD_SQL, WRITE_ATTEMPTS_SQL } from "../../src/services/import/trace-import.service.js";
import { uuidv7s } from "../../src/shared/ids.js";
import { loadVersion } from "../../src/services/personalisation/active-models.js";
import { ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { REBUILD_BATCH } from "../../src/services/training/state-rebuild.service.js";
import { statePrefix } from "../../src/persistence/learner/learner-state-codec.js";
import { REBUILD_READ_SQL, REBUILD_WRITE_SQL, STALE_STATES_SQL } from "../../src/persistence/learner/learner-state.store.js";
import { packJson } from "../../src/persistence/json-pack.js";

export interface ExplainedStatement {
  statement: string;
  plan: string;
}

/**
 * EXPLAIN ANALYZE of the rebuild's statements on its first batch of 500 learners (what
 * TrainingService.rebuildStates and LearnerModelService.rebuildMany send). Writes are explained
 * inside a transaction that is rolled back.
 */
export async function explainRebuild(ds: Database["dataSource"], schoolId: string): Promise<ExplainedStatement[]> {
  const [active] = (await ds.query(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [schoolId])) as {
    id: string;
  }[];
  const out: ExplainedStatement[] = [];
  const explain = async (statement: string, sql: string, params: unknown[]) => {
    const rows = (await ds.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as { "QUERY PLAN": string }[];
    out.push({ statement, plan: compactPlan(rows) });
  };
  const tag = active ? loadVersion(await ds.getRepository(ModelVersion).findOneByOrFail({ id: active.id })).stateTag : "";
  const selectParams = [schoolId, ConsentPurpose.Personalisation, active?.id ?? null, statePrefix(tag)];
  await explain("rebuildStates: learners to rebuild", STALE_STATES_SQL, selectParams);
  const ids = ((await ds.query(`${STALE_STATES_SQL} LIMIT ${REBUILD_BATCH}`, selectParams)) as { learner_id: string }[]).map(
    (r) => r.learner_id,
  );
  await explain(`rebuildMany: the learners' rows with their histories (${ids.length} learners)`, REBUILD_READ_SQL, [ids]);
  const taskIds = (
    (await ds.query(`SELECT DISTINCT task_id FROM attempt WHERE learner_id = ANY($1::uuid[])`, [ids])) as { task_id: string }[]
  ).map((r) => r.task_id);
  await explain("rebuildMany: Q-matrix of the tasks", `SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [
    taskIds,
  ]);
  // The write, on the rows as they are (same shape as rebuildMany's), rolled back.
  const qr = ds.createQueryRunner();
  try {
    await qr.startTransaction();
    const states = (await qr.query(
      `SELECT learner_id, state, mastery::text AS mastery, attempt_count, version, (extract(epoch FROM last_attempt_at) * 1000)::float8 AS last
       FROM learner_state WHERE learner_id = ANY($1::uuid[])`,
      [ids],
    )) as { learner_id: string; state: string; mastery: string; attempt_count: number; version: number; last: number | null }[];
    const rows = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${REBUILD_WRITE_SQL}`, [
      active?.id ?? null,
      states.map((s) => s.learner_id),
      packJson(states.map((s) => s.state)),
      packJson(states.map((s) => s.mastery)),
      states.map((s) => s.attempt_count),
      states.map((s) => s.version),
      states.map((s) => s.last),
      ConsentPurpose.Personalisation,
    ])) as { "QUERY PLAN": string }[];
    out.push({ statement: `rebuildMany: UPDATE learner_state, state + mastery (${states.length} rows)`, plan: compactPlan(rows) });
  } finally {
    await qr.rollbackTransaction().catch(() => {});
    await qr.release();
  }
  return out;
}

/**
 * EXPLAIN ANALYZE of one import batch, exactly as the trace import's attempt batches send it
 * (src/services/import/attempt-batches.ts, writeAttempts): 5,000 attempts of the school copied with
 * new ids and keys (so they are new rows), then the learner-state marking; in a transaction rolled
 * back. The triggers' lines are the foreign-key checks.
 */
export async function explainImportBatch(ds: Database["dataSource"], schoolId: string): Promise<ExplainedStatement[]> {
  const qr = ds.createQueryRunner();
  const out: ExplainedStatement[] = [];
  try {
    await qr.startTransaction();
    const rows = (await qr.query(
      `SELECT learner_id, task_id, correct, idempotency_key AS key FROM attempt WHERE school_id = $1 ORDER BY learner_id, occurred_at LIMIT ${DEFAULT_BATCH}`,
      [schoolId],
    )) as { learner_id: string; task_id: string; correct: boolean; key: string }[];
    const plan = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${WRITE_ATTEMPTS_SQL}`, [
      schoolId,
      "2000-01-01T00:00:00.000Z",
      "import",
      "bench-explain:",
      uuidv7s(rows.length),
      rows.map((r) => r.learner_id),
      rows.map((r) => r.task_id),
      rows.map((r) => r.correct),
      rows.map((_, i) => i + 1),
      rows.map((r) => r.key),
    ])) as { "QUERY PLAN": string }[];
    out.push({ statement: `INSERT of one batch of ${rows.length} attempts (writeAttempts)`, plan: compactPlan(plan) });
    const learners = [...new Set(rows.map((r) => r.learner_id))];
    const mark = (await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${MARK_FOR_REBUILD_SQL}`, [schoolId, learners])) as { "QUERY PLAN": string }[];
    out.push({ statement: `learner states marked for rebuild (${learners.length} learners)`, plan: compactPlan(mark) });
  } finally {
    await qr.rollbackTransaction().catch(() => {});
    await qr.release();
  }
  return out;
}

/** The plan's lines, with long literal arrays (the batch's ids) shortened. */
export function compactPlan(rows: { "QUERY PLAN": string }[]): string {
  return rows
    .map((r) => r["QUERY PLAN"].replace(/'\{([^}]{120,})\}'/g, (_m, inner: string) => `'{… ${inner.split(",").length} values …}'`))
    .join("\n");
}
