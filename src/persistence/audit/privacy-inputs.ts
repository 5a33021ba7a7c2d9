/**
 * What the privacy audit reads (services/audit/privacy-audit.service.ts): the analytics views as released,
 * the catalogue behind them, the BI roles' privileges, old attempts, erasure receipts, every learner id
 * the data still holds, and consents. Reads only: the audit writes nothing but its report.
 */
import type { EntityManager } from "typeorm";
import { BI_ROLE_MARK } from "../analytics/bi-role.js";

export interface RelationColumn {
  readonly name: string;
  /** information_schema's data_type ("integer", "boolean", "uuid", …). */
  readonly type: string;
}

/** Every view and table of the `analytics` schema, with its columns in order. */
export async function analyticsRelations(m: EntityManager): Promise<Map<string, RelationColumn[]>> {
  const rows: { rel: string; col: string; type: string }[] = await m.query(
    `SELECT table_name AS rel, column_name AS col, data_type AS type FROM information_schema.columns
     WHERE table_schema = 'analytics' ORDER BY table_name, ordinal_position`,
  );
  const out = new Map<string, RelationColumn[]>();
  for (const r of rows) out.set(r.rel, [...(out.get(r.rel) ?? []), { name: r.col, type: r.type }]);
  return out;
}

/** A view's rows for one school, as released (the caller checks the name against analyticsRelations). */
export async function releasedRows(m: EntityManager, view: string, schoolId: string | null): Promise<Record<string, unknown>[]> {
  const name = `analytics."${view.replace(/"/g, '""')}"`;
  return schoolId ? m.query(`SELECT * FROM ${name} WHERE school_id = $1`, [schoolId]) : m.query(`SELECT * FROM ${name}`);
}

/** The k the views apply now (analytics.settings). */
export async function releasedK(m: EntityManager): Promise<number> {
  const [row]: { k: number }[] = await m.query(`SELECT k FROM analytics.settings`);
  return Number(row?.k);
}

/** Learners of the school enrolled in more than one cohort (cohort families then overlap). */
export async function learnersInSeveralCohorts(m: EntityManager, schoolId: string): Promise<number> {
  const [{ n }] = await m.query(
    `SELECT count(*)::int AS n FROM (SELECT learner_id FROM enrollment WHERE school_id = $1 GROUP BY learner_id HAVING count(*) > 1) s`,
    [schoolId],
  );
  return Number(n);
}

/** The base-table columns the views of `analytics` and `analytics_private` read (the view definitions' own record). */
export async function columnsReadByAnalytics(
  m: EntityManager,
): Promise<{ view: string; tableSchema: string; table: string; column: string }[]> {
  return m.query(
    `SELECT view_schema || '.' || view_name AS view, table_schema AS "tableSchema", table_name AS "table", column_name AS "column"
     FROM information_schema.view_column_usage WHERE view_schema IN ('analytics', 'analytics_private')
     ORDER BY 1, 2, 3, 4`,
  );
}

export interface RoleReach {
  readonly role: string;
  /** What the role can reach beyond `analytics` (e.g. "SELECT public.attempt", "EXECUTE public.f()", "MEMBER pg_read_all_data"). */
  readonly beyond: readonly string[];
}

/**
 * The BI roles — the roles `bi:role` made (its mark in the role's comment), and any other login role but
 * the application's own and the superusers (administrators, who can read everything anyway) that can use
 * the `analytics` schema — with what each can reach beyond it: SELECT on a relation, or EXECUTE on a
 * function, of the application's schemas (public, analytics_private, pgboss) whose schema it may use
 * (without USAGE on the schema a grant reaches nothing); membership of a role that
 * reads everything; superuser or BYPASSRLS (a BI role made superuser afterwards).
 */
