/**
 * Once per `db` test run: compile dist/ if stale, and prepare a migrated database. On PGlite, a migrated
 * snapshot (a fresh PGlite costs ~9 s, loading a snapshot ~1 s); on a real server (DATABASE_URL), its
 * database migrated once, which every file then copies (database-per-file.ts).
 */
import "./resolve-ts.js";
import "reflect-metadata";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, migrate } from "../../src/persistence/database.js";
import { buildDist } from "./compiled-cli.js";

export default async function globalSetup(): Promise<void> {
  // The files that spawn compiled commands build dist/ when it is stale; built here first, before the
  // files run in parallel, two of them never compile into the same folder at once.
  buildDist();
  if (process.env.DATABASE_URL) {
    const db = await openDatabase({ url: process.env.DATABASE_URL });
    try {
      await migrate(db.dataSource);
    } finally {
      await db.close();
    }
    return;
  }
  const db = await openDatabase({});
  try {
    await migrate(db.dataSource);
    const blob = await db.pglite!.dumpDataDir("gzip");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zpd-test-")), "snapshot.tar.gz");
    fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
    process.env.ZPD_TEST_SNAPSHOT = file;
  } finally {
    await db.close();
  }
}
