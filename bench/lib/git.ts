import { execFileSync } from "node:child_process";

/** The commit of the checkout this script was built from, for the report; "unknown" outside git. */
export function gitCommit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: __dirname,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ":/src/engine", ":/bench"], {
      cwd: __dirname,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirty ? `${sha} + local changes to src/engine or bench` : sha;
  } catch {
    return "unknown";
  }
}
