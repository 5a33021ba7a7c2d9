/**
 * Once after a `db` test run: removes the PGlite snapshot that global-setup.ts wrote in a folder of its own
 * in the temp dir (on PGlite only: with DATABASE_URL it wrote none).
 */
import fs from "node:fs";
import path from "node:path";

export default function globalTeardown(): void {
  const file = process.env.ZPD_TEST_SNAPSHOT;
  if (process.env.DATABASE_URL || !file || !path.basename(path.dirname(file)).startsWith("zpd-test-")) return;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
