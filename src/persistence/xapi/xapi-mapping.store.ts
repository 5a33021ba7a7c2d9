/**
 * The SQL of statements becoming attempts (services/xapi/xapi-attempt-mapper.ts): the statements still to
 * map, their outcome, the agent → learner links, the task an Activity names.
 */
import type { EntityManager } from "typeorm";
import { COMMIT_WITHOUT_FLUSH } from "./xapi-statement.store.js";

export type MappingState = "pending" | "mapped" | "unmapped" | "ignored";

export interface PendingStatement {
  readonly id: string;
  readonly statementEnc: Buffer;
}

/**
 * A school's statements still to map, oldest first. Not locked: mapping one twice is harmless (its attempt's
 * idempotency key is the statement id), and on PGlite a transaction held across the attempts' own would wait forever.
 */
export async function pendingStatements(m: EntityManager, schoolId: string, limit: number): Promise<PendingStatement[]> {
  const rows: { id: string; statement_enc: Buffer }[] = await m.query(
    `SELECT id, statement_enc FROM xapi_statement WHERE school_id = $1 AND mapping = 'pending'
     ORDER BY seq LIMIT $2`,
    [schoolId, limit],
  );
  return rows.map((r) => ({ id: r.id, statementEnc: r.statement_enc }));
}

export async function markMapping(
  m: EntityManager,
  schoolId: string,
  id: string,
  mapping: Exclude<MappingState, "pending">,
  reason: string | null,
  link: { attemptId: string; learnerId: string } | null = null,
): Promise<void> {
  await m.query(
    `UPDATE xapi_statement SET mapping = $3, mapping_reason = $4, attempt_id = $5, learner_id = COALESCE($6, learner_id)
     WHERE school_id = $1 AND id = $2`,
    [schoolId, id, mapping, reason, link?.attemptId ?? null, link?.learnerId ?? null],
  );
}

/** The learner an agent is (by its keyed hash), or null. */
export async function learnerOfAgent(m: EntityManager, schoolId: string, agentHash: Buffer): Promise<string | null> {
  const [r]: { learner_id: string }[] = await m.query(
    `SELECT learner_id FROM xapi_agent_learner WHERE school_id = $1 AND agent_hash = $2`,
    [schoolId, agentHash],
  );
  return r?.learner_id ?? null;
}

/**
 * Links an agent to a learner unless it is linked already; whether this call linked it. A link being
 * made in another open transaction makes this wait for its outcome (the key's unique index).
 */
