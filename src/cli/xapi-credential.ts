/**
 * `npm run xapi:credential -- --school <id> --label "<what it is for>" [--scope write|read|all] [--create-learners]`
 *
 * Issues an xAPI credential for a school (services/xapi/xapi-credential.service.ts) and prints its key
 * and secret — the HTTP Basic user and password of an xAPI client — once: only a hash of the secret is
 * kept. A school's admin does the same through the API (`createXapiCredential`). Database: DATABASE_URL,
 * else the embedded one in ZPD_DATA_DIR (not while a server holds it). Exit codes: 0 issued, 1 failed,
 * 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config/config.js";
import { isUuid } from "../shared/ids.js";
import { DataDirLockedError } from "../persistence/data-dir-lock.js";
import { School } from "../persistence/school/school.entity.js";
import { DomainError, NotFoundError } from "../services/common/domain-error.js";
import { XAPI_SCOPES } from "../services/xapi/xapi-credential.service.js";
import type { XapiScope } from "../persistence/xapi/xapi-credential.store.js";
import { parseArgs } from "./args.js";
import { withServices } from "./in-process-services.js";

const USAGE = `usage: npm run xapi:credential -- --school <id> --label "<what it is for>" [--scope write|read|all] [--create-learners]`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const k of args.keys())
    if (!["school", "label", "scope", "create-learners"].includes(k)) throw new UsageError(`unknown option --${k}`);
  const school = args.get("school");
  const label = args.get("label");
  const scope = String(args.get("scope") ?? "write").toUpperCase();
  if (typeof school !== "string" || !isUuid(school)) throw new UsageError("--school must be a school's id (a UUID)");
  if (typeof label !== "string") throw new UsageError("--label is required: what the credential is for");
  if (!XAPI_SCOPES.includes(scope as XapiScope)) throw new UsageError(`--scope must be one of ${XAPI_SCOPES.join(", ").toLowerCase()}`);
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  await withServices(config, async (services, db) => {
    if (!(await db.dataSource.manager.existsBy(School, { id: school.toLowerCase() }))) throw new NotFoundError("School", school);
    const { credential, secret } = await services.xapiCredentials.issue(
      school.toLowerCase(),
      { label, scope: scope as XapiScope, createLearners: args.has("create-learners") },
      "xapi-credential-cli",
    );
    process.stdout.write(
      `xAPI credential ${credential.id} for school ${credential.schoolId} (${credential.scope}${credential.createLearners ? ", creates learners" : ""})\n` +
        `  key (Basic user):        ${credential.key}\n  secret (Basic password): ${secret}\n  the secret is shown this once: store it now\n`,
    );
  });
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`zpd xapi:credential: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof DomainError || e instanceof ConfigError || e instanceof DataDirLockedError)
      process.stderr.write(`zpd xapi:credential: ${e.message}\n`);
    else process.stderr.write(`zpd xapi:credential: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
