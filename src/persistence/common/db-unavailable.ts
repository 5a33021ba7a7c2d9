/**
 * The one place that decides whether an error means "the database cannot answer now" — an outage or
 * an overload a client should wait out and retry — rather than a fault of the request or of the code.
 * The API answers such errors UNAVAILABLE (retryable, HTTP 503) and logs them once per outage
 * (database-outages.ts), never as an unexpected error with its statement and stack.
 *
 * The errors come from three places, and the reason is read through all of them:
 * - node-postgres and pg-pool: a socket error (`code` ECONNREFUSED, ECONNRESET…), a message without a
 *   code ("Connection terminated unexpectedly", pg-pool's "timeout exceeded when trying to connect"),
 *   sometimes wrapped (`cause`), or several at once (`AggregateError.errors`: one per address tried);
 * - the server, as a SQLSTATE in `code` (PostgreSQL and PGlite alike);
 * - TypeORM, which wraps a failed statement in QueryFailedError with the driver's error as `driverError`.
 */

export type UnavailableReason =
  /** No connection: refused, reset, the host unknown or unreachable, or the connection dropped. */
  | "unreachable"
  /** The server is shutting down, crashed, or still starting (SQLSTATE 57P01, 57P02, 57P03). */
  | "shutdown"
  /** A connection exception reported by the server (SQLSTATE class 08). */
  | "connection-exception"
  /** The server has no connection slot left (53300 too_many_connections). */
  | "too-many-connections"
  /** Every pool connection stayed busy for the connect timeout (ZPD_DB_CONNECT_TIMEOUT_MS). */
  | "pool-exhausted"
  /** A new connection did not complete within the connect timeout (a server that does not answer). */
  | "connect-timeout"
  /** A statement ran past the statement timeout (57014 query_canceled; ZPD_DB_STATEMENT_TIMEOUT_MS). */
  | "statement-timeout";

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  // The server's name does not resolve: in a container platform, its service may be between two lives.
  "ENOTFOUND",
  "EAI_AGAIN",
]);

const SQLSTATES: Readonly<Record<string, UnavailableReason>> = {
  "57P01": "shutdown", // admin_shutdown (the connection was terminated by a fast shutdown or pg_terminate_backend)
  "57P02": "shutdown", // crash_shutdown
  "57P03": "shutdown", // cannot_connect_now (starting up, or in recovery)
  "53300": "too-many-connections",
  "57014": "statement-timeout", // query_canceled: statement_timeout (or a cancel request)
};

// node-postgres and pg-pool raise these without a code (pg 8: lib/client.js; pg-pool: index.js).
const MESSAGES: Readonly<Record<string, UnavailableReason>> = {
  "Connection terminated unexpectedly": "unreachable",
  "Client has encountered a connection error and is not queryable": "unreachable",
  "Client was closed and is not queryable": "unreachable",
  "timeout expired": "connect-timeout",
  "Connection terminated due to connection timeout": "connect-timeout",
  "timeout exceeded when trying to connect": "pool-exhausted",
};

interface MaybeDriverError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly driverError?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly thrownValue?: unknown;
}

/** Why the database could not answer, or null when the error is anything else. */
export function databaseUnavailableReason(err: unknown, depth = 0): UnavailableReason | null {
  if (err === null || typeof err !== "object" || depth > 4) return null;
  const e = err as MaybeDriverError;
  if (typeof e.code === "string") {
    if (SQLSTATES[e.code]) return SQLSTATES[e.code]!;
    if (e.code.length === 5 && e.code.startsWith("08")) return "connection-exception";
    if (SOCKET_CODES.has(e.code)) return "unreachable";
  }
  if (typeof e.message === "string" && MESSAGES[e.message]) return MESSAGES[e.message]!;
  // A QueryFailedError's own fields copy the driver's, but its message is rewritten: read the original too.
  // graphql-js wraps a thrown value that is not an Error of its own realm in a NonErrorThrown
  // (`thrownValue`): under Jest's module sandbox, Node's socket errors are such values.
  const inner = [e.driverError, e.cause, e.thrownValue, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const i of inner) {
    const reason = databaseUnavailableReason(i, depth + 1);
    if (reason) return reason;
  }
  return null;
}

export const isDatabaseUnavailable = (err: unknown): boolean => databaseUnavailableReason(err) !== null;
