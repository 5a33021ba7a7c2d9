/** The xAPI documents' SQL (State, Activity Profile, Agent Profile; migrations/1764565000000-xapi-store.ts). */
import type { EntityManager } from "typeorm";

export type DocumentKind = "state" | "activity" | "agent";

/** Where a document lives: its kind, activity, agent (by keyed hash), registration and id ("" for none). */
export interface DocumentScope {
  readonly kind: DocumentKind;
  readonly activityId: string;
  /** The agent's keyed hash; empty for activity profiles. */
  readonly agentHash: Buffer;
  readonly registration: string;
}

export interface StoredDocument {
  readonly id: string;
  readonly documentId: string;
  readonly contentType: string;
  readonly etag: string;
  readonly updated: Date;
  readonly contentEnc: Buffer;
}

interface Raw {
  id: string;
  document_id: string;
  content_type: string;
  etag: string;
  updated: Date | string;
  content_enc: Buffer;
}

const doc = (r: Raw): StoredDocument => ({
  id: r.id,
  documentId: r.document_id,
  contentType: r.content_type,
  etag: r.etag,
  updated: new Date(r.updated),
  contentEnc: r.content_enc,
});

function where(s: DocumentScope, params: unknown[]): string {
  params.push(s.kind, s.activityId, s.agentHash, s.registration);
  const n = params.length;
  return `school_id = $1 AND kind = $${n - 3} AND activity_id = $${n - 2} AND agent_hash = $${n - 1} AND registration = $${n}`;
}

/** One document, locked for an update when `forUpdate`. */
export async function findDocument(
  m: EntityManager,
  schoolId: string,
  s: DocumentScope,
  documentId: string,
  forUpdate = false,
): Promise<StoredDocument | null> {
  const params: unknown[] = [schoolId];
  const w = where(s, params);
  params.push(documentId);
  const [r]: Raw[] = await m.query(
    `SELECT * FROM xapi_document WHERE ${w} AND document_id = $${params.length}${forUpdate ? " FOR UPDATE" : ""}`,
    params,
  );
  return r ? doc(r) : null;
}

/** The ids of a scope's documents, updated after `since` when given. */
export async function documentIds(m: EntityManager, schoolId: string, s: DocumentScope, since?: Date): Promise<string[]> {
  const params: unknown[] = [schoolId];
  const w = where(s, params);
  let extra = "";
  if (since) {
    params.push(since);
    extra = ` AND updated > $${params.length}`;
  }
  const rows: { document_id: string }[] = await m.query(
    `SELECT document_id FROM xapi_document WHERE ${w}${extra} ORDER BY document_id`,
    params,
  );
  return rows.map((r) => r.document_id);
}

export async function insertDocument(
  m: EntityManager,
  schoolId: string,
  d: {
    id: string;
    kind: DocumentKind;
    activityId: string;
    agentHash: Buffer;
    registration: string;
    documentId: string;
    contentType: string;
    etag: string;
    updated: Date;
    contentEnc: Buffer;
  },
): Promise<void> {
  await m.query(
    `INSERT INTO xapi_document (school_id, id, kind, activity_id, agent_hash, registration, document_id, content_type, etag, updated, content_enc)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [schoolId, d.id, d.kind, d.activityId, d.agentHash, d.registration, d.documentId, d.contentType, d.etag, d.updated, d.contentEnc],
  );
}

export async function updateDocument(
  m: EntityManager,
  id: string,
  d: { contentType: string; etag: string; updated: Date; contentEnc: Buffer },
): Promise<void> {
  await m.query(`UPDATE xapi_document SET content_type = $2, etag = $3, updated = $4, content_enc = $5 WHERE id = $1`, [
    id,
    d.contentType,
    d.etag,
    d.updated,
    d.contentEnc,
  ]);
}

/** Deletes one document, or every document of the scope when documentId is undefined. */
export async function deleteDocuments(m: EntityManager, schoolId: string, s: DocumentScope, documentId?: string): Promise<void> {
  const params: unknown[] = [schoolId];
  const w = where(s, params);
  let extra = "";
  if (documentId !== undefined) {
    params.push(documentId);
    extra = ` AND document_id = $${params.length}`;
  }
  await m.query(`DELETE FROM xapi_document WHERE ${w}${extra}`, params);
}
