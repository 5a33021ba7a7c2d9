/**
 * `npm start`: serve the GraphQL API. With no DATABASE_URL it runs on embedded PGlite in ZPD_DATA_DIR
 * and, on first start, seeds the demo school and prints an admin token for it.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "./config/config.js";
import { createLogger } from "./shared/logger.js";
import { startApp } from "./app.js";
import { embeddedJwtSecret } from "./config/embedded-secrets.js";
import { isEmpty, seedDemo } from "./services/demo/demo-seed.js";
import { readDemoInfo, writeDemoInfo } from "./demo-info.js";
import { signToken } from "./api/auth/token.js";
import { Role } from "./services/auth/actor.js";
import { DataDirLockedError } from "./persistence/data-dir-lock.js";
import { Worker } from "../jobs/worker.js";

async function main(): Promise<void> {
  const pre = loadConfig();
  const config = pre.databaseUrl || !pre.jwtSecretGenerated ? pre : loadConfig(process.env, { jwtSecret: embeddedJwtSecret(pre.dataDir) });
  const logger = createLogger(config.logLevel);
  logger.info({ database: config.databaseUrl ? "postgres" : "pglite", dataDir: config.databaseUrl ? undefined : config.dataDir }, "starting");
  const app = await startApp(config, { logger });

  // The embedded quickstart: seed the demo school once, then make sure it has an active model
  // (a start interrupted during training resumes here).
  if (!config.databaseUrl && config.seedDemo && (await isEmpty(app.db.dataSource))) {
    const t0 = Date.now();
    const seeded = await seedDemo(app.db.dataSource, app.services.deps.cipher);
    writeDemoInfo(config.dataDir, seeded);
    logger.info({ schoolId: seeded.schoolId, learners: seeded.learnerIds.length, ms: Date.now() - t0 }, "demo school seeded");
  }
  const demo = config.databaseUrl ? undefined : readDemoInfo(config.dataDir);
  if (demo && config.seedDemo && !(await app.services.activeModels.get(demo.schoolId))) {
    const t0 = Date.now();
    logger.info({ schoolId: demo.schoolId }, "training the demo school's first model");
    const model = await app.services.training.trainAndPublish(demo.schoolId, { kind: "meta", seed: 1 });
    logger.info({ modelVersion: model.version, ms: Date.now() - t0 }, "demo model trained and active");
  }

  const { url } = await app.server.listen(config.port, config.host);
  const worker = config.worker ? new Worker({ services: app.services, logger, settings: { retrainCron: config.retrainCron } }) : undefined;
  await worker?.start();
  logger.info({ url }, "GraphQL API ready");
  if (demo) {
    const token = await signToken(config.jwtSecret, { schoolId: demo.schoolId, role: Role.Admin, subject: "demo-admin" });
    process.stdout.write(`\nZPD is serving ${url}\nAdmin token for the demo school (valid 30 days; more with \`npm run token -- --role <role>\`):\n\n${token}\n\n`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await worker?.stop();
      await app.stop();
      process.exit(0);
    } catch (e) {
      logger.error({ err: e }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError) {
    process.stderr.write(`zpd: ${e.message}\n`);
  } else if ((e as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
    process.stderr.write(`zpd: the port is already in use (${(e as Error).message}); set PORT to another one\n`);
  } else {
    process.stderr.write(`zpd: failed to start: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
