/**
 * `npm run school:create -- --name "<name>" [--timezone <IANA zone>]`: create a school and print its id
 * (stdout; how to sign its admin token on stderr).
 * `npm run school:list`: every school — id, time zone, creation time, name.
 *
 * Database: DATABASE_URL, else the embedded one in ZPD_DATA_DIR (which must not be open in a running
 * server: there, use the createSchool mutation with a platform-admin token). Pending migrations are
 * applied first, as the server does at start. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config/config.js";
import { openDatabase, migrate, Database } from "../persistence/database.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";
import { School } from "../persistence/school/school.entity.js";
import { BadInputError } from "../services/common/domain-error.js";
import { checkSchoolName, checkTimeZone, insertSchool } from "../services/school/school-fields.js";
import { parseArgs } from "./args.js";

const USAGE = `usage: npm run school:create -- --name "<name>" [--timezone <IANA zone, default UTC>]
       npm run school:list`;

class UsageError extends Error {}

const OPTIONS: Record<string, readonly string[]> = { create: ["name", "timezone", "help"], list: ["help"] };

async function withDatabase<T>(what: string, use: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { uses: { jwtSecret: false, profileKey: false } });
  let db: Database;
  try {
    db = await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: config.dataDir, thread: config.pgliteThread },
    );
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      throw new Error(
        `${e.message}. The running server holds the embedded database: stop it to ${what}, or ${what === "create a school" ? "call the createSchool mutation" : "query schools"} with a platform-admin token (npm run token -- --role platform-admin)`,
      );
    }
    throw e;
  }
  try {
    const applied = await migrate(db.dataSource);
    if (applied.length) process.stderr.write(`migrations applied: ${applied.join(", ")}\n`);
    return await use(db);
  } finally {
    await db.close();
  }
}

async function create(args: Map<string, string | true>): Promise<void> {
  const value = (k: string) => {
    const v = args.get(k);
    if (v === true) throw new UsageError(`--${k} needs a value`);
    return v;
  };
  const rawName = value("name");
  if (rawName === undefined) throw new UsageError(`--name "<name>" is required`);
  // Checked before the database is opened: a typo never costs a connection, nor leaves a row behind.
  let name: string, timeZone: string;
  try {
    name = checkSchoolName(rawName);
    timeZone = checkTimeZone(value("timezone") ?? "UTC");
  } catch (e) {
    if (e instanceof BadInputError) throw new UsageError(e.message);
    throw e;
  }
  const school = await withDatabase("create a school", (db) => insertSchool(db.dataSource, name, timeZone));
  process.stdout.write(`${school.id}\n`);
  process.stderr.write(
    `created school "${school.name}" (time zone ${school.timeZone}), id ${school.id}\nits admin token: npm run token -- --role admin --school ${school.id}\n`,
  );
}

async function list(): Promise<void> {
  const schools = await withDatabase("list schools", (db) => db.dataSource.getRepository(School).find({ order: { id: "ASC" } }));
  if (schools.length === 0) {
    process.stderr.write(`no school yet: npm run school:create -- --name "<name>" --timezone <IANA zone>\n`);
    return;
  }
  const zoneWidth = Math.max(9, ...schools.map((s) => s.timeZone.length));
  process.stdout.write(`${"id".padEnd(36)}  ${"time zone".padEnd(zoneWidth)}  ${"created".padEnd(20)}  name\n`);
  for (const s of schools) {
    process.stdout.write(`${s.id}  ${s.timeZone.padEnd(zoneWidth)}  ${s.createdAt.toISOString().slice(0, 19)}Z  ${s.name}\n`);
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || !(command in OPTIONS)) throw new UsageError(command ? `unknown command "${command}"` : "");
  let args: Map<string, string | true>;
  try {
    args = parseArgs(rest);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.has("help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const k of args.keys()) if (!OPTIONS[command]!.includes(k)) throw new UsageError(`unknown option --${k}`);
  if (command === "create") await create(args);
  else await list();
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `zpd school: ${e.message}\n` : ""}${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof ConfigError) process.stderr.write(`zpd school: ${e.message}\n`);
    else process.stderr.write(`zpd school: ${(e as Error)?.message ?? e}\n`);
    process.exit(1);
  },
);
