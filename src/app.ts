/**
 * Composition root: configuration → database (migrated) → services → HTTP server. `main.ts` runs it
 * as a process; the end-to-end tests start it in-process on a random port.
 */
import { Config } from "./config/config.js";
import { createLogger, Logger } from "./shared/logger.js";
import { openDatabase, migrate, Database, DatabaseOptions } from "./persistence/database.js";
import { createServices, Services } from "./services/index.js";
import { createApiServer, ApiServer } from "./api/server.js";
import { resolveProfileKeys } from "./config/embedded-secrets.js";
import type { KeyMaterial } from "./persistence/crypto/field-cipher.js";
import { openKeyring, startUpgradePass, type UpgradePass } from "./services/keys/keyring.js";
import { writeAnalyticsK } from "./persistence/analytics/analytics-settings.js";
import { serviceDepsFromConfig } from "./service-deps-from-config.js";
import { serverDatabaseOptions, serverDatabaseTimeouts } from "./server-database-options.js";
import { ApiMetrics } from "./api/ops/metrics.js";

export interface App {
  readonly config: Config;
  readonly db: Database;
  readonly services: Services;
  readonly server: ApiServer;
  readonly logger: Logger;
  /** The upgrade of the previous version's personal data, running in the background; null when none is pending. */
  readonly keyUpgrade: UpgradePass | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Overrides how the database is opened (tests: in-memory PGlite from a snapshot). */
  readonly database?: DatabaseOptions;
  /** A database already being opened (main.ts opens it while the rest of the application loads). */
  readonly opened?: Promise<Database>;
  readonly logger?: Logger;
  /** The personal-data keys (tests, benchmarks); default: the configuration's (config/embedded-secrets.ts). */
  readonly keys?: KeyMaterial;
}

export async function startApp(config: Config, opts: StartOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  // The serving pool's timeouts apply to a database given by the caller too (tests: a pool of 4).
  const dbOptions = opts.database ? { ...serverDatabaseTimeouts(config), ...opts.database } : serverDatabaseOptions(config);
  const db = await (opts.opened ?? openDatabase(dbOptions));
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) logger.info({ migrations: applied }, "migrations applied");
    // A wrong personal-data key stops the start here (KeyringError), before anything is served.
    const keys = opts.keys ?? resolveProfileKeys(config);
    const { cipher, status } = await openKeyring(db.dataSource, keys);
    if (await writeAnalyticsK(db.dataSource, config.analyticsK))
      logger.info({ k: config.analyticsK }, "analytics small-cell threshold set");
    // The services report attempts, jobs and access-log flushes to the server's metrics (GET /metrics).
    const metrics = new ApiMetrics();
    const deps = serviceDepsFromConfig(config, { dataSource: db.dataSource, cipher, keys, logger });
    const services = createServices({ ...deps, events: metrics.events });
    const server = await createApiServer({
      services,
      jwtSecret: config.jwtSecret,
      maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
      logger,
      graphiql: config.graphiql,
      introspectionNeedsToken: config.nodeEnv === "production",
      requestTimeoutMs: config.requestTimeoutMs,
      metrics,
      metricsToken: config.metricsToken,
      limits: {
        maxDepth: config.maxQueryDepth,
        maxAliases: config.maxQueryAliases,
        maxCost: config.maxQueryCost,
        maxBytes: config.maxQueryBytes,
        maxTokens: config.maxQueryTokens,
        maxPageSize: config.maxPageSize,
        roleCost: config.maxQueryCostByRole,
      },
      rateLimit: config.rateLimit,
      trustProxy: config.trustProxy,
      persistedQueries: config.persistedQueries,
    });
    const keyUpgrade = status.legacyPending ? startUpgradePass(db.dataSource, cipher, logger) : null;
    // Attempts a crash left acknowledged but not applied (the deferred path, ingestAttempts): applied now, in the background.
    services.pendingApplier.schedule();
    return {
      config,
      db,
      services,
      server,
      logger,
      keyUpgrade,
      stop: async () => {
        await server.stop();
        logger.info("HTTP server closed");
        // The drain in progress finishes its batch; what is still pending is applied at the next start.
        await services.pendingApplier.stop();
        await Promise.all([services.accessLog.close(), services.recommendationLog.close()]);
        await keyUpgrade?.stop();
        await services.jobs.close();
        await db.close();
        logger.info("database closed");
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/**
 * The services an in-process worker (ZPD_WORKER=true) runs its jobs with. On PostgreSQL with a statement
 * timeout, a pool of their own without it: a job's statements (training reads, retention deletes,
 * rebuilds) may run far longer than a request's. Otherwise the server's own services.
 */
export async function openWorkerServices(app: App): Promise<{ services: Services; close(): Promise<void> }> {
  const { config } = app;
  if (app.db.kind !== "postgres" || !config.databaseUrl || !config.dbStatementTimeoutMs)
    return { services: app.services, close: async () => {} };
  const db = await openDatabase({ url: config.databaseUrl });
  const services = createServices({ ...app.services.deps, dataSource: db.dataSource });
  return {
    services,
    close: async () => {
      await services.jobs.close();
      await db.close();
    },
  };
}
