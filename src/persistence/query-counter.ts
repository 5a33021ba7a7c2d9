/**
 * A TypeORM logger that only counts statements. The N+1 test reads the count around a request;
 * production pays one increment per query.
 */
import { Logger as TypeOrmLogger } from "typeorm";

/**
 * Opens the SQL of writes that belong to no request (the access log's batches, its retention): left
 * out of the count, so that a request's statements are what it sends, whenever a batch is flushed.
 */
export const BACKGROUND_SQL = "/* zpd:background */";

export class QueryCounter implements TypeOrmLogger {
  count = 0;
  logQuery(query: unknown): void {
    // Prepared statements (prepared.ts) arrive as objects, not text.
    if (typeof query !== "string" || !query.startsWith(BACKGROUND_SQL)) this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