export async function insertAgentLink(m: EntityManager, schoolId: string, agentHash: Buffer, learnerId: string): Promise<boolean> {
  const rows: unknown[] = await m.query(
    `INSERT INTO xapi_agent_learner (school_id, agent_hash, learner_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
    [schoolId, agentHash, learnerId],
  );
  return rows.length === 1;
}

/** Links an agent to a learner; the link already there wins (returns the learner it names). */
export async function linkAgent(m: EntityManager, schoolId: string, agentHash: Buffer, learnerId: string): Promise<string> {
  if (await insertAgentLink(m, schoolId, agentHash, learnerId)) return learnerId;
  return (await learnerOfAgent(m, schoolId, agentHash))!;
}

/**
 * The attempts statements became (for voiding): statement id → attempt and learner. Found by the attempts'
 * idempotency key (`xapi:<statement id>`), not by the statement's mark: an attempt is there even when the
 * mark that follows it is not (not yet written, or its commit lost: marks are not flushed, see markMapped).
 */
export async function attemptsOfStatements(
  m: EntityManager,
  schoolId: string,
  ids: readonly string[],
): Promise<{ id: string; attemptId: string; learnerId: string }[]> {
  if (ids.length === 0) return [];
  const rows: { id: string; attempt_id: string; learner_id: string }[] = await m.query(
    `SELECT s.id::text AS id, a.id AS attempt_id, a.learner_id FROM unnest($2::uuid[]) AS s(id)
     JOIN attempt a ON a.school_id = $1 AND a.idempotency_key = 'xapi:' || s.id::text AND a.source = 'xapi'`,
    [schoolId, ids],
  );
  return rows.map((r) => ({ id: r.id, attemptId: r.attempt_id, learnerId: r.learner_id }));
}

/** Deletes attempts (a voided statement's); returns how many. */
export async function deleteAttempts(m: EntityManager, schoolId: string, attemptIds: readonly string[]): Promise<number> {
  if (attemptIds.length === 0) return 0;
  const [row]: { n: number }[] = await m.query(
    `WITH d AS (DELETE FROM attempt WHERE school_id = $1 AND id = ANY($2::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [schoolId, attemptIds],
  );
  return row?.n ?? 0;
}

/** A school's unmapped statements, newest first: id, why, when stored. */
export async function unmappedStatements(
  m: EntityManager,
  schoolId: string,
  limit: number,
): Promise<{ id: string; reason: string; stored: Date }[]> {
  const rows: { id: string; mapping_reason: string; stored: Date | string }[] = await m.query(
    `SELECT id, mapping_reason, stored FROM xapi_statement WHERE school_id = $1 AND mapping = 'unmapped' ORDER BY seq DESC LIMIT $2`,
    [schoolId, limit],
  );
  return rows.map((r) => ({ id: r.id, reason: r.mapping_reason, stored: new Date(r.stored) }));
}

/**
 * Puts a school's unmapped statements back to be mapped again: those of `reasons`, and of one agent
 * (its keyed hash among the statement's actor and object agents) when given.
 */
export async function requeueUnmapped(m: EntityManager, schoolId: string, reasons: readonly string[], agentHash?: Buffer): Promise<number> {
  const [row]: { n: number }[] = await m.query(
    `WITH u AS (
       UPDATE xapi_statement SET mapping = 'pending', mapping_reason = NULL
       WHERE school_id = $1 AND mapping = 'unmapped' AND mapping_reason = ANY($2::text[])
         AND ($3::bytea IS NULL OR agent_hashes @> ARRAY[$3::bytea]) RETURNING 1)
     SELECT count(*)::int AS n FROM u`,
    [schoolId, reasons, agentHash ?? null],
  );
  return row?.n ?? 0;
}

/**
 * Puts back to be mapped the school's statements stored `ignored` because their verb was not an attempt
 * verb, whose verb is one now (ZPD_XAPI_ATTEMPT_VERBS changed). Voided statements stay ignored.
 */
export async function requeueAttemptVerbs(m: EntityManager, schoolId: string, verbIds: readonly string[]): Promise<number> {
  const [row]: { n: number }[] = await m.query(
    `WITH u AS (
       UPDATE xapi_statement SET mapping = 'pending', mapping_reason = NULL
       WHERE school_id = $1 AND mapping = 'ignored' AND mapping_reason = 'NOT_AN_ATTEMPT_VERB' AND NOT voided
         AND verb_id = ANY($2::text[]) RETURNING 1)
     SELECT count(*)::int AS n FROM u`,
    [schoolId, verbIds],
  );
  return row?.n ?? 0;
}

/**
 * Marks statements mapped to their attempts and learners, in one statement. With `flush: false` its
 * commit does not wait for the disk (COMMIT_WITHOUT_FLUSH): a mark lost in a crash of the database leaves
 * the statement pending, and mapping it again finds its attempt by the idempotency key and marks it then.
 */
export async function markMapped(
  m: EntityManager,
  schoolId: string,
  rows: readonly { id: string; attemptId: string; learnerId: string }[],
  options: { flush: boolean } = { flush: true },
): Promise<void> {
  if (rows.length === 0) return;
  await m.query(
    `UPDATE xapi_statement s SET mapping = 'mapped', mapping_reason = NULL, attempt_id = u.attempt_id, learner_id = u.learner_id
     FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS u(id, attempt_id, learner_id)
     WHERE s.school_id = $1 AND s.id = u.id${options.flush ? "" : ` RETURNING ${COMMIT_WITHOUT_FLUSH}`}`,
    [schoolId, rows.map((r) => r.id), rows.map((r) => r.attemptId), rows.map((r) => r.learnerId)],
  );
}

/**
 * What a round of statements names, in one round trip: the tasks of the Activities (by activity id; those
 * no task names are absent) and the learners of the agents (by the agent's keyed hash in hex; unknown
 * agents are absent).
 */
export async function tasksAndLearners(
  m: EntityManager,
  schoolId: string,
  activityIds: readonly string[],
  agentHashes: readonly Buffer[],
): Promise<{ tasks: Map<string, string>; learners: Map<string, string> }> {
  const tasks = new Map<string, string>();
  const learners = new Map<string, string>();
  if (activityIds.length === 0 && agentHashes.length === 0) return { tasks, learners };
  const rows: { kind: "task" | "learner"; k: string; v: string }[] = await m.query(
    `SELECT 'task' AS kind, activity_id AS k, id::text AS v FROM task WHERE school_id = $1 AND activity_id = ANY($2::text[])
     UNION ALL
     SELECT 'learner', encode(agent_hash, 'hex'), learner_id::text FROM xapi_agent_learner
     WHERE school_id = $1 AND agent_hash = ANY($3::bytea[])`,
    [schoolId, [...new Set(activityIds)], agentHashes],
  );
  for (const r of rows) (r.kind === "task" ? tasks : learners).set(r.k, r.v);
  return { tasks, learners };
}
