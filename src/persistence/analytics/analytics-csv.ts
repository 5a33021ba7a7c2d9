/**
 * The analytics views as CSV (`npm run analytics:export`): one file per view, a header of its columns in
 * order, every value as PostgreSQL prints it (read as text, so dates and numbers keep their exact form);
 * NULL — a suppressed figure — is an empty field. RFC 4180 quoting. A text value a spreadsheet would run
 * as a formula (starting with =, +, -, @, tab or CR: a cohort named "=HYPERLINK(…)") is prefixed with '.
 */
import type { DataSource, EntityManager } from "typeorm";

export interface ViewColumns {
  readonly view: string;
  readonly columns: readonly { readonly name: string; readonly text: boolean }[];
}

type Db = DataSource | EntityManager;

/** Every view of schema analytics with its columns, in order. */
export async function analyticsViews(db: Db): Promise<ViewColumns[]> {
  const rows = (await db.query(
    `SELECT c.table_name, c.column_name, c.data_type IN ('text', 'character varying', 'character') AS is_text
     FROM information_schema.columns c JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
     WHERE c.table_schema = 'analytics' ORDER BY c.table_name, c.ordinal_position`,
  )) as { table_name: string; column_name: string; is_text: boolean }[];
  const out = new Map<string, { name: string; text: boolean }[]>();
  for (const r of rows) {
    const list = out.get(r.table_name) ?? [];
    list.push({ name: r.column_name, text: r.is_text });
    out.set(r.table_name, list);
  }
  return [...out].map(([view, columns]) => ({ view, columns }));
}

/** One CSV field. */
export function csvField(value: string | null, text: boolean): string {
  if (value === null) return "";
  const v = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A view's rows as CSV text (header first, CRLF line ends as RFC 4180 says). */
export async function viewCsv(db: Db, v: ViewColumns): Promise<{ csv: string; rows: number }> {
  const select = v.columns.map((c, i) => `"${c.name}"::text AS c${i}`).join(", ");
  const rows = (await db.query(`SELECT ${select} FROM analytics."${v.view}"`)) as Record<string, string | null>[];
  const lines = [v.columns.map((c) => csvField(c.name, false)).join(",")];
  for (const r of rows) lines.push(v.columns.map((c, i) => csvField(r[`c${i}`] ?? null, c.text)).join(","));
  return { csv: `${lines.join("\r\n")}\r\n`, rows: rows.length };
}
