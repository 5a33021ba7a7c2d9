/**
 * Keyset (cursor) pagination for Relay connections. Rows are ordered by a tuple of columns ending
 * in the primary key (uuid v7, so creation order), and a cursor is that tuple, base64url-encoded.
 * A page never uses OFFSET: its cost does not grow with depth.
 */
import { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { BadInputError } from "./domain-error.js";
import { formatBound, MAX_CURSOR_LENGTH } from "./input-bounds.js";

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface Page<T> {
  readonly nodes: T[];
  readonly cursors: string[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;

/** A sort key: the SQL expression and how to read its value off an entity. */
export interface SortKey<T> {
  readonly column: string;
  readonly value: (row: T) => string | number | Date;
}

export function encodeCursor(values: readonly (string | number | Date)[]): string {
  return Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v)))).toString("base64url");
}

/** A cursor the client sent back: longer than any the server makes, or not one of them, is BAD_USER_INPUT (never echoed). */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  checkCursorLength(cursor);
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === "string" || typeof v === "number"))
      return values;
  } catch {
    /* fall through */
  }
  throw new BadInputError("after is not a cursor this server returned", { argument: "after" });
}

function checkCursorLength(cursor: string): void {
  if (cursor.length > MAX_CURSOR_LENGTH)
    throw new BadInputError(`after must hold at most ${formatBound(MAX_CURSOR_LENGTH)} characters`, { argument: "after" });
}

export function checkPageSize(first: number | null | undefined, max: number): number {
  const n = first ?? Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(n) || n < 0) throw new BadInputError("first must be a non-negative integer", { argument: "first" });
  if (n > max) throw new BadInputError(`first must be at most ${max}`, { argument: "first", max });
  return n;
}

/** Runs `qb` for one page: `first` rows after the cursor, plus one to learn whether more exist. */
export async function paginate<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  keys: readonly SortKey<T>[],
  args: PageArgs,
  maxPageSize: number,
): Promise<Page<T>> {
  const first = checkPageSize(args.first, maxPageSize);
  if (args.after) {
    const values = decodeCursor(args.after, keys.length);
    const params: Record<string, unknown> = {};
    values.forEach((v, i) => {
      params[`cursor${i}`] = v;
    });
    qb.andWhere(`(${keys.map((k) => k.column).join(", ")}) > (${keys.map((_, i) => `:cursor${i}`).join(", ")})`, params);
  }
  keys.forEach((k, i) => {
    if (i === 0) qb.orderBy(k.column, "ASC");
    else qb.addOrderBy(k.column, "ASC");
  });
  const rows = await qb.limit(first + 1).getMany();
  const nodes = rows.slice(0, first);
  return {
    nodes,
    cursors: nodes.map((n) => encodeCursor(keys.map((k) => k.value(n)))),
    hasNextPage: rows.length > first,
    hasPreviousPage: Boolean(args.after),
  };
}

export const byId = <T extends { id: string }>(alias: string): SortKey<T>[] => [{ column: `${alias}.id`, value: (r) => r.id }];
