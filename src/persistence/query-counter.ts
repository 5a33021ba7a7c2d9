/**
 * A TypeORM logger that only counts statements. The N+1 test reads the count around a request;
 * production pays one increment per query.
 */
import { Logger as TypeOrmLogger } from "typeorm";

export class QueryCounter implements TypeOrmLogger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
