/**
 * Named (prepared) statements for the hot paths' large statements. An unnamed statement is parsed,
 * analysed and planned again on every call; a named one is parsed once per connection, and after a
 * few executions PostgreSQL may keep a generic plan. TypeORM's `query()` hands its first argument to
 * node-postgres unchanged, and node-postgres accepts `{ name, text }` there (PGlite's node-postgres
 * adapter speaks the same protocol), so the statement still goes through TypeORM's query runner,
 * its transaction and its logger. The name is derived from the text: one name, one text.
 */
import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";

const names = new Map<string, string>();

/** The statement as node-postgres's query config; TypeORM's signature says string, hence the cast. */
export function prepared(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `zpd_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text } as unknown as string;
}

/** `m.query` of a named statement. */
export function queryPrepared<T>(m: EntityManager, text: string, params: unknown[]): Promise<T> {
  return m.query(prepared(text), params) as Promise<T>;
}

/** The SQL text of a statement given to `query()` (a string, or a named statement's config). */
export function statementText(q: unknown): string {
  return typeof q === "string" ? q : String((q as { text?: unknown }).text ?? q);
}
