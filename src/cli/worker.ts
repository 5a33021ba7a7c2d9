/**
 * `npm run worker`: the job worker as a process — takes jobs from pg-boss (retraining, state
 * rebuilds, the nightly fan-out) and keeps the schedules (jobs/schedules.ts). Any number may run
 * against one PostgreSQL server (DATABASE_URL). Embedded (PGlite), the server runs the worker itself
 * and holds the data folder; this process is for a data folder no server has open.
 * SIGINT/SIGTERM: a job in flight is aborted at its next progress report and retried later.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config/config.js";
import { createLogger } from "../shared/logger.js";
import { openDatabase, migrate } from "../persistence/database.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";
import { createServices } from "../services/index.js";
import { KeyringError, openKeyring } from "../services/keys/keyring.js";
import { resolveProfileKeys } from "../config/embedded-secrets.js";
import { serviceDepsFromConfig } from "../service-deps-from-config.js";
import { jobSettingsFromConfig } from "../job-settings-from-config.js";
import { Worker } from "../../jobs/worker.js";

async function run(): Promise<void> {
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  const logger = createLogger(config.logLevel);
  logger.info({ database: config.databaseUrl ? "postgres" : "pglite", retrainCron: config.retrainCron ?? "off" }, "worker starting");
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir, thread: config.pgliteThread },
  );
  let worker: Worker | undefined;
  let services: ReturnType<typeof createServices> | undefined;
  const close = async () => {
    await worker?.stop();
    // A re-plan after an attempt mapped here logs its served path (services/recommendation-log/).
    await services?.recommendationLog.close();
    await services?.jobs.close();
    await db.close();
  };
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) logger.info({ migrations: applied }, "migrations applied");
    const keys = resolveProfileKeys(config);
    const { cipher } = await openKeyring(db.dataSource, keys);
    services = createServices(serviceDepsFromConfig(config, { dataSource: db.dataSource, cipher, keys, logger }));
    worker = new Worker({
      services,
      logger,
      settings: jobSettingsFromConfig(config),
    });
    await worker.start();
  } catch (e) {
    await close().catch(() => {});
    throw e;
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker shutting down");
    try {
      await close();
      process.exit(0);
    } catch (e) {
      logger.error({ err: e }, "worker shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

run().catch((e) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof KeyringError)
    process.stderr.write(`zpd worker: ${e.message}\n`);
  else process.stderr.write(`zpd worker: failed to start: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
