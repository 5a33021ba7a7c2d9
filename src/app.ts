/**
 * Composition root: configuration → database (migrated) → services → HTTP server. `main.ts` runs it
 * as a process; the end-to-end tests start it in-process on a random port.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Config } from "./config/config.js";
import { createLogger, Logger } from "./shared/logger.js";
import { openDatabase, migrate, Database, DatabaseOptions } from "./persistence/database.js";
import { createServices, Services } from "./services/index.js";
import { ProfileCipher } from "./services/learner/profile-cipher.js";
import { createApiServer, ApiServer } from "./api/server.js";

export interface App {
  readonly config: Config;
  readonly db: Database;
  readonly services: Services;
  readonly server: ApiServer;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/**
 * The profile key: configured (ZPD_PROFILE_KEY), or for the embedded database generated once into
 * the data folder so that a restart can still read what it wrote.
 */
export function resolveProfileKey(config: Config): Buffer {
  if (config.profileKey) return config.profileKey;
  if (config.databaseUrl) throw new Error("invalid configuration: ZPD_PROFILE_KEY: is required when DATABASE_URL is set");
  const file = path.join(config.dataDir, "profile.key");
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
}

/** The JWT secret for the embedded demo when none is configured: generated once into the data folder. */
export function embeddedJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, "jwt.secret");
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  return fs.readFileSync(file, "utf8").trim();
}

export interface StartOptions {
  /** Overrides how the database is opened (tests: in-memory PGlite from a snapshot). */
  readonly database?: DatabaseOptions;
  readonly logger?: Logger;
  readonly profileKey?: Buffer;
}

export async function startApp(config: Config, opts: StartOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const dbOptions = opts.database ?? (config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir, thread: config.pgliteThread });
  const db = await openDatabase(dbOptions);
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) logger.info({ migrations: applied }, "migrations applied");
    const services = createServices({
      dataSource: db.dataSource,
      cipher: new ProfileCipher(opts.profileKey ?? resolveProfileKey(config)),
      logger,
      maxPageSize: config.maxPageSize,
    });
    const server = await createApiServer({ services, jwtSecret: config.jwtSecret, logger, graphiql: config.graphiql });
    return {
      config, db, services, server, logger,
      stop: async () => {
        await server.stop();
        logger.info("HTTP server closed");
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
