/**
 * `npm run report -- <audit report id> --out <file.html> [--school <id>]`: writes a stored audit report
 * as a self-contained HTML page (the page GET /audit-reports/<id> serves to admins).
 *
 * Database: DATABASE_URL, else the embedded one in ZPD_DATA_DIR. While `npm start` holds the embedded
 * folder, the page is fetched from that server with an admin token signed here for the school
 * (--school, default the demo school). Exit codes: 0 written, 1 failed, 2 bad usage.
 */
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "../config/config.js";
import { resolveProfileKeys, serverJwtSecret } from "../config/embedded-secrets.js";
import { serviceDepsFromConfig } from "../service-deps-from-config.js";
import { openDatabase, migrate, type Database } from "../persistence/database.js";
import { DataDirLockedError, lockHolder } from "../persistence/data-dir-lock.js";
import { createServices } from "../services/index.js";
import { KeyringError, openKeyring } from "../services/keys/keyring.js";
import { DomainError } from "../services/common/domain-error.js";
import { Role } from "../services/auth/actor.js";
import { signToken } from "../api/auth/token.js";
import { readServerInfo } from "../server-info.js";
import { readDemoInfo } from "../demo-info.js";
import { createLogger } from "../shared/logger.js";
import { isUuid } from "../shared/ids.js";
import { parseArgs } from "./args.js";

const USAGE = "usage: npm run report -- <audit report id> --out <file.html> [--school <id>]";

class UsageError extends Error {}

async function throughServer(dataDir: string, secret: string, id: string, schoolId: string | undefined): Promise<string> {
  const server = readServerInfo(dataDir);
  if (!server) throw new Error(`the data folder ${dataDir} is in use by a server that has not published its address yet: retry`);
  if (!schoolId) throw new UsageError("the server holds the embedded folder and there is no demo school: give --school <id>");
  const token = await signToken(secret, { schoolId, role: Role.Admin, subject: "report-cli" }, "5m");
  const url = new URL(`/audit-reports/${id}`, server.url);
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { errors?: { message: string; extensions?: { code?: string } }[] } | null;
    const e = body?.errors?.[0];
    throw new Error(e ? `${e.message} (${e.extensions?.code})` : `the server answered HTTP ${res.status}`);
  }
  return res.text();
}

async function direct(config: ReturnType<typeof loadConfig>, id: string): Promise<string> {
  let db: Database | undefined;
  try {
    db = await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: config.dataDir, thread: config.pgliteThread },
    );
    await migrate(db.dataSource);
    const keys = resolveProfileKeys(config);
    const { cipher } = await openKeyring(db.dataSource, keys);
    const services = createServices(
      serviceDepsFromConfig(config, { dataSource: db.dataSource, cipher, keys, logger: createLogger("silent") }),
    );
    return await services.audits.reportPageById(id);
  } finally {
    await db?.close().catch(() => {});
  }
}

async function run(argv: string[]): Promise<number> {
  const [id, ...rest] = argv;
  if (!id || id.startsWith("--")) throw new UsageError("name the audit report (its id: AuditReport.id)");
  if (!isUuid(id)) throw new UsageError(`"${id}" is not an audit report id`);
  let args: Map<string, string | true>;
  try {
    args = parseArgs(rest);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const k of args.keys()) if (k !== "out" && k !== "school") throw new UsageError(`unknown option --${k}`);
  const out = args.get("out");
  if (typeof out !== "string") throw new UsageError("--out <file.html> is required");
  const school = args.get("school");
  if (school === true || (school !== undefined && !isUuid(school))) throw new UsageError("--school must be a school id");
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  const serverPid = config.databaseUrl ? null : lockHolder(config.dataDir);
  const html =
    serverPid !== null
      ? await throughServer(config.dataDir, serverJwtSecret(config), id, school ?? readDemoInfo(config.dataDir)?.schoolId)
      : await direct(config, id);
  writeFileSync(out, html);
  process.stdout.write(`${path.resolve(out)}: ${html.length} bytes\n`);
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`zpd report: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    // Expected failures (configuration, a locked folder, an unknown report) say what happened; anything else its stack.
    const expected = e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof DomainError || e instanceof KeyringError;
    process.stderr.write(`zpd report: ${expected ? e.message : ((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  },
);
