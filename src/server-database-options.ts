/**
 * How the API server opens its database, from the configuration (main.ts opens it early, app.ts when
 * started otherwise). On PostgreSQL its pool waits for a connection at most ZPD_DB_CONNECT_TIMEOUT_MS and
 * runs a statement at most ZPD_DB_STATEMENT_TIMEOUT_MS: an API request answers UNAVAILABLE rather than
 * hang. Only the serving pool has them: the batch processes (`npm run worker`, `npm run job`, imports,
 * erasure, key rotation) open theirs without, because training reads, retention deletes, rebuilds and
 * imports run statements far longer than any request's; an in-process worker gets a pool of its own
 * (app.ts, openWorkerServices); migrations lift the statement timeout on their connection.
 */
import type { Config } from "./config/config.js";
import type { DatabaseOptions } from "./persistence/database.js";

/** The serving pool's timeouts (ignored by embedded PGlite). */
export function serverDatabaseTimeouts(config: Config): Pick<DatabaseOptions, "connectTimeoutMs" | "statementTimeoutMs"> {
  return { connectTimeoutMs: config.dbConnectTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs };
}

export function serverDatabaseOptions(config: Config): DatabaseOptions {
  return config.databaseUrl
    ? { url: config.databaseUrl, ...serverDatabaseTimeouts(config) }
    : { dataDir: config.dataDir, thread: config.pgliteThread };
}
