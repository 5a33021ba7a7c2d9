/**
 * `npm run import:oneroster -- (--zip <file> | --dir <folder>) [--dry-run] [--with-demographics]`
 *
 * Imports a OneRoster 1.1 CSV package (a school information system's roster export): its schools,
 * classes (as cohorts), students (as learners, names and e-mail encrypted), teachers and enrollments,
 * checked in full first, then written in one transaction — all or nothing, and idempotent on the
 * package's sourcedIds (services/roster/). `--dry-run` checks everything and reports what would change,
 * writing nothing. `--with-demographics` reads demographics.csv into the students' protected attributes
 * (sex, race, hispanicOrLatino: for the fairness audit only); without it the file is skipped unread. A
 * refused package is listed problem by problem, with file and line.
 *
 * Database: DATABASE_URL, else the embedded one in ZPD_DATA_DIR (not while a server holds it). The
 * profile key (ZPD_PROFILE_KEY, or the embedded folder's) encrypts the names. Exit codes: 0 done,
 * 1 refused or failed (nothing written), 2 bad usage.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "../config/config.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";
import { RosterPackageError } from "../services/roster/oneroster-format.js";
import { byBaseName, unzipRoster } from "../services/roster/roster-package.js";
import { planRoster } from "../services/roster/roster-plan.js";
import type { RosterCounts, RosterSummary } from "../services/roster/roster-import.service.js";
import { parseArgs } from "./args.js";
import { withServices } from "./in-process-services.js";

const USAGE = "usage: npm run import:oneroster -- (--zip <file> | --dir <folder>) [--dry-run] [--with-demographics]";

class UsageError extends Error {}

function readPackage(args: Map<string, string | true>): Map<string, Uint8Array> {
  const zip = args.get("zip");
  const dir = args.get("dir");
  if ((zip === undefined) === (dir === undefined)) throw new UsageError("give the package as --zip <file> or --dir <folder>");
  if (zip === true || dir === true) throw new UsageError(`--${zip === true ? "zip" : "dir"} needs a value`);
  if (zip) {
    if (!fs.existsSync(zip)) throw new UsageError(`${zip} does not exist`);
    return unzipRoster(fs.readFileSync(zip));
  }
  if (!fs.existsSync(dir!) || !fs.statSync(dir!).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  return byBaseName(fs.readdirSync(dir!).map((name) => [name, fs.readFileSync(path.join(dir!, name))] as const));
}

function formatSummary(s: RosterSummary): string {
  const line = (what: string, c: RosterCounts) =>
    `  ${what.padEnd(12)} ${String(c.created).padStart(7)} created ${String(c.updated).padStart(7)} updated ${String(c.unchanged).padStart(7)} unchanged ${String(c.deleted).padStart(7)} deleted`;
  return [
    `OneRoster ${s.version} package ${s.dryRun ? "checked (dry run: nothing written)" : "imported"}`,
    line("schools", s.schools),
    line("cohorts", s.cohorts),
    line("learners", s.learners),
    line("teachers", s.teachers),
    line("memberships", s.memberships),
    line("attributes", s.attributes),
    ...s.skipped.map((k) => `  skipped: ${k.file}${k.rows ? ` (${k.rows} row${k.rows === 1 ? "" : "s"})` : ""}: ${k.why}`),
    "",
  ].join("\n");
}

async function run(argv: string[]): Promise<number> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.has("help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const k of args.keys())
    if (!["zip", "dir", "dry-run", "with-demographics"].includes(k)) throw new UsageError(`unknown option --${k}`);
  const plan = planRoster(readPackage(args), { demographics: args.has("with-demographics") });
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  const summary = await withServices(config, (services) => services.roster.import(plan, { dryRun: args.has("dry-run") }));
  process.stdout.write(formatSummary(summary));
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`zpd import:oneroster: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof DataDirLockedError)
      process.stderr.write(
        `zpd import:oneroster: ${e.message}\n  (while npm start runs, an admin imports through the API instead: the importOneRoster mutation)\n`,
      );
    else if (e instanceof RosterPackageError || e instanceof ConfigError) process.stderr.write(`zpd import:oneroster: ${e.message}\n`);
    else process.stderr.write(`zpd import:oneroster: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
