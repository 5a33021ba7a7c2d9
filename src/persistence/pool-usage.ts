/**
 * The connection pool's usage, for /metrics: node-postgres's pool behind TypeORM, on PostgreSQL and on
 * embedded PGlite alike (there a pool of one connection).
 */
import type { DataSource } from "typeorm";
import type { PostgresDriver } from "typeorm/driver/postgres/PostgresDriver.js";

export interface PoolUsage {
  /** Connections open. */
  readonly total: number;
  /** Of them, idle. */
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
}

/** The pool's counters; null when the data source is closed or has no pg pool. */
export function poolUsage(ds: DataSource): PoolUsage | null {
  const pool = ds.isInitialized ? (ds.driver as PostgresDriver).master : undefined;
  if (!pool || typeof pool.totalCount !== "number") return null;
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
