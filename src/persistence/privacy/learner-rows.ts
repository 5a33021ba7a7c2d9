/**
 * Every row keyed to one learner, and how an erasure removes them (services/privacy/erasure.service.ts
 * runs these in its one transaction). The learner's own tables are listed, children before parents,
 * so that each table's count is its own (the foreign keys would cascade, and count nothing); any other
 * table of the public schema with a `learner_id` column — one added after this list — is found in the
 * catalogue and emptied of the learner too. Rows that name the learner inside a document (a job's
 * payload or result, in `job_run` and in pg-boss's `job` table) are found by their text.
 *
 * Locking: the learner's state row first, then the learner row (the attempt writer's order: it locks
 * the state row, then its insert's foreign key takes a key-share lock on the learner row); a concurrent
 * attempt of the learner then waits for the erasure and fails on the foreign key once it commits.
 */
import type { EntityManager } from "typeorm";
import type { VersionToRetrain } from "./erasure-receipt.entity.js";
import { UNREFERENCED_ATTACHMENT } from "../xapi/xapi-retention.store.js";

/** A statement that deletes one table's rows of learner $1. */
interface LearnerTable {
  readonly table: string;
  readonly where: string;
}

/** The learner's school (agents' keyed hashes are the same in every school of a database: scope by it). */
const SCHOOL = `(SELECT school_id FROM learner WHERE id = $1)`;
/** The keyed hashes of the xAPI agents linked to the learner (xapi_agent_learner). */
const AGENTS = `ARRAY(SELECT agent_hash FROM xapi_agent_learner WHERE learner_id = $1)`;

/** The learner's tables, children first; `learner` itself is deleted last (eraseLearnerRows). */
const LEARNER_TABLES: readonly LearnerTable[] = [
  // The LRS keeps what names the learner's agents by their keyed hashes, not by learner id: every statement
  // in which one is the actor, the object or in the context (mapped to an attempt or not), the State and
  // Agent Profile documents kept for one, the attachments no remaining statement refers to; then the links.
  { table: "xapi_document", where: `school_id = ${SCHOOL} AND agent_hash = ANY(${AGENTS})` },
  {
    table: "xapi_statement",
    where: `learner_id = $1 OR (school_id = ${SCHOOL} AND (agent_hashes && ${AGENTS} OR related_agent_hashes && ${AGENTS}))`,
  },
  {
    table: "xapi_attachment",
    where: `school_id = ${SCHOOL} AND ${UNREFERENCED_ATTACHMENT}`,
  },
  { table: "xapi_agent_learner", where: `learner_id = $1` },
  { table: "path_step", where: `path_id IN (SELECT id FROM learning_path WHERE learner_id = $1)` },
  { table: "learning_path", where: `learner_id = $1` },
  { table: "goal_skill", where: `goal_id IN (SELECT id FROM goal WHERE learner_id = $1)` },
  { table: "goal", where: `learner_id = $1` },
  { table: "attempt_pending", where: `learner_id = $1` },
  { table: "attempt", where: `learner_id = $1` },
  { table: "recommendation_log", where: `learner_id = $1` },
  { table: "learner_state_staged", where: `learner_id = $1` },
  { table: "learner_state", where: `learner_id = $1` },
  { table: "model_version_learner", where: `learner_id = $1` },
  { table: "learner_attribute", where: `learner_id = $1` },
  { table: "consent", where: `learner_id = $1` },
  { table: "enrollment", where: `learner_id = $1` },
  { table: "learner_profile", where: `learner_id = $1` },
];

/** Tables whose rows may name a learner anywhere in their text (job payloads, results, errors). */
const DOCUMENT_TABLES = ["public.job_run", "pgboss.job"] as const;

/** The learner, locked in the writers' order; null when it does not exist (in that school, when one is given). */
export async function lockLearner(m: EntityManager, learnerId: string, schoolId: string | null): Promise<{ schoolId: string } | null> {
  await m.query(`SELECT 1 FROM learner_state WHERE learner_id = $1 FOR UPDATE`, [learnerId]);
  const [row]: { school_id: string }[] = await m.query(
    `SELECT school_id FROM learner WHERE id = $1 AND ($2::uuid IS NULL OR school_id = $2::uuid) FOR UPDATE`,
    [learnerId, schoolId],
  );
  return row ? { schoolId: row.school_id } : null;
}

/** The model versions trained on the learner (model_version_learner), in version order: read before the rows go. */
export async function versionsTrainedOn(m: EntityManager, learnerId: string): Promise<VersionToRetrain[]> {
  const rows: { id: string; version: number }[] = await m.query(
    `SELECT mv.id, mv.version FROM model_version_learner mvl JOIN model_version mv ON mv.id = mvl.model_version_id
     WHERE mvl.learner_id = $1 ORDER BY mv.version, mv.id`,
    [learnerId],
  );
  return rows.map((r) => ({ modelVersionId: r.id, version: Number(r.version) }));
}

/** Counts one more erased learner on each version. */
export async function markTrainedOnErased(m: EntityManager, versionIds: readonly string[]): Promise<void> {
  if (versionIds.length === 0) return;
  await m.query(`UPDATE model_version SET erased_learners = erased_learners + 1, updated_at = now() WHERE id = ANY($1::uuid[])`, [
    [...versionIds],
  ]);
}

/**
 * Deletes every row keyed to the learner (its lower-case id) in the caller's transaction, the
 * learner row last. Returns the rows removed per table (tables with none are listed with 0).
 */
export async function eraseLearnerRows(m: EntityManager, learnerId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const del = async (table: string, where: string, sqlName = table) => {
    const [{ n }] = await m.query(`WITH d AS (DELETE FROM ${sqlName} WHERE ${where} RETURNING 1) SELECT count(*)::int AS n FROM d`, [
      learnerId,
    ]);
    counts[table] = (counts[table] ?? 0) + Number(n);
  };
  for (const t of LEARNER_TABLES) await del(t.table, t.where);
  for (const table of await otherLearnerTables(m)) await del(table, `learner_id = $1`, `"${table.replaceAll('"', '""')}"`);
  for (const table of DOCUMENT_TABLES) {
    // pg-boss's schema exists once a queue has started; its job table is partitioned by queue (the parent covers them).
    const [{ exists }] = await m.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table]);
    // Counted as "job_run" (the public schema's tables go by their name) and "pgboss.job".
    if (exists) await del(table.replace(/^public\./, ""), `strpos(lower(to_jsonb(${table.split(".")[1]}.*)::text), $1) > 0`, table);
  }
  await del("learner", `id = $1`);
  return counts;
}

/** Tables of the public schema with a `learner_id` column that LEARNER_TABLES does not list (views excluded). */
async function otherLearnerTables(m: EntityManager): Promise<string[]> {
  const rows: { table_name: string }[] = await m.query(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND c.column_name = 'learner_id' AND NOT (c.table_name = ANY($1::text[]))
     ORDER BY c.table_name`,
    [LEARNER_TABLES.map((t) => t.table)],
  );
  return rows.map((r) => r.table_name);
}
