/**
 * The services of a command that works on the database itself (not through a running server): the
 * database opened (DATABASE_URL, else the embedded folder, which a running server must not hold),
 * migrated as the server would at start, the keyring checked against the profile key (a wrong key stops
 * here, before anything is written), then `use` — and the database closed whatever happens.
 */
import type { Config } from "../config/config.js";
import { resolveProfileKeys } from "../config/embedded-secrets.js";
import { migrate, openDatabase, type Database } from "../persistence/database.js";
import { serviceDepsFromConfig } from "../service-deps-from-config.js";
import { createServices, type Services } from "../services/index.js";
import { openKeyring } from "../services/keys/keyring.js";
import { createLogger } from "../shared/logger.js";

export async function withServices<T>(config: Config, use: (services: Services, db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: config.dataDir });
  try {
    await migrate(db.dataSource);
    const keys = resolveProfileKeys(config);
    const { cipher } = await openKeyring(db.dataSource, keys);
    const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : "silent");
    return await use(createServices(serviceDepsFromConfig(config, { dataSource: db.dataSource, cipher, keys, logger })), db);
  } finally {
    await db.close();
  }
}
