/**
 * `npm run erase -- --learner <id> [--school <id>]`: erases a learner — every row keyed to it, in one
 * transaction — and prints the erasure receipt as JSON on stdout (no personal data: a keyed hash of
 * the id, when, by whom, rows per table, the model versions to retrain). Asked again, prints the same
 * receipt. `--school` checks that the learner belongs to that school; without it, the learner's own.
 *
 * While `npm start` holds the embedded data folder, the erasure goes through that server's
 * `eraseLearner` mutation under an admin token signed here for the school (the folder's JWT secret):
 * the school is `--school`, else the demo school. Exit codes: 0 erased (or already), 1 not found or
 * failed, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "../config/config.js";
import { serverJwtSecret } from "../config/embedded-secrets.js";
import { signToken } from "../api/auth/token.js";
import { Role } from "../services/auth/actor.js";
import { isUuid } from "../shared/ids.js";
import { DataDirLockedError, lockHolder } from "../persistence/data-dir-lock.js";
import { DomainError } from "../services/common/domain-error.js";
import { ErasureReceiptType } from "../api/privacy/erasure-receipt.type.js";
import { readServerInfo } from "../server-info.js";
import { readDemoInfo } from "../demo-info.js";
import { parseArgs } from "./args.js";
import { withServices } from "./in-process-services.js";
import { serverGraphql, ServerRefusedError } from "./server-graphql.js";

const USAGE = `usage: npm run erase -- --learner <id> [--school <id>]
  --learner   the learner to erase (its id)
  --school    the school it must belong to (default: its own; through a running embedded server: the demo school)
Prints the erasure receipt (JSON). Erasing again prints the same receipt.`;

/** Who the receipt says erased it. */
const BY = "erase-cli";

class UsageError extends Error {}

const RECEIPT_FIELDS = `id learnerHash keyId erasedAt erasedBy rows { table rows } modelsToRetrain { modelVersionId version }`;

/** The receipt as printed: the API's shape, with its times as ISO strings. */
const printed = (r: ErasureReceiptType) => JSON.stringify({ ...r, erasedAt: new Date(r.erasedAt).toISOString() }, null, 2);

/** Through the server holding the embedded folder. */
async function throughServer(config: Config, serverPid: number, learnerId: string, schoolId: string | undefined): Promise<string> {
  const server = readServerInfo(config.dataDir);
  if (!server || server.pid !== serverPid)
    throw new Error(
      `the server (pid ${serverPid}) holds ${config.dataDir} but has not published its address (server.json): try again once it has started`,
    );
  const school = schoolId ?? readDemoInfo(config.dataDir)?.schoolId;
  if (!school) throw new UsageError(`the server (pid ${serverPid}) holds ${config.dataDir}: name the learner's school with --school`);
  const token = await signToken(serverJwtSecret(config), { schoolId: school, role: Role.Admin, subject: BY }, "10m");
  process.stderr.write(`the data folder is in use by the server at ${server.url} (pid ${server.pid}): sending the erasure to it\n`);
  const receipt = await serverGraphql<ErasureReceiptType>(
    server.url,
    token,
    { query: `mutation($l: UUID!) { receipt: eraseLearner(learnerId: $l) { ${RECEIPT_FIELDS} } }`, variables: { l: learnerId } },
    "receipt",
  );
  return printed(receipt);
}

/** In this process, on the database itself. */
async function inProcess(config: Config, learnerId: string, schoolId: string | undefined): Promise<string> {
  // A wrong key stops in withServices (KeyringError), before anything is erased.
  return withServices(config, async (services) =>
    printed(ErasureReceiptType.from(await services.erasure.erase({ learnerId, schoolId: schoolId ?? null, by: BY }))),
  );
}

async function run(argv: string[]): Promise<void> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.has("help")) throw new UsageError("");
  for (const k of args.keys()) if (k !== "learner" && k !== "school") throw new UsageError(`unknown option --${k}`);
  const learner = args.get("learner");
  const school = args.get("school");
  if (typeof learner !== "string" || !isUuid(learner)) throw new UsageError(`--learner must be a learner's id (a UUID)`);
  if (school !== undefined && (typeof school !== "string" || !isUuid(school)))
    throw new UsageError(`--school must be a school's id (a UUID)`);
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  const serverPid = config.databaseUrl ? null : lockHolder(config.dataDir);
  const out =
    serverPid !== null
      ? await throughServer(config, serverPid, learner.toLowerCase(), school?.toLowerCase())
      : await inProcess(config, learner.toLowerCase(), school?.toLowerCase());
  process.stdout.write(`${out}\n`);
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `zpd erase: ${e.message}\n` : ""}${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof DomainError || e instanceof ConfigError || e instanceof DataDirLockedError)
      process.stderr.write(`zpd erase: ${e.message}\n`);
    else if (e instanceof ServerRefusedError) process.stderr.write(`zpd erase: the server refused: ${e.message}\n`);
    else process.stderr.write(`zpd erase: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
