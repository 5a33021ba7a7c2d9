/**
 * `npm start`: serve the GraphQL API. With no DATABASE_URL it runs on embedded PGlite in ZPD_DATA_DIR
 * and, on first start, seeds the demo school and prints an admin token for it — except in production
 * (NODE_ENV=production), which seeds nothing, prints no token and needs every secret configured.
 * The configuration, secrets included, is checked before the database is opened.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "./config/config.js";
import { embeddedJwtSecret } from "./config/embedded-secrets.js";
import { openDatabase } from "./persistence/database.js";
import { serverDatabaseOptions } from "./server-database-options.js";
import { DataDirLockedError } from "./persistence/data-dir-lock.js";
import { KeyringError } from "./persistence/crypto/key-registry.js";
import { progressBar } from "./cli/progress-bar.js";
import { formatDuration } from "./shared/duration.js";
import { removeServerInfo, writeServerInfo } from "./server-info.js";
import { jobSettingsFromConfig } from "./job-settings-from-config.js";

/** A line for the person at the terminal (stderr; the logs are JSON on stdout). */
const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const pre = loadConfig();
  const config = pre.databaseUrl || !pre.jwtSecretGenerated ? pre : loadConfig(process.env, { jwtSecret: embeddedJwtSecret(pre.dataDir) });
  const fresh = !config.databaseUrl && !fs.existsSync(path.join(config.dataDir, "PG_VERSION"));
  if (fresh) say(`first start: creating the embedded database in ${config.dataDir} and applying the migrations…`);
  // The database opens (PGlite boots, ~2 s) while the rest of the application loads.
  const opened = openDatabase(serverDatabaseOptions(config));
  opened.catch(() => {}); // awaited (and reported) by startApp
  const [
    { createLogger },
    { startApp, openWorkerServices },
    { isEmpty, seedDemo },
    { readDemoInfo, writeDemoInfo },
    { signToken },
    { Role },
    { Worker },
    { activeVersionId },
  ] = await Promise.all([
    import("./shared/logger.js"),
    import("./app.js"),
    import("./services/demo/demo-seed.js"),
    import("./demo-info.js"),
    import("./api/auth/token.js"),
    import("./services/auth/actor.js"),
    import("../jobs/worker.js"),
    import("./services/personalisation/active-models.js"),
  ]);
  const logger = createLogger(config.logLevel);
  logger.info(
    { database: config.databaseUrl ? "postgres" : "pglite", dataDir: config.databaseUrl ? undefined : config.dataDir },
    "starting",
  );
  const app = await startApp(config, { logger, opened });

  // The embedded quickstart: seed the demo school once, then make sure it has an active model
  // (a start interrupted during training resumes here).
  if (!config.databaseUrl && config.seedDemo && (await isEmpty(app.db.dataSource))) {
    const t0 = Date.now();
    say("seeding the demo school (120 simulated learners, two weeks of attempts)…");
    const seeded = await seedDemo(app.db.dataSource, app.services.deps.cipher, new Date(), { idLabel: "demo" });
    writeDemoInfo(config.dataDir, seeded);
    logger.info({ schoolId: seeded.schoolId, learners: seeded.learnerIds.length, ms: Date.now() - t0 }, "demo school seeded");
  }
  // Production never shows the demo, even in a folder a demo ran in: no demo model trained, no token printed.
  const demo = config.databaseUrl || config.nodeEnv === "production" ? undefined : readDemoInfo(config.dataDir);
  // The check reads the version id only: the model itself loads when first used, not on the start path.
  if (demo && config.seedDemo && !(await activeVersionId(app.db.dataSource.manager, demo.schoolId))) {
    const t0 = Date.now();
    logger.info({ schoolId: demo.schoolId }, "training the demo school's first model");
    say("training the demo school's first model (once; about a minute):");
    const bar = progressBar("training");
    const model = await app.services.training.trainAndPublish(demo.schoolId, {
      kind: "meta",
      seed: 1,
      onProgress: (f, m) => bar.update(f, m),
    });
    bar.done();
    logger.info({ modelVersion: model.version, ms: Date.now() - t0 }, "demo model trained and active");
  }

  const { url } = await app.server.listen(config.port, config.host);
  logger.info({ url }, "GraphQL API ready");
  if (!config.databaseUrl) writeServerInfo(config.dataDir, { url, pid: process.pid, worker: config.worker });
  if (demo) {
    const lifetime = Math.min(30 * 86_400, config.maxTokenLifetimeSeconds);
    const token = await signToken(config.jwtSecret, { schoolId: demo.schoolId, role: Role.Admin, subject: "demo-admin" }, `${lifetime}s`);
    process.stdout.write(
      `\nZPD is serving ${url}\nAdmin token for the demo school ${demo.schoolId} (valid ${formatDuration(lifetime)}; more with \`npm run token -- --role <role>\`):\n\n${token}\n\n`,
    );
  }
  // The job worker starts once the API answers (pg-boss's start-up checks would otherwise delay the first answer).
  // On PostgreSQL, its jobs get a pool without the API's statement timeout (app.ts).
  const jobServices = config.worker ? await openWorkerServices(app) : undefined;
  const worker = jobServices
    ? new Worker({
        services: jobServices.services,
        logger,
        settings: jobSettingsFromConfig(config),
      })
    : undefined;
  const workerStarting = worker?.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      // A worker interrupted while starting is stopped once its start has settled.
      await workerStarting?.catch(() => {});
      await worker?.stop();
      await jobServices?.close();
      if (!config.databaseUrl) removeServerInfo(config.dataDir);
      await app.stop();
      process.exit(0);
    } catch (e) {
      logger.error({ err: e }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  await workerStarting;
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof KeyringError) {
    process.stderr.write(`zpd: ${e.message}\n`);
  } else if ((e as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
    process.stderr.write(`zpd: the port is already in use (${(e as Error).message}); set PORT to another one\n`);
  } else {
    process.stderr.write(`zpd: failed to start: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
