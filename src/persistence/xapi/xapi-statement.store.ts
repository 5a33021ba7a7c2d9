/**
 * The xAPI statements' SQL (migrations/1764565000000-xapi-store.ts). Statements are stored encrypted and
 * found by their index columns; this module never sees a statement's content in the clear.
 */
import type { EntityManager } from "typeorm";

export interface StatementRow {
  readonly id: string;
  readonly stored: Date;
  readonly verbId: string;
  readonly registration: string | null;
  readonly refId: string | null;
  readonly voids: boolean;
  readonly activityIds: readonly string[];
  readonly relatedActivityIds: readonly string[];
  readonly agentHashes: readonly Buffer[];
  readonly relatedAgentHashes: readonly Buffer[];
  readonly attachmentSha2s: readonly string[];
  readonly statementEnc: Buffer;
  readonly credentialId: string;
  /** `pending` when it may be an attempt (the mapper decides), `ignored` when it cannot be one. */
  readonly mapping: "pending" | "ignored";
  readonly mappingReason: string | null;
}

export interface StoredStatement {
  readonly id: string;
  readonly seq: string;
  readonly voided: boolean;
  readonly voids: boolean;
  readonly statementEnc: Buffer;
  readonly attachmentSha2s: readonly string[];
  /** The learner it became an attempt of (null: not mapped). */
  readonly learnerId: string | null;
  readonly mapping: string;
}

/** What a statement query filters on (7.2.3); every given condition must hold. */
export interface StatementFilter {
  /** The agent's keyed hash; matched against the actor/object or, with related, all agents. */
  readonly agentHash?: Buffer;
  readonly relatedAgents?: boolean;
  readonly verbId?: string;
  readonly activityId?: string;
  readonly relatedActivities?: boolean;
  readonly registration?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Only statements at or before this sequence number (the consistent-through point of a paged query). */
  readonly atMostSeq?: string;
  /** Paging: only statements after (ascending) or before (descending) this sequence number. */
  readonly afterSeq?: string;
  readonly ascending: boolean;
  readonly limit: number;
}

interface Raw {
  id: string;
  seq: string;
  voided: boolean;
  voids: boolean;
  statement_enc: Buffer;
  attachment_sha2s: string[];
  learner_id: string | null;
  mapping: string;
}

const stored = (r: Raw): StoredStatement => ({
  id: r.id,
  seq: String(r.seq),
  voided: r.voided,
  voids: r.voids,
  statementEnc: r.statement_enc,
  attachmentSha2s: r.attachment_sha2s,
  learnerId: r.learner_id,
  mapping: r.mapping,
});

const COLUMNS = `id, seq, voided, voids, statement_enc, attachment_sha2s, learner_id, mapping`;

const INSERT_CHUNK = 1_000;

/**
 * A RETURNING column that lets the statement's own (implicit) transaction commit without waiting for its
 * WAL to reach the disk (synchronous_commit off for that transaction only). What it wrote is durable once
 * any later transaction that wrote commits synchronously: WAL is flushed in order, up to that commit.
 * The caller must see to such a commit before it acknowledges anything (xapi-statement.service.ts).
 */
export const COMMIT_WITHOUT_FLUSH = `set_config('synchronous_commit', 'off', true) AS deferred`;

/**
 * Inserts the statements whose ids are new, in one statement (a multi-row VALUES, in the order given);
 * returns the ids that were already stored. With `flush: false` (outside a transaction only), the
 * insert's commit does not wait for the disk (COMMIT_WITHOUT_FLUSH): the caller makes it durable.
 */