export async function biRoleReach(m: EntityManager): Promise<RoleReach[]> {
  const roles: { role: string; super: boolean; bypass: boolean }[] = await m.query(
    `SELECT rolname AS role, rolsuper AS super, rolbypassrls AS bypass FROM pg_roles r
     WHERE rolname <> current_user
       AND (shobj_description(r.oid, 'pg_authid') = $1
            OR (rolcanlogin AND NOT rolsuper AND has_schema_privilege(r.oid, 'analytics', 'USAGE')))
     ORDER BY rolname`,
    [BI_ROLE_MARK],
  );
  const out: RoleReach[] = [];
  for (const r of roles) {
    const rows: { what: string }[] = await m.query(
      `SELECT 'SELECT ' || n.nspname || '.' || c.relname AS what FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'analytics_private', 'pgboss') AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
         AND has_schema_privilege($1, n.oid, 'USAGE') AND has_table_privilege($1, c.oid, 'SELECT')
       UNION ALL
       SELECT 'EXECUTE ' || n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname IN ('public', 'analytics_private', 'pgboss')
         AND has_schema_privilege($1, n.oid, 'USAGE') AND has_function_privilege($1, p.oid, 'EXECUTE')
       UNION ALL
       SELECT 'MEMBER ' || g.rolname FROM pg_roles g
       WHERE g.rolname IN ('pg_read_all_data', 'pg_write_all_data', 'pg_read_server_files', 'pg_execute_server_program')
         AND pg_has_role($1, g.oid, 'MEMBER')
       ORDER BY 1`,
      [r.role],
    );
    const beyond = [...(r.super ? ["SUPERUSER"] : []), ...(r.bypass ? ["BYPASSRLS"] : []), ...rows.map((x) => x.what)];
    out.push({ role: r.role, beyond });
  }
  return out;
}

/** Attempts of the school that occurred before `cutoff`, and the oldest attempt's instant. */
export async function attemptsBefore(m: EntityManager, schoolId: string, cutoff: Date): Promise<{ count: number; oldest: Date | null }> {
  const [row]: { n: number; oldest: Date | null }[] = await m.query(
    `SELECT (SELECT count(*)::int FROM attempt WHERE school_id = $1 AND occurred_at < $2) AS n,
            (SELECT min(occurred_at) FROM attempt WHERE school_id = $1) AS oldest`,
    [schoolId, cutoff],
  );
  return { count: Number(row?.n ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
}

export interface ReceiptRow {
  readonly id: string;
  readonly learnerHash: string;
  readonly keyId: string;
  readonly erasedAt: Date;
}

export async function erasureReceipts(m: EntityManager, schoolId: string): Promise<ReceiptRow[]> {
  return m.query(
    `SELECT id, learner_hash AS "learnerHash", key_id AS "keyId", erased_at AS "erasedAt" FROM erasure_receipt
     WHERE school_id = $1 ORDER BY erased_at, id`,
    [schoolId],
  );
}

/**
 * Every learner id the database still holds for the school: the learner table and every table of the
 * public schema with a `learner_id` column (found in the catalogue, so that a table added later is
 * read too), whatever its foreign keys. A column may be nullable (an xAPI statement that names no learner).
 */
export async function learnerIdsInData(m: EntityManager, schoolId: string): Promise<Set<string>> {
  const tables: { table: string; school: boolean }[] = await m.query(
    `SELECT c.table_name AS "table",
            EXISTS (SELECT 1 FROM information_schema.columns s WHERE s.table_schema = 'public' AND s.table_name = c.table_name AND s.column_name = 'school_id') AS school
     FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = 'public' AND c.column_name = 'learner_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const parts = [
    `SELECT id::text AS id FROM learner WHERE school_id = $1`,
    ...tables.map((t) =>
      t.school
        ? `SELECT DISTINCT learner_id::text FROM "${t.table}" WHERE school_id = $1 AND learner_id IS NOT NULL`
        : `SELECT DISTINCT learner_id::text FROM "${t.table}" WHERE learner_id IS NOT NULL`,
    ),
  ];
  const rows: { id: string }[] = await m.query(parts.join(" UNION "), [schoolId]);
  return new Set(rows.map((r) => r.id.toLowerCase()));
}

/** Those of `learnerIds` without a granted consent for `purpose`. */
export async function withoutConsent(m: EntityManager, learnerIds: readonly string[], purpose: string): Promise<string[]> {
  if (learnerIds.length === 0) return [];
  const rows: { id: string }[] = await m.query(
    `SELECT u.id FROM unnest($1::uuid[]) AS u(id)
     WHERE NOT EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = u.id AND c.purpose = $2 AND c.granted)`,
    [[...learnerIds], purpose],
  );
  return rows.map((r) => r.id);
}

/** The learners a stored version was trained on (model_version_learner); empty when none were recorded. */
export async function trainedLearnerIds(m: EntityManager, versionId: string): Promise<string[]> {
  const rows: { id: string }[] = await m.query(
    `SELECT learner_id AS id FROM model_version_learner WHERE model_version_id = $1 ORDER BY learner_id`,
    [versionId],
  );
  return rows.map((r) => r.id);
}

/** The LRS's records older than the cutoff (xapi-retention.store.ts). */
export { xapiRecordsBefore } from "../xapi/xapi-retention.store.js";

/** The recommendation log's rows served before the cutoff (recommendation-log.store.ts). */
export { recommendationRowsBefore } from "../recommendation-log/recommendation-log.store.js";
