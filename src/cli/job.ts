/**
 * `npm run job -- <name> [--school <id>] [--version <id>] [--override-reason <text>] [--seed N] [--cutoff <ISO instant>] [--kind <model>] [--at <ISO instant>]`
 *
 * Runs one job now, in this process (no worker needed), recorded in job_run like any other run, with
 * a progress bar on stderr and its outcome on stdout. Jobs: retrain (--school, --seed, --cutoff,
 * --kind), rebuild-states (--school), promote-model (--school, --version: the model version's id;
 * --override-reason promotes over the gates' refusal, the reason stored with the version),
 * rollback-model (--school; --version pins the version to reactivate, default the previously active
 * one), train-policy (--school, --seed, --iterations and --episodes for a smaller training, --override-reason puts
 * the policy live over its gate), nightly-retrain (--at; --school limits the fan-out to one school; it enqueues retrain jobs
 * for the worker and trains nothing itself), fairness-audit and privacy-audit (--school, --version:
 * default the active version), weekly-audits (--at; --school limits the fan-out). On the embedded database --school
 * defaults to the demo school.
 *
 * While `npm start` holds the embedded data folder, retrain (--seed), promote-model, rollback-model and the audits
 * go through that server's API instead (job-via-server.ts); the others say to stop the server first.
 * Exit codes: 0 succeeded, 1 failed, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config/config.js";
import { createLogger } from "../shared/logger.js";
import { openDatabase, migrate, Database } from "../persistence/database.js";
import { DataDirLockedError, lockHolder } from "../persistence/data-dir-lock.js";
import { createServices, Services } from "../services/index.js";
import { KeyringError, openKeyring } from "../services/keys/keyring.js";
import { uuidv7 } from "../shared/ids.js";
import { resolveProfileKeys, serverJwtSecret } from "../config/embedded-secrets.js";
import { serviceDepsFromConfig } from "../service-deps-from-config.js";
import { jobSettingsFromConfig } from "../job-settings-from-config.js";
import { parseArgs } from "./args.js";
import { progressBar } from "./progress-bar.js";
import { NotThroughApiError, runThroughServer, ServerRefusedError } from "./job-via-server.js";
import { readDemoInfo } from "../demo-info.js";
import { JOBS, jobByName, PayloadError } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";

const USAGE = `usage: npm run job -- <name> [--school <id>] [--version <id>] [--override-reason <text>] [--seed N] [--cutoff <ISO instant>] [--kind <model>] [--at <ISO instant>] [--iterations N] [--episodes N]
--school defaults to the embedded demo school. While npm start runs on the embedded folder, retrain (--seed only),
promote-model, rollback-model (no --version), fairness-audit and privacy-audit are sent to that server and followed; the other jobs need it stopped.
jobs:
${JOBS.map((j) => `  ${j.name.padEnd(16)} ${j.description}`).join("\n")}`;

class UsageError extends Error {}

/** The jobs across schools: the cron fan-outs, which enqueue other jobs, and retention (--school limits them to one). */
const FAN_OUTS = new Set(["nightly-retrain", "weekly-audits", "retention"]);

const OPTIONS: Record<string, readonly string[]> = {
  retrain: ["school", "seed", "cutoff", "kind"],
  "rebuild-states": ["school"],
  "nightly-retrain": ["at", "school"],
  "promote-model": ["school", "version", "override-reason"],
  "fairness-audit": ["school", "version"],
  "privacy-audit": ["school", "version"],
  "weekly-audits": ["at", "school"],
  "rollback-model": ["school", "version"],
  retention: ["at", "school"],
  "train-policy": ["school", "seed", "iterations", "episodes", "override-reason"],
};

