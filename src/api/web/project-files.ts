/**
 * Files of the ZPD checkout the browser pages serve (the README, the committed SDL). Found by walking up
 * from this file to the package root, which works from both `src/api/web` (tests) and `dist/src/api/web`.
 */
import fs from "node:fs";
import path from "node:path";

function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "zpd") return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export interface ProjectFiles {
  /** Absolute paths, or undefined when the file is not there (e.g. a deployment that ships `dist` only). */
  readonly readme?: string;
  readonly schema?: string;
}

export function findProjectFiles(): ProjectFiles {
  const root = packageRoot(__dirname);
  const existing = (rel: string) => (root && fs.existsSync(path.join(root, rel)) ? path.join(root, rel) : undefined);
  return { readme: existing("README.md"), schema: existing("schema/schema.graphql") };
}
