/** `npm run migrate`: apply pending migrations to the configured database, then exit. */
import "reflect-metadata";
import { loadConfig } from "../config/config.js";
import { openDatabase, migrate } from "../persistence/database.js";

async function run(): Promise<void> {
  const config = loadConfig(process.env, { uses: { jwtSecret: false, profileKey: false } });
  const db = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir, thread: config.pgliteThread },
  );
  try {
    const applied = await migrate(db.dataSource);
    process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "the database is up to date\n");
  } finally {
    await db.close();
  }
}

run().catch((e) => {
  process.stderr.write(`zpd migrate: ${(e as Error).message}\n`);
  process.exit(1);
});
