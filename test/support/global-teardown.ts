/** Once after a `db` test run: removes the PGlite snapshot that global-setup.ts wrote (its folder in the temp dir). */
import fs from "node:fs";
import path from "node:path";

export default function globalTeardown(): void {
  const file = process.env.ZPD_TEST_SNAPSHOT;
  if (file && path.basename(path.dirname(file)).startsWith("zpd-test-")) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
