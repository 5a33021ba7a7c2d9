/**
 * The database of the analytics commands (bi:role, analytics:export): DATABASE_URL, else the embedded one
 * in ZPD_DATA_DIR, which must not be open in a running server (refused with the lock's message and what
 * to do instead). Pending migrations are applied first, as the server does at start.
 */
import { loadConfig, type Config } from "../config/config.js";
import { openDatabase, migrate, type Database } from "../persistence/database.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";

export function cliConfig(): Config {
  return loadConfig(process.env, { uses: { jwtSecret: false, profileKey: false } });
}

export async function withAnalyticsDatabase<T>(config: Config, instead: string, use: (db: Database) => Promise<T>): Promise<T> {
  let db: Database;
  try {
    db = await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: config.dataDir, thread: config.pgliteThread },
    );
  } catch (e) {
    if (e instanceof DataDirLockedError)
      throw new Error(`${e.message}. The running server holds the embedded database: stop it (Ctrl-C) first, or ${instead}`);
    throw e;
  }
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) process.stderr.write(`migrations applied: ${applied.join(", ")}\n`);
    return await use(db);
  } finally {
    await db.close();
  }
}
