/**
 * Walks the LIVE schema from the catalogue (pg_catalog), not from a hand list: every column of every
 * table of the given schemas, searched for a value. A table added tomorrow is walked without a change
 * here. Partitions are left to their partitioned parent (which reads their rows).
 */
import type { DataSource } from "typeorm";

export interface CatalogueColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  readonly type: string;
}

export interface Hit extends CatalogueColumn {
  readonly rows: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every column of every table (ordinary or partitioned, not a partition) of `schemas`, with its type. */
export async function catalogueColumns(ds: DataSource, schemas: readonly string[]): Promise<CatalogueColumn[]> {
  return ds.query(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY 1, 2, a.attnum`,
    [[...schemas]],
  );
}

/** Text and identifier types (and arrays of them, and documents) whose value may equal or contain an id. */
const TEXTUAL = /^(uuid|text|character varying|character|json|jsonb|name)(\(\d+\))?(\[\])?$/;

/**
 * The columns of `schemas` holding `value` (lower-case): a uuid equal to it, a text, a document or an
 * array containing it (case-insensitive), or a bytea containing its UTF-8 bytes.
 */
export async function findEverywhere(ds: DataSource, schemas: readonly string[], value: string): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const col of await catalogueColumns(ds, schemas)) {
    const ref = `${quote(col.schema)}.${quote(col.table)}`;
    let where: string | null = null;
    if (col.type === "bytea") where = `position(convert_to($1, 'UTF8') IN ${quote(col.column)}) > 0`;
    else if (TEXTUAL.test(col.type)) where = `strpos(lower(${quote(col.column)}::text), $1) > 0`;
    if (!where) continue;
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ${ref} WHERE ${where}`, [value.toLowerCase()]);
    if (n > 0) hits.push({ ...col, rows: n });
  }
  return hits;
}

export interface FingerprintOptions {
  /** Columns left out, by table (those a change is expected in). */
  readonly drop?: Readonly<Record<string, readonly string[]>>;
  /** Further rows left out, by table: a condition on `t` where $2 is `except` (rows keyed to it through another table). */
  readonly alsoExcept?: Readonly<Record<string, string>>;
  /** The catalogue's public columns, when the caller read them already (a sweep fingerprints many times). */
  readonly columns?: readonly CatalogueColumn[];
}

/**
 * A fingerprint of every row of each public table that belongs to `schoolIds` (by its `school_id`, or
 * its `id` for `school`) and does not name `except`: md5 of the rows' JSON, in a stable order. Tables
 * without a school are skipped (other test files may share the database).
 */
export async function fingerprints(
  ds: DataSource,
  schoolIds: readonly string[],
  except: string,
  opts: FingerprintOptions = {},
): Promise<Map<string, string>> {
  const { drop = {}, alsoExcept = {} } = opts;
  const cols = opts.columns ?? (await catalogueColumns(ds, ["public"]));
  const tables = [...new Set(cols.map((c) => c.table))];
  // One statement for every table (a sweep fingerprints the schools after each call it makes).
  const parts: string[] = [];
  for (const table of tables) {
    const key = table === "school" ? "id" : cols.some((c) => c.table === table && c.column === "school_id") ? "school_id" : null;
    if (!key) continue;
    const row = `(to_jsonb(t) ${(drop[table] ?? []).map((c) => `- '${c}'`).join(" ")})::text`;
    parts.push(
      `SELECT '${table}' AS "table", md5(COALESCE(string_agg(${row}, '|' ORDER BY ${row}), '')) AS h, count(*)::int AS n
       FROM public.${quote(table)} t WHERE t.${key} = ANY($1::uuid[]) AND strpos(lower(to_jsonb(t)::text), $2) = 0
         ${alsoExcept[table] ? `AND NOT (${alsoExcept[table]})` : ""}`,
    );
  }
  const out = new Map<string, string>();
  if (!parts.length) return out;
  const rows: { table: string; h: string; n: number }[] = await ds.query(parts.join("\nUNION ALL\n"), [
    [...schoolIds],
    except.toLowerCase(),
  ]);
  for (const r of rows) out.set(r.table, `${r.n}:${r.h}`);
  return out;
}