export async function insertStatements(
  m: EntityManager,
  schoolId: string,
  rows: readonly StatementRow[],
  options: { flush: boolean } = { flush: true },
): Promise<Set<string>> {
  // 15 parameters a row: chunks keep a statement far under PostgreSQL's 65,535 parameters.
  if (rows.length > INSERT_CHUNK) {
    const existing = new Set<string>();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      for (const id of await insertStatements(m, schoolId, rows.slice(i, i + INSERT_CHUNK), options)) existing.add(id);
    return existing;
  }
  if (rows.length === 0) return new Set();
  const params: unknown[] = [schoolId];
  const values = rows.map((r) => {
    const at = params.length;
    params.push(
      r.id,
      r.stored,
      r.verbId,
      r.registration,
      r.refId,
      r.voids,
      r.activityIds,
      r.relatedActivityIds,
      r.agentHashes,
      r.relatedAgentHashes,
      r.attachmentSha2s,
      r.statementEnc,
      r.credentialId,
      r.mapping,
      r.mappingReason,
    );
    const p = (i: number) => `$${at + i}`;
    return `($1, ${p(1)}::uuid, ${p(2)}::timestamptz, ${p(3)}, ${p(4)}::uuid, ${p(5)}::uuid, ${p(6)}::boolean, ${p(7)}::text[], ${p(8)}::text[],
      ${p(9)}::bytea[], ${p(10)}::bytea[], ${p(11)}::text[], ${p(12)}::bytea, ${p(13)}::uuid, ${p(14)}, ${p(15)})`;
  });
  const inserted: { id: string }[] = await m.query(
    `INSERT INTO xapi_statement (school_id, id, stored, verb_id, registration, ref_id, voids, activity_ids, related_activity_ids,
       agent_hashes, related_agent_hashes, attachment_sha2s, statement_enc, credential_id, mapping, mapping_reason)
     VALUES ${values.join(",\n")}
     ON CONFLICT (school_id, id) DO NOTHING RETURNING id${options.flush ? "" : `, ${COMMIT_WITHOUT_FLUSH}`}`,
    params,
  );
  const fresh = new Set(inserted.map((r) => r.id));
  return new Set(rows.map((r) => r.id).filter((id) => !fresh.has(id)));
}

/**
 * Makes the statements, and everything committed before, durable: rewrites their rows (unchanged) in a
 * transaction that commits synchronously — its WAL, and all WAL before it, is flushed before it returns.
 */
export async function flushStatements(m: EntityManager, schoolId: string, ids: readonly string[]): Promise<void> {
  if (ids.length)
    await m.query(`UPDATE xapi_statement SET mapping = mapping WHERE school_id = $1 AND id = ANY($2::uuid[])`, [schoolId, ids]);
}

/** Statements by id (voided or not). */
export async function statementsById(m: EntityManager, schoolId: string, ids: readonly string[]): Promise<StoredStatement[]> {
  if (ids.length === 0) return [];
  const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM xapi_statement WHERE school_id = $1 AND id = ANY($2::uuid[])`, [schoolId, ids]);
  return rows.map(stored);
}

/**
 * Marks the statements voided (never a voiding statement: it cannot be voided); a voided statement is no
 * attempt any more (its attempt, if mapped, is the caller's to delete first).
 */
export async function markVoided(m: EntityManager, schoolId: string, ids: readonly string[]): Promise<void> {
  if (ids.length)
    await m.query(
      `UPDATE xapi_statement SET voided = true, mapping = 'ignored', mapping_reason = 'VOIDED', attempt_id = NULL
       WHERE school_id = $1 AND id = ANY($2::uuid[]) AND NOT voids`,
      [schoolId, ids],
    );
}

/** The highest sequence number stored so far ("0" when none): a query's consistent-through point. */
export async function lastSeq(m: EntityManager, schoolId: string): Promise<string> {
  const [r]: { seq: string | null }[] = await m.query(`SELECT max(seq)::text AS seq FROM xapi_statement WHERE school_id = $1`, [schoolId]);
  return r?.seq ?? "0";
}

/**
 * A page of a statement query, voided statements excluded. The content filters (agent, verb, activity,
 * registration) also match, recursively, a statement whose StatementRef targets a matching statement
 * (7.2.3, "Filter Conditions for StatementRefs"); time, sequence and limit apply to the statement itself.
 * Returns up to limit + 1 rows, so that the caller knows whether there are more.
 */
export async function queryStatements(m: EntityManager, schoolId: string, f: StatementFilter): Promise<StoredStatement[]> {
  const params: unknown[] = [schoolId];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const content: string[] = [];
  if (f.agentHash) content.push(`${f.relatedAgents ? "related_agent_hashes" : "agent_hashes"} @> ARRAY[${p(f.agentHash)}::bytea]`);
  if (f.verbId !== undefined) content.push(`verb_id = ${p(f.verbId)}`);
  if (f.activityId !== undefined)
    content.push(`${f.relatedActivities ? "related_activity_ids" : "activity_ids"} @> ARRAY[${p(f.activityId)}]::text[]`);
  if (f.registration !== undefined) content.push(`registration = ${p(f.registration)}::uuid`);
  const own: string[] = ["s.school_id = $1", "NOT s.voided"];
  if (f.since) own.push(`s.stored > ${p(f.since)}`);
  if (f.until) own.push(`s.stored <= ${p(f.until)}`);
  if (f.atMostSeq !== undefined) own.push(`s.seq <= ${p(f.atMostSeq)}::bigint`);
  if (f.afterSeq !== undefined) own.push(`s.seq ${f.ascending ? ">" : "<"} ${p(f.afterSeq)}::bigint`);
  const order = f.ascending ? "ASC" : "DESC";
  const limit = p(f.limit + 1);
  const cols = COLUMNS.split(", ")
    .map((c) => `s.${c}`)
    .join(", ");
  if (content.length === 0) {
    const rows: Raw[] = await m.query(
      `SELECT ${cols} FROM xapi_statement s WHERE ${own.join(" AND ")} ORDER BY s.seq ${order} LIMIT ${limit}`,
      params,
    );
    return rows.map(stored);
  }
  const rows: Raw[] = await m.query(
    `WITH RECURSIVE matching AS (
       SELECT id FROM xapi_statement WHERE school_id = $1 AND ${content.join(" AND ")}
       UNION
       SELECT t.id FROM xapi_statement t JOIN matching ON t.school_id = $1 AND t.ref_id = matching.id
     )
     SELECT ${cols} FROM xapi_statement s JOIN matching USING (id) WHERE ${own.join(" AND ")} ORDER BY s.seq ${order} LIMIT ${limit}`,
    params,
  );
  return rows.map(stored);
}

/** Stores attachment contents not yet stored (by SHA-2, once per school). */
export async function insertAttachments(
  m: EntityManager,
  schoolId: string,
  parts: readonly { sha2: string; contentType: string; contentEnc: Buffer }[],
): Promise<void> {
  for (const a of parts)
    await m.query(
      `INSERT INTO xapi_attachment (school_id, sha2, content_type, content_enc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [schoolId, a.sha2, a.contentType, a.contentEnc],
    );
}

