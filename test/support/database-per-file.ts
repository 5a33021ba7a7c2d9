/**
 * On a real server (DATABASE_URL), every test file gets a database of its own, a copy of the one the
 * global setup migrated (CREATE DATABASE … TEMPLATE, a file copy on the server: well under a second),
 * dropped after the file. Files then run in parallel without sharing anything a database holds:
 * pg-boss's queues (one file's job worker would take another's jobs), advisory locks, the catalogue
 * that the erasure walks. On embedded PGlite every file has its own database already.
 *
 * Runs before each file's own hooks (setupFilesAfterEnv), so the file's `beforeAll` sees its own URL.
 */
import pg from "pg";

const serverUrl = process.env.DATABASE_URL;
if (serverUrl) {
  const template = new URL(serverUrl).pathname.slice(1);
  const name = `${template}_${process.pid}`;
  const onServer = async (sql: string) => {
    const u = new URL(serverUrl);
    u.pathname = "/postgres";
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await onServer(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    const own = new URL(serverUrl);
    own.pathname = `/${name}`;
    process.env.DATABASE_URL = own.toString();
  });
  afterAll(async () => {
    process.env.DATABASE_URL = serverUrl;
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
