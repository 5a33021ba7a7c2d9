/**
 * Once per `db` test run: compile dist/ if stale, and prepare a migrated database. On PGlite, a migrated
 * snapshot (a fresh PGlite costs ~9 s, loading a snapshot well under a second); on a real server
 * (DATABASE_URL), its database migrated once, which every file then copies (database-per-file.ts).
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
    // An uncompressed tar: every database a test opens loads it, and gunzipping it each time cost ~0.15 s
    // of CPU per load (~40 MB on disk for the run, removed by global-teardown.ts).
    const blob = await db.pglite!.dumpDataDir("none");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zpd-test-")), "snapshot.tar");
    fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
    process.env.ZPD_TEST_SNAPSHOT = file;
  } finally {
    await db.close();
  }
}
