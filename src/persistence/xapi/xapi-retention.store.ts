/**
 * The LRS's share of retention (services/privacy/retention.service.ts) and of the privacy audit's
 * RETENTION check: statements stored before the cutoff, the attachments no remaining statement refers
 * to, and documents last written before it.
 */
import type { DataSource, EntityManager } from "typeorm";

/** An attachment row (of `xapi_attachment`) that no statement of its school refers to any more. */
export const UNREFERENCED_ATTACHMENT = `NOT EXISTS (
  SELECT 1 FROM xapi_statement s WHERE s.school_id = xapi_attachment.school_id AND xapi_attachment.sha2 = ANY(s.attachment_sha2s))`;

/** The schools (of `only`, when given) with statements stored or documents written before the cutoff. */
export async function schoolsWithXapiBefore(ds: DataSource, cutoff: Date, only?: readonly string[]): Promise<string[]> {
  const rows: { school_id: string }[] = await ds.query(
    `SELECT school_id FROM xapi_statement WHERE stored < $1 AND ($2::uuid[] IS NULL OR school_id = ANY($2::uuid[]))
     UNION SELECT school_id FROM xapi_document WHERE updated < $1 AND ($2::uuid[] IS NULL OR school_id = ANY($2::uuid[]))
     ORDER BY school_id`,
    [cutoff, only ? [...only] : null],
  );
  return rows.map((r) => r.school_id);
}

/**
 * Deletes up to `limit` of a school's statements stored before the cutoff (oldest first), then the
 * attachments of theirs that no remaining statement refers to; how many statements went.
 */
export async function deleteStatementsBefore(m: EntityManager, schoolId: string, cutoff: Date, limit: number): Promise<number> {
  const [row]: { n: number; sha2s: string[] }[] = await m.query(
    `WITH d AS (
       DELETE FROM xapi_statement WHERE school_id = $1
         AND id IN (SELECT id FROM xapi_statement WHERE school_id = $1 AND stored < $2 ORDER BY seq LIMIT $3)
       RETURNING attachment_sha2s)
     SELECT (SELECT count(*)::int FROM d) AS n, ARRAY(SELECT DISTINCT unnest(attachment_sha2s) FROM d) AS sha2s`,
    [schoolId, cutoff, limit],
  );
  if (row?.sha2s.length)
    await m.query(`DELETE FROM xapi_attachment WHERE school_id = $1 AND sha2 = ANY($2::text[]) AND ${UNREFERENCED_ATTACHMENT}`, [
      schoolId,
      row.sha2s,
    ]);
  return row?.n ?? 0;
}

/** Deletes a school's documents last written before the cutoff; how many. */
export async function deleteDocumentsBefore(m: EntityManager, schoolId: string, cutoff: Date): Promise<number> {
  const [row]: { n: number }[] = await m.query(
    `WITH d AS (DELETE FROM xapi_document WHERE school_id = $1 AND updated < $2 RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [schoolId, cutoff],
  );
  return row?.n ?? 0;
}

/** A school's statements stored, and documents written, before the cutoff (the privacy audit's RETENTION check). */
export async function xapiRecordsBefore(
  m: EntityManager,
  schoolId: string,
  cutoff: Date,
): Promise<{ statements: number; documents: number }> {
  const [row]: { statements: number; documents: number }[] = await m.query(
    `SELECT (SELECT count(*)::int FROM xapi_statement WHERE school_id = $1 AND stored < $2) AS statements,
            (SELECT count(*)::int FROM xapi_document WHERE school_id = $1 AND updated < $2) AS documents`,
    [schoolId, cutoff],
  );
  return { statements: row?.statements ?? 0, documents: row?.documents ?? 0 };
}
