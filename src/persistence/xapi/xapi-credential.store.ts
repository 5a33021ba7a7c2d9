/** The xAPI credentials' SQL (migrations/1764545000000-xapi-credentials.ts). */
import type { EntityManager } from "typeorm";

export type XapiScope = "WRITE" | "READ" | "ALL";

export interface XapiCredentialRow {
  readonly id: string;
  readonly schoolId: string;
  readonly key: string;
  readonly scope: XapiScope;
  readonly createLearners: boolean;
  readonly label: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A credential with its secret's hash, for the check of a request's Basic authorization. */
export interface StoredCredential extends XapiCredentialRow {
  readonly secretHash: Buffer;
}

const COLUMNS = `id, school_id, key, scope, create_learners, label, created_by, created_at, revoked_at`;

interface Raw {
  id: string;
  school_id: string;
  key: string;
  scope: XapiScope;
  create_learners: boolean;
  label: string;
  created_by: string;
  created_at: Date | string;
  revoked_at: Date | string | null;
  secret_hash?: Buffer;
}

const row = (r: Raw): XapiCredentialRow => ({
  id: r.id,
  schoolId: r.school_id,
  key: r.key,
  scope: r.scope,
  createLearners: r.create_learners,
  label: r.label,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});

export async function insertCredential(m: EntityManager, c: Omit<StoredCredential, "createdAt" | "revokedAt">): Promise<XapiCredentialRow> {
  const [r]: Raw[] = await m.query(
    `INSERT INTO xapi_credential (id, school_id, key, secret_hash, scope, create_learners, label, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [c.id, c.schoolId, c.key, c.secretHash, c.scope, c.createLearners, c.label, c.createdBy],
  );
  return row(r!);
}

/** A school's credentials, oldest first (revoked ones included). */
export async function credentialsOf(m: EntityManager, schoolId: string): Promise<XapiCredentialRow[]> {
  const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM xapi_credential WHERE school_id = $1 ORDER BY id`, [schoolId]);
  return rows.map(row);
}

/** Marks a school's credential revoked (once: the first time is kept); null when it has no such credential. */
export async function revokeCredential(m: EntityManager, schoolId: string, id: string): Promise<XapiCredentialRow | null> {
  // In a CTE: TypeORM answers a bare UPDATE … RETURNING as [rows, count].
  const [r]: Raw[] = await m.query(
    `WITH u AS (UPDATE xapi_credential SET revoked_at = COALESCE(revoked_at, now()) WHERE school_id = $1 AND id = $2 RETURNING ${COLUMNS})
     SELECT * FROM u`,
    [schoolId, id],
  );
  return r ? row(r) : null;
}

/** The credential of a key, with its secret's hash; null when there is none. */
export async function credentialByKey(m: EntityManager, key: string): Promise<StoredCredential | null> {
  const [r]: Raw[] = await m.query(`SELECT ${COLUMNS}, secret_hash FROM xapi_credential WHERE key = $1`, [key]);
  return r ? { ...row(r), secretHash: r.secret_hash! } : null;
}