export async function attachmentsBySha2(
  m: EntityManager,
  schoolId: string,
  sha2s: readonly string[],
): Promise<{ sha2: string; contentType: string; contentEnc: Buffer }[]> {
  if (sha2s.length === 0) return [];
  const rows: { sha2: string; content_type: string; content_enc: Buffer }[] = await m.query(
    `SELECT sha2, content_type, content_enc FROM xapi_attachment WHERE school_id = $1 AND sha2 = ANY($2::text[])`,
    [schoolId, sha2s],
  );
  return rows.map((r) => ({ sha2: r.sha2, contentType: r.content_type, contentEnc: r.content_enc }));
}

/**
 * Records what the statements say of each Activity (its canonical definition): the latest value of each
 * property, with the languages of its name and description gathered from every statement.
 */
export async function upsertActivities(
  m: EntityManager,
  schoolId: string,
  activities: readonly { id: string; definition: object }[],
): Promise<void> {
  if (activities.length === 0) return;
  await m.query(
    `INSERT INTO xapi_activity (school_id, id, definition)
     SELECT $1, u.id, u.definition FROM unnest($2::text[], $3::jsonb[]) AS u(id, definition)
     ON CONFLICT (school_id, id) DO UPDATE SET definition = xapi_activity.definition || EXCLUDED.definition
       || CASE WHEN xapi_activity.definition ? 'name' AND EXCLUDED.definition ? 'name'
            THEN jsonb_build_object('name', (xapi_activity.definition -> 'name') || (EXCLUDED.definition -> 'name')) ELSE '{}'::jsonb END
       || CASE WHEN xapi_activity.definition ? 'description' AND EXCLUDED.definition ? 'description'
            THEN jsonb_build_object('description', (xapi_activity.definition -> 'description') || (EXCLUDED.definition -> 'description')) ELSE '{}'::jsonb END`,
    [schoolId, activities.map((a) => a.id), activities.map((a) => JSON.stringify(a.definition))],
  );
}

export async function activityDefinition(m: EntityManager, schoolId: string, id: string): Promise<object | null> {
  const [r]: { definition: object | string }[] = await m.query(`SELECT definition FROM xapi_activity WHERE school_id = $1 AND id = $2`, [
    schoolId,
    id,
  ]);
  if (!r) return null;
  return typeof r.definition === "string" ? JSON.parse(r.definition) : r.definition;
}
