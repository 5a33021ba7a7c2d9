/**
 * `npm run import -- --data <folder> (--school <id> | --create-school "<name>") [--batch 5000]
 *  [--consent training,personalisation,analytics] [--label <name>] [--base-time <ISO instant>]`
 *
 * Loads traces in the benchmark folder format (attempts.csv, optional items.csv) into one school:
 * skills, tasks with their Q-matrix, learners (pseudonymous external refs) and attempts, in batches,
 * idempotently (a second run adds nothing and says so). Progress on stderr, summary on stdout.
 * Database: DATABASE_URL, else the embedded one in ZPD_DATA_DIR (which must not be open in a running
 * server). Pending migrations are applied first, as the server does at start.
 *
 * Consent: none is recorded unless --consent names purposes; then a consent granted by SCHOOL is
 * written for every imported learner that has no decision for that purpose (see the service).
 * Exit codes: 0 done, 1 failed (the message says what was committed), 2 bad usage.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { isUuid } from "../shared/ids.js";
import { loadConfig } from "../config/config.js";
import { openDatabase, migrate, Database } from "../persistence/database.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";
import { ConsentPurpose } from "../persistence/learner/consent.entity.js";
import {
  createSchool,
  DEFAULT_BATCH,
  ImportFailedError,
  ImportSummary,
  TraceImportService,
} from "../services/import/trace-import.service.js";
import { ProgressBar } from "../services/import/progress-bar.js";
import { parseArgs } from "./args.js";

const USAGE = `usage: npm run import -- --data <folder> (--school <id> | --create-school "<name>") [--batch ${DEFAULT_BATCH}]
       [--consent training,personalisation,analytics] [--label <name>] [--base-time 2000-01-01T00:00:00Z]`;

class UsageError extends Error {}

const KNOWN = new Set(["data", "school", "create-school", "batch", "consent", "label", "base-time", "help"]);

function str(args: Map<string, string | true>, name: string): string | undefined {
  const v = args.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

function parseConsent(raw: string | undefined): ConsentPurpose[] {
  if (raw === undefined || raw.trim() === "" || raw.trim().toLowerCase() === "none") return [];
  const out: ConsentPurpose[] = [];
  for (const p of raw
    .split(",")
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean)) {
    if (!Object.values(ConsentPurpose).includes(p as ConsentPurpose)) {
      throw new UsageError(
        `--consent: unknown purpose "${p.toLowerCase()}" (expected ${Object.values(ConsentPurpose).join(", ").toLowerCase()}, or none)`,
      );
    }
    if (!out.includes(p as ConsentPurpose)) out.push(p as ConsentPurpose);
  }
  return out;
}

const n = (x: number) => x.toLocaleString("en-US");

function formatSummary(s: ImportSummary): string {
  const line = (what: string, c: { added: number; present: number }) =>
    `  ${what.padEnd(11)} ${n(c.added).padStart(10)} added  ${n(c.present).padStart(10)} already present`;
  const lines = [
    `import "${s.label}" into school ${s.schoolId}`,
    line("skills", s.skills),
    line("tasks", s.tasks),
    line("Q-matrix", s.taskSkills),
    line("learners", s.learners),
    line("attempts", s.attempts),
  ];
  if (s.consents.added + s.consents.present > 0) lines.push(line("consents", s.consents));
  lines.push(`  learner states marked for rebuild: ${n(s.statesMarked)}`);
  if (s.itemsWithoutQMatrixRow)
    lines.push(`  note: ${n(s.itemsWithoutQMatrixRow)} item(s) missing from items.csv took their skills from attempts.csv's skill_id`);
  if (s.tasksWithUnknownSkill)
    lines.push(`  note: ${n(s.tasksWithUnknownSkill)} item(s) without any skill id were given the skill "import.unknown"`);
  lines.push(`  ${s.seconds.toFixed(1)} s, ${n(s.attemptsPerSecond)} attempts/s (${n(s.batches)} batches)`);
  const nothing = s.skills.added + s.tasks.added + s.taskSkills.added + s.learners.added + s.attempts.added + s.consents.added === 0;
  if (nothing) lines.push("  nothing new: everything in this folder was already imported");
  return `${lines.join("\n")}\n`;
}

async function run(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has("help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const k of args.keys()) if (!KNOWN.has(k)) throw new UsageError(`unknown option --${k}`);
  const data = str(args, "data");
  if (!data) throw new UsageError("--data <folder> is required");
  const schoolArg = str(args, "school");
  const createName = str(args, "create-school");
  if (!schoolArg && !createName) throw new UsageError(`name the school: --school <id>, or --create-school "<name>" for a new one`);
  if (schoolArg && createName) throw new UsageError("--school and --create-school exclude each other");
  const batchRaw = str(args, "batch");
  const batchSize = batchRaw === undefined ? DEFAULT_BATCH : /^\d+$/.test(batchRaw) ? Number(batchRaw) : NaN;
  if (Number.isNaN(batchSize)) throw new UsageError(`--batch must be a positive integer, got "${batchRaw}"`);
  const consent = parseConsent(str(args, "consent"));
  const baseRaw = str(args, "base-time");
  const baseTime = baseRaw === undefined ? undefined : new Date(baseRaw);
  if (baseTime && Number.isNaN(baseTime.getTime())) throw new UsageError(`--base-time must be an ISO 8601 instant, got "${baseRaw}"`);

  // Checked before opening the database, so that a typo never leaves a new empty school behind.
  const attemptsFile = path.join(path.resolve(data), "attempts.csv");
  if (!fs.existsSync(attemptsFile))
    throw new UsageError(`${attemptsFile} does not exist (--data names a folder holding attempts.csv and optionally items.csv)`);
  if (schoolArg && !isUuid(schoolArg)) throw new UsageError(`--school must be a school id (a uuid), got "${schoolArg}"`);

  const config = loadConfig(process.env, { uses: { jwtSecret: false, profileKey: false } }); // imports write no personal data
  let db: Database;
  try {
    db = await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl, poolSize: 3 } : { dataDir: config.dataDir, thread: config.pgliteThread },
    );
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      throw new Error(
        `the embedded database ${e.dataDir} is locked by a running process (pid ${e.pid}), probably the ZPD server: stop it and run the import again (or import into PostgreSQL with DATABASE_URL)`,
      );
    }
    throw e;
  }
  const bar = new ProgressBar(process.stderr, "import");
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) process.stderr.write(`migrations applied: ${applied.join(", ")}\n`);
    let schoolId = schoolArg;
    if (createName) {
      schoolId = await createSchool(db.dataSource, createName);
      process.stdout.write(
        `created school ${schoolId} ("${createName.trim()}"); to re-run or continue this import, use --school ${schoolId}\n`,
      );
    }
    let phase = "";
    const summary = await new TraceImportService(db.dataSource).run({
      folder: data,
      schoolId: schoolId!,
      batchSize,
      // Two batches in flight use both cores of the database server; PGlite has one connection.
      concurrency: db.kind === "postgres" ? 2 : 1,
      consent,
      label: str(args, "label"),
      baseTime,
      maxClockSkewSeconds: config.maxClockSkewSeconds,
      onProgress: (p) => {
        if (p.phase !== phase) {
          if (phase) bar.finish();
          phase = p.phase;
          if (p.phase === "catalog") process.stderr.write(`writing skills, tasks and learners…\n`);
        }
        if (p.phase === "scan") bar.update(p.done / 1e6, p.total / 1e6, "MB checked");
        if (p.phase === "attempts") bar.update(p.done, p.total, "attempts", "attempts");
      },
    });
    bar.finish();
    process.stdout.write(formatSummary(summary));
    return 0;
  } catch (e) {
    bar.finish();
    if (e instanceof ImportFailedError) {
      process.stderr.write(`zpd import: ${e.message}\n`);
      process.stdout.write(formatSummary(e.summary));
      return 1;
    }
    throw e;
  } finally {
    await db.close();
  }
}

run().then(
  (code) => process.exit(code),
  (e) => {
    const usage = e instanceof UsageError;
    process.stderr.write(`zpd import: ${(e as Error).message}\n${usage ? `${USAGE}\n` : ""}`);
    process.exit(usage ? 2 : 1);
  },
);
