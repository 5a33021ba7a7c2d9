/**
 * `npm run token -- [--role <role>] [--school <id>] [--teacher <id>] [--learner <id>] [--expires 30d]`:
 * print a bearer token (stdout; notes on stderr).
 *
 * With DATABASE_URL the school is looked up: --school must name one that exists, and may be left out
 * only when the database holds exactly one school (which is then used, and said so). Embedded, the
 * running server holds the database, so the defaults come from ZPD_DATA_DIR/demo.json: the demo
 * school, its teacher for a teacher token and its first learner for a learner token.
 * `--role platform-admin` signs the platform operator's token: no school; it may only create and list schools.
 * Exit codes: 0 printed, 1 failed, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "../config/config.js";
import { embeddedJwtSecret } from "../config/embedded-secrets.js";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { signToken } from "../api/auth/token.js";
import { PLATFORM_ADMIN, Role } from "../services/auth/actor.js";
import { readDemoInfo } from "../demo-info.js";
import { openDatabase } from "../persistence/database.js";
import { School } from "../persistence/school/school.entity.js";
import { Teacher } from "../persistence/school/teacher.entity.js";
import { Learner } from "../persistence/learner/learner.entity.js";
import { isUuid } from "../shared/ids.js";
import { parseArgs } from "./args.js";

const ROLES = [...Object.values(Role).map((r) => r.toLowerCase()), "platform-admin"];

const USAGE = `usage: npm run token -- [--role ${ROLES.join("|")}] [--school <id>]
                      [--teacher <id>] [--learner <id>] [--expires 30d]
  --role      default admin; platform-admin signs the operator's token (no school: it may only create and list schools)
  --school    the school's id (npm run school:list). With DATABASE_URL it must exist, and may be left out only
              when the database holds exactly one school; embedded, the default is the demo school
  --teacher   required for role teacher (embedded default: the demo teacher)
  --learner   required for role learner (embedded default: the first demo learner)
  --expires   lifetime, e.g. 1h, 7d, 2w (default 30d, or ZPD_MAX_TOKEN_LIFETIME when that is shorter; never longer)`;

class UsageError extends Error {}

const KNOWN = new Set(["role", "school", "teacher", "learner", "expires", "help"]);

interface Target {
  readonly schoolId: string;
  readonly teacherId?: string;
  readonly learnerId?: string;
}

/** PostgreSQL: the named school (or the only one), checked to exist, with its teacher or learner. */
async function targetInDatabase(url: string, wanted: Partial<Target>): Promise<Target> {
  const db = await openDatabase({ url, poolSize: 1 });
  try {
    const schools = db.dataSource.getRepository(School);
    let school: School | null;
    try {
      school = wanted.schoolId ? await schools.findOneBy({ id: wanted.schoolId }) : null;
      if (!wanted.schoolId) {
        const all = await schools.find({ order: { id: "ASC" }, take: 2 });
        if (all.length === 0)
          throw new Error(
            `the database holds no school yet: create one with npm run school:create -- --name "<name>" --timezone <IANA zone>`,
          );
        if (all.length > 1)
          throw new Error(`the database holds several schools: name one with --school <id> (npm run school:list lists them)`);
        school = all[0]!;
        process.stderr.write(`zpd token: no --school given; using the database's only school, "${school.name}" (${school.id})\n`);
      }
    } catch (e) {
      if ((e as { driverError?: { code?: string } }).driverError?.code === "42P01")
        throw new Error("the database has no tables yet: run npm run migrate first");
      throw e;
    }
    if (!school) throw new Error(`school ${wanted.schoolId} does not exist in this database (npm run school:list lists the schools)`);
    const schoolId = school.id;
    if (wanted.teacherId && !(await db.dataSource.getRepository(Teacher).existsBy({ id: wanted.teacherId, schoolId }))) {
      throw new Error(`teacher ${wanted.teacherId} does not exist in school ${schoolId}`);
    }
    if (wanted.learnerId && !(await db.dataSource.getRepository(Learner).existsBy({ id: wanted.learnerId, schoolId }))) {
      throw new Error(`learner ${wanted.learnerId} does not exist in school ${schoolId}`);
    }
    return { schoolId, teacherId: wanted.teacherId, learnerId: wanted.learnerId };
  } finally {
    await db.close();
  }
}

