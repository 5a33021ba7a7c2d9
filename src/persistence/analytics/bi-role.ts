/**
 * A PostgreSQL login role for BI tools that can read the `analytics` views and nothing else
 * (`npm run bi:role`, docs/analytics.md "The BI role"):
 * - LOGIN, no superuser, createdb, createrole, replication or BYPASSRLS, member of no role (so never of
 *   pg_read_all_data), NOINHERIT; its password sent as a SCRAM verifier (scram-verifier.ts);
 * - CONNECT on this database, USAGE on schema analytics, SELECT on its views (and, by default
 *   privileges, on views later migrations add); every privilege on any other schema's objects revoked;
 * - in this database, read-only transactions, search_path = analytics and no JIT by default;
 * - hardening for everyone: PUBLIC loses CREATE on schema public and EXECUTE on its functions, and on
 *   the functions this database user creates from now on (their owner keeps it), so the role can neither
 *   create objects nor call the application's functions.
 * The views are security barriers and read the base tables as their owner. A role of that name that
 * bi:role did not create (no mark in its comment) is refused, never altered.
 */
import type { EntityManager } from "typeorm";
import { scramVerifier } from "./scram-verifier.js";

export const BI_ROLE_MARK = "zpd BI role: reads the analytics schema only (npm run bi:role)";

/** A lowercase PostgreSQL identifier that needs no quoting, not in the reserved pg_ namespace. */
export function biRoleNameProblem(name: string): string | null {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name))
    return "--name must be 1–63 characters: a lowercase letter, then lowercase letters, digits or _";
  if (name.startsWith("pg_")) return "--name must not start with pg_ (reserved by PostgreSQL)";
  return null;
}

export const MIN_PASSWORD_LENGTH = 12;

export function biPasswordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 256)
    return `--password must be ${MIN_PASSWORD_LENGTH}–256 characters long`;
  if (!/^[\x20-\x7e]+$/.test(password)) return "--password must be printable ASCII (letters, digits, punctuation, spaces)";
  return null;
}

export class BiRoleRefusedError extends Error {}

export interface BiRoleResult {
  readonly created: boolean;
  readonly database: string;
  readonly views: string[];
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Creates (or resets the password and grants of) the BI role, in the caller's transaction. */
export async function grantBiRole(m: EntityManager, name: string, password: string): Promise<BiRoleResult> {
  const problem = biRoleNameProblem(name) ?? biPasswordProblem(password);
  if (problem) throw new BiRoleRefusedError(problem);
  const role = ident(name);
  const [existing] = (await m.query(`SELECT r.oid, shobj_description(r.oid, 'pg_authid') AS mark FROM pg_roles r WHERE r.rolname = $1`, [
    name,
  ])) as { oid: number; mark: string | null }[];
  if (existing && existing.mark !== BI_ROLE_MARK)
    throw new BiRoleRefusedError(`a role named ${name} exists and was not created by bi:role: choose another name`);
  const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD '${scramVerifier(password)}'`;
  await m.query(`${existing ? "ALTER" : "CREATE"} ROLE ${role} ${attributes}`);
  if (existing) {
    const memberOf = (await m.query(`SELECT g.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid WHERE am.member = $1`, [
      existing.oid,
    ])) as { rolname: string }[];
    for (const g of memberOf) await m.query(`REVOKE ${ident(g.rolname)} FROM ${role}`);
  }
  await m.query(`COMMENT ON ROLE ${role} IS '${BI_ROLE_MARK}'`);
  const [{ db }] = (await m.query(`SELECT current_database() AS db`)) as [{ db: string }];
  await m.query(`ALTER ROLE ${role} IN DATABASE ${ident(db)} SET search_path = analytics`);
  await m.query(`ALTER ROLE ${role} IN DATABASE ${ident(db)} SET default_transaction_read_only = on`);
  // The views' plans are costed high enough for JIT, whose compilation took longer than the queries (analytics-views.ts).
  await m.query(`ALTER ROLE ${role} IN DATABASE ${ident(db)} SET jit = off`);
  await m.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${role}`);
  const schemas = (await m.query(
    `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('analytics', 'pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`,
  )) as { nspname: string }[];
  for (const { nspname } of schemas) {
    const s = ident(nspname);
    await m.query(`REVOKE ALL ON SCHEMA ${s} FROM ${role}`);
    for (const kind of ["TABLES", "SEQUENCES", "FUNCTIONS"]) await m.query(`REVOKE ALL ON ALL ${kind} IN SCHEMA ${s} FROM ${role}`);
  }
  await m.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await m.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC`);
  // Global, not per schema: a schema's default privileges can only add to the global ones.
  await m.query(`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
  await m.query(`GRANT USAGE ON SCHEMA analytics TO ${role}`);
  await m.query(`GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO ${role}`);
  await m.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO ${role}`);
  const views = (await m.query(`SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY table_name`)) as {
    table_name: string;
  }[];
  return { created: !existing, database: db, views: views.map((v) => v.table_name) };
}
