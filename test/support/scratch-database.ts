/**
 * A migrated database of a test's own, for tests that run migrations down and up (which would disturb
 * the file's other tests): a scratch database on DATABASE_URL's server, dropped
 * by `close`; else an embedded PGlite from the global setup's migrated snapshot (migrated here
 * when there is none).
 */
import fs from "node:fs";
import pg from "pg";
import { openDatabase, migrate, type Database } from "../../src/persistence/database.js";

export interface ScratchDatabase {
  readonly db: Database;
  close(): Promise<void>;
}

/**
 * An empty database (not migrated) on DATABASE_URL's server, named `<database>_<label>_<pid>`;
 * `drop` removes it (connections still open included).
 */
export async function createServerDatabase(serverUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const u = new URL(serverUrl);
  const name = `${u.pathname.slice(1) || "zpd"}_${label}_${process.pid}`;
  u.pathname = "/postgres";
  const adminUrl = u.toString();
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** `label` names the scratch database on a server (`<database>_<label>_<pid>`). */
export async function openScratchDatabase(label: string): Promise<ScratchDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const scratch = await createServerDatabase(url, label);
    const db = await openDatabase({ url: scratch.url, poolSize: 2 });
    await migrate(db.dataSource);
    return {
      db,
      // Dropped even when the database was closed already (a test of a start that failed closes it).
      close: async () => {
        try {
          await db.close();
        } finally {
          await scratch.drop();
        }
      },
    };
  }
  const snapshot = process.env.ZPD_TEST_SNAPSHOT;
  const db = await openDatabase({ loadDataDir: snapshot ? new Blob([fs.readFileSync(snapshot)]) : undefined });
  if (!snapshot) await migrate(db.dataSource);
  return { db, close: () => db.close() };
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