/** Embedded: the named ids as given, or the demo school's (the running server holds the database). */
function targetInDemo(config: Config, role: Role, wanted: Partial<Target>): Target {
  const demo = readDemoInfo(config.dataDir);
  const schoolId = wanted.schoolId ?? demo?.schoolId;
  if (!schoolId) throw new Error(`no demo school in ${config.dataDir}: start the server once (npm start) or pass --school <id>`);
  const fromDemo = demo?.schoolId === schoolId;
  return {
    schoolId,
    teacherId: role === Role.Teacher ? (wanted.teacherId ?? (fromDemo ? demo?.teacherId : undefined)) : undefined,
    learnerId: role === Role.Learner ? (wanted.learnerId ?? (fromDemo ? demo?.learnerIds[0] : undefined)) : undefined,
  };
}

async function run(argv: string[]): Promise<void> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.has("help")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  for (const k of args.keys()) if (!KNOWN.has(k)) throw new UsageError(`unknown option --${k}`);
  const value = (k: string) => {
    const v = args.get(k);
    if (v === true) throw new UsageError(`--${k} needs a value`);
    return v;
  };
  const roleArg = (value("role") ?? "admin").toLowerCase();
  if (!ROLES.includes(roleArg)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
  for (const k of ["school", "teacher", "learner"]) {
    const v = value(k);
    if (v !== undefined && !isUuid(v)) throw new UsageError(`--${k} must be an id (a uuid), got "${v}"`);
  }
  const expiresArg = value("expires");
  const asked = expiresArg === undefined ? undefined : parseDuration(expiresArg);
  if (asked === null || asked === 0) throw new UsageError(`--expires must be a lifetime such as 1h, 7d or 2w, got "${expiresArg}"`);

  const uses = { profileKey: false }; // a token names ids only
  const pre = loadConfig(process.env, { uses });
  const config =
    pre.databaseUrl || !pre.jwtSecretGenerated ? pre : loadConfig(process.env, { uses, jwtSecret: embeddedJwtSecret(pre.dataDir) });
  // The server refuses a token that lives longer than ZPD_MAX_TOKEN_LIFETIME: none is signed.
  const max = config.maxTokenLifetimeSeconds;
  if (asked !== undefined && asked > max)
    throw new UsageError(
      `--expires ${expiresArg} is longer than the maximum token lifetime, ${formatDuration(max)} (ZPD_MAX_TOKEN_LIFETIME); the server would refuse it`,
    );
  const expires = `${asked ?? Math.min(30 * 86_400, max)}s`;

  if (roleArg === "platform-admin") {
    for (const k of ["school", "teacher", "learner"])
      if (args.has(k)) throw new UsageError(`a platform-admin token names no school, teacher or learner (drop --${k})`);
    process.stdout.write(`${await signToken(config.jwtSecret, { role: PLATFORM_ADMIN, subject: "platform-admin-cli" }, expires)}\n`);
    return;
  }
  const role = roleArg.toUpperCase() as Role;
  const wanted = {
    schoolId: value("school"),
    teacherId: role === Role.Teacher ? value("teacher") : undefined,
    learnerId: role === Role.Learner ? value("learner") : undefined,
  };
  if (role !== Role.Teacher && args.has("teacher")) throw new UsageError(`--teacher is for role teacher only`);
  if (role !== Role.Learner && args.has("learner")) throw new UsageError(`--learner is for role learner only`);
  const target = config.databaseUrl ? await targetInDatabase(config.databaseUrl, wanted) : targetInDemo(config, role, wanted);
  if (role === Role.Teacher && !target.teacherId) throw new UsageError("--teacher <id> is required for role teacher");
  if (role === Role.Learner && !target.learnerId) throw new UsageError("--learner <id> is required for role learner");
  const subject = target.learnerId ?? target.teacherId ?? `${role.toLowerCase()}-cli`;
  process.stdout.write(`${await signToken(config.jwtSecret, { ...target, role, subject }, expires)}\n`);
}

run(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`zpd token: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`zpd token: ${e instanceof ConfigError ? e.message : ((e as Error)?.message ?? e)}\n`);
  process.exit(1);
});
