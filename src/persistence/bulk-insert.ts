/**
 * One multi-row INSERT from parallel arrays (`unnest`), typed per column: one statement and one
 * round trip for thousands of rows, on PGlite and PostgreSQL alike. Array-valued columns (text[])
 * travel as their literal ('{a,b}') in a text array and are cast back.
 */
import type { EntityManager } from "typeorm";

export async function bulkInsert(
  m: EntityManager,
  table: string,
  columns: string[],
  types: string[],
  rows: unknown[][],
  arrayColumns: readonly string[] = ["topics", "interests"],
): Promise<void> {
  if (rows.length === 0) return;
  const arrays = columns.map((_, c) => rows.map((r) => r[c]));
  const select = columns.map((_, c) => `$${c + 1}::${types[c]}[]`).join(", ");
  const casts = columns.map((col, c) => (types[c] === "text" && arrayColumns.includes(col) ? `u.${col}::text[]` : `u.${col}`)).join(", ");
  await m.query(
    `INSERT INTO "${table}" (${columns.join(", ")}) SELECT ${casts} FROM unnest(${select}) AS u(${columns.join(", ")})`,
    arrays,
  );
}
