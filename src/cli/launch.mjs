/**
 * The npm scripts' launcher, plain Node (it runs before anything is compiled):
 *
 *   node [node flags] src/cli/launch.mjs dist/src/main.js [args…]   compile if needed, then run the script
 *   node src/cli/launch.mjs --build                                 compile if needed (npm's `prepare`, at install)
 *   node src/cli/launch.mjs --build --force                         compile now (`npm run build`)
 *
 * The compiled output is current when no compiled input (src/, jobs/, migrations/, bench/,
 * tsconfig*.json) was modified after the last successful compile started, as recorded in
 * dist/.build-stamp. Checking that takes a few milliseconds where even an incremental `tsc` with
 * nothing to do takes seconds; when something did change, `tsc` runs incrementally
 * (dist/.tsbuildinfo) and says so on stderr. The script then runs in this same process (node flags
 * such as --max-semi-space-size apply to it, and signals reach it directly).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INPUT_DIRS = ["src", "jobs", "migrations", "bench"];
const STAMP = path.join(root, "dist", ".build-stamp");

/** The newest modification time (ms) among the compiled inputs, and the file it belongs to. */
function newestInput() {
  let newest = { ms: 0, file: "" };
  const see = (file, ms) => {
    if (ms > newest.ms) newest = { ms, file };
  };
  for (const name of fs.readdirSync(root)) if (/^tsconfig.*\.json$/.test(name)) see(name, fs.statSync(path.join(root, name)).mtimeMs);
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    // A directory's own mtime changes when a file is added, removed or renamed in it.
    see(path.relative(root, dir), fs.statSync(dir).mtimeMs);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") || e.name.endsWith(".json")) see(path.relative(root, p), fs.statSync(p).mtimeMs);
    }
  };
  for (const d of INPUT_DIRS) walk(path.join(root, d));
  return newest;
}

/** Why the build is out of date, or null when it is current. */
function staleness(target) {
  let built;
  try {
    built = Number(fs.readFileSync(STAMP, "utf8"));
  } catch {
    return "no build yet";
  }
  if (target && !fs.existsSync(path.resolve(root, target))) return `${target} is missing`;
  const newest = newestInput();
  return newest.ms > built ? `sources changed since the last build (${newest.file})` : null;
}

function compile(reason) {
  process.stderr.write(`compiling TypeScript: ${reason}…\n`);
  const startedAt = Date.now();
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    process.stderr.write(
      `zpd: the TypeScript build failed${r.error ? ` (${r.error.message})` : ""}; fix the errors above and run the command again\n`,
    );
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  // The stamp is the instant the compile started: a file saved during the compile is seen as changed next time.
  fs.writeFileSync(STAMP, String(startedAt));
  process.stderr.write(`compiled in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
}

const [first, ...rest] = process.argv.slice(2);
if (first === "--build") {
  const reason = rest.includes("--force") ? "a full build was asked for" : staleness(null);
  if (reason) compile(reason);
} else if (first && !first.startsWith("--")) {
  const reason = staleness(first);
  if (reason) compile(reason);
  const script = path.resolve(root, first);
  // The script sees the command line as if node had started it directly.
  process.argv = [process.argv[0], script, ...rest];
  await import(pathToFileURL(script).href);
} else {
  process.stderr.write("usage: node src/cli/launch.mjs <compiled script> [args…] | --build [--force]\n");
  process.exit(2);
}