function payloadFor(name: string, args: Map<string, string | true>): Record<string, unknown> {
  const allowed = OPTIONS[name] ?? [];
  for (const k of args.keys())
    if (!allowed.includes(k))
      throw new UsageError(`${name} takes no --${k} (it takes ${allowed.map((a) => `--${a}`).join(", ") || "no options"})`);
  const str = (k: string) => {
    const v = args.get(k);
    if (v === true) throw new UsageError(`--${k} needs a value`);
    return v;
  };
  const out: Record<string, unknown> = {};
  if (!FAN_OUTS.has(name) && str("school") !== undefined) out.schoolId = str("school");
  if (str("seed") !== undefined) {
    if (!/^\d+$/.test(str("seed")!)) throw new UsageError(`--seed must be a non-negative integer`);
    out.seed = Number(str("seed"));
  }
  for (const [flag, key] of [
    ["cutoff", "cutoff"],
    ["kind", "kind"],
    ["at", "at"],
    ["version", "versionId"],
  ] as const)
    if (str(flag) !== undefined) out[key] = str(flag);
  for (const k of ["iterations", "episodes"] as const) {
    if (str(k) === undefined) continue;
    if (!/^\d+$/.test(str(k)!)) throw new UsageError(`--${k} must be a positive integer`);
    out[k] = Number(str(k));
  }
  // train-policy: the policy goes live over its gate, the reason in its notes (docs/policy.md).
  if (name === "train-policy" && str("override-reason") !== undefined) out.overrideReason = str("override-reason")!.trim();
  // An admin's promotion over the gates' refusal: the reason is stored with the version (docs/model-lifecycle.md).
  else if (str("override-reason") !== undefined)
    out.override = { reason: str("override-reason")!.trim(), by: "job-cli", at: new Date().toISOString() };
  return out;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name.startsWith("--")) throw new UsageError(name === "--help" ? "" : "name the job to run");
  const def = jobByName(name);
  if (!def) throw new UsageError(`unknown job "${name}"`);
  let args: Map<string, string | true>;
  try {
    args = parseArgs(rest);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const payload = payloadFor(name, args);
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  // On the embedded database the school defaults to the demo school.
  const demoSchoolId = config.databaseUrl ? undefined : readDemoInfo(config.dataDir)?.schoolId;
  if (!FAN_OUTS.has(name) && payload.schoolId === undefined && demoSchoolId) payload.schoolId = demoSchoolId;
  try {
    def.parse(payload);
  } catch (e) {
    if (e instanceof PayloadError) throw new UsageError(e.message);
    throw e;
  }
  // The embedded folder is held by a running server (npm start): the job goes through its API.
  const serverPid = config.databaseUrl ? null : lockHolder(config.dataDir);
  if (serverPid !== null) {
    try {
      return await runThroughServer({
        dataDir: config.dataDir,
        secret: serverJwtSecret(config),
        serverPid,
        name,
        payload,
        schoolId: payload.schoolId as string,
      });
    } catch (e) {
      if (!(e instanceof NotThroughApiError)) throw e;
      process.stderr.write(
        `zpd job: the data folder ${config.dataDir} is in use by the server (pid ${serverPid}), and ${e.message}.\nStop the server (Ctrl-C where npm start runs), then run: npm run job -- ${argv.join(" ")}\n`,
      );
      return 1;
    }
  }
  // The outcome goes to stdout and the progress bar to stderr; logs (JSON, stdout) only when LOG_LEVEL asks for them.
  const logger = createLogger(process.env.LOG_LEVEL ? config.logLevel : "silent");
  let db: Database | undefined;
  let services: Services | undefined;
  try {
    db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir, thread: config.pgliteThread });
    await migrate(db.dataSource);
    const keys = resolveProfileKeys(config);
    const { cipher } = await openKeyring(db.dataSource, keys);
    services = createServices(serviceDepsFromConfig(config, { dataSource: db.dataSource, cipher, keys, logger }));
    const school = args.get("school");
    const settings = {
      ...jobSettingsFromConfig(config),
      ...(FAN_OUTS.has(name) && typeof school === "string" ? { schoolIds: [school] } : {}),
    };
    const id = uuidv7();
    const bar = progressBar(name);
    const ac = new AbortController();
    const onSignal = () => ac.abort(new Error("interrupted"));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const out = await executeJob(def, payload, {
      id,
      attempt: 1,
      retryLimit: 0,
      services,
      logger,
      settings,
      signal: ac.signal,
      onProgress: (f, m) => bar.update(f, m),
      progressIntervalMs: 2_000,
    });
    bar.done();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (out.status === "completed") {
      process.stdout.write(`${name} ${id}: ${out.message}\n`);
      return 0;
    }
    process.stderr.write(`zpd job: ${name} ${id} failed: ${out.error ?? out.message}\n`);
    return 1;
  } finally {
    await services?.recommendationLog.close();
    await services?.jobs.close().catch(() => {});
    await db?.close().catch(() => {});
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `zpd job: ${e.message}\n` : ""}${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof KeyringError)
      process.stderr.write(`zpd job: ${e.message}\n`);
    else if (e instanceof ServerRefusedError) process.stderr.write(`zpd job: the server refused: ${e.message}\n`);
    else process.stderr.write(`zpd job: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
