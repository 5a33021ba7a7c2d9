/**
 * `npm run keys:rotate [-- --batch <rows>]`: re-encrypts every personal value under the current key,
 * then says which older keys hold no value any more and may be dropped (docs/operations.md, "Personal
 * data at rest"). Batches of rows, each its own transaction, every value readable throughout; run again
 * after an interruption, it resumes (values already under the current key are skipped).
 *
 * - Keys from the environment (ZPD_PROFILE_KEY, ZPD_PROFILE_KEYS_OLD; always on PostgreSQL): the new key is
 *   the operator's — set it as ZPD_PROFILE_KEY and the previous one in ZPD_PROFILE_KEYS_OLD on every server
 *   and worker, restart them, then run this. The servers keep serving meanwhile.
 * - Embedded key files (ZPD_KEY_DIR, default the data folder): this generates the new key itself, the
 *   previous one moving to profile.keys.old, unless a rotation is unfinished (then it finishes that one).
 *   PGlite is one process: the server must be stopped while this runs.
 *
 * Exit codes: 0 done (also: nothing to do), 1 failed or values left under an older key, 2 bad usage.
 */
import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "../config/config.js";
import { resolveProfileKeys, rotateKeyFiles } from "../config/embedded-secrets.js";
import { openDatabase, migrate, type Database } from "../persistence/database.js";
import { DataDirLockedError, lockHolder } from "../persistence/data-dir-lock.js";
import { LEGACY_KEY_ID } from "../persistence/crypto/field-cipher.js";
import { countValuesUnder } from "../persistence/crypto/key-registry.js";
import { KeyringError, openKeyring } from "../services/keys/keyring.js";
import { finishRotation, reencryptAll } from "../services/keys/reencryption.js";
import { parseArgs } from "./args.js";
import { progressBar } from "./progress-bar.js";

const USAGE = "usage: npm run keys:rotate [-- --batch <rows per transaction, default 500>]";
class UsageError extends Error {}
const say = (line: string) => process.stdout.write(`${line}\n`);

async function run(argv: string[]): Promise<number> {
  let args: Map<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const k of args.keys()) if (k !== "batch") throw new UsageError(k === "help" ? "" : `unknown option --${k}`);
  const batch = args.get("batch");
  if (batch !== undefined && (batch === true || !/^[1-9]\d{0,5}$/.test(batch))) throw new UsageError("--batch must be a positive integer");
  const config = loadConfig(process.env, { uses: { jwtSecret: false } });
  const embeddedFiles = !config.profileKey && !config.databaseUrl;
  if (!config.databaseUrl) {
    const pid = lockHolder(config.dataDir);
    if (pid !== null) {
      process.stderr.write(
        `zpd keys: the data folder ${config.dataDir} is in use by the server (pid ${pid}); the embedded database has one process.\n` +
          "Stop the server (Ctrl-C where npm start runs), run npm run keys:rotate, then start it again.\n",
      );
      return 1;
    }
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: 2 } : { dataDir: config.dataDir });
    await migrate(db.dataSource);
    return await rotate(db, config, embeddedFiles, batch === undefined ? undefined : Number(batch));
  } finally {
    await db?.close().catch(() => {});
  }
}

async function rotate(db: Database, config: Config, embeddedFiles: boolean, batchSize: number | undefined): Promise<number> {
  let { cipher, status } = await openKeyring(db.dataSource, resolveProfileKeys(config));
  const pending = status.legacyPending || status.oldKeyIds.length > 0;
  if (!pending && embeddedFiles) {
    rotateKeyFiles(config.keyDir);
    ({ cipher, status } = await openKeyring(db.dataSource, resolveProfileKeys(config)));
    say(`a new key ${cipher.currentKeyId} is now current (${cipher.source.current}); the previous one moved to ${cipher.source.old}`);
  } else if (!pending) {
    say(
      `every value is under the current key ${cipher.currentKeyId}: nothing to rotate.\n` +
        "To rotate: set ZPD_PROFILE_KEY to a new key (openssl rand -base64 32) and ZPD_PROFILE_KEYS_OLD to the previous one on every server and worker, restart them, then run this again.",
    );
    return 0;
  } else say(`finishing the rotation to key ${cipher.currentKeyId}`);

  const t0 = Date.now();
  const older = [...status.oldKeyIds, ...(status.legacyPending ? [LEGACY_KEY_ID] : [])];
  let total = 0;
  for (const keyId of older) for (const n of (await countValuesUnder(db.dataSource.manager, keyId)).values()) total += n;
  const bar = progressBar("re-encrypting");
  const done = new Map<string, number>();
  const rewritten = await reencryptAll(db.dataSource, cipher, {
    batchSize,
    onBatch: (table, n) => {
      done.set(table, n);
      const sum = [...done.values()].reduce((a, b) => a + b, 0);
      bar.update(total ? sum / total : 1, `${table}: ${n}`);
    },
  });
  bar.done();
  const count = [...rewritten.values()].reduce((a, b) => a + b, 0);
  const per = [...rewritten].map(([col, n]) => `${col} ${n}`).join(", ");
  say(
    `re-encrypted ${count} values under key ${cipher.currentKeyId} in ${((Date.now() - t0) / 1000).toFixed(1)} s${per ? ` (${per})` : ""}`,
  );

  const { retired, remaining } = await finishRotation(db.dataSource, cipher);
  const since = new Date().toISOString();
  for (const keyId of retired) {
    if (keyId === LEGACY_KEY_ID) say("no value is left in the formats of the previous version: they are refused from now on");
    else
      say(
        `key ${keyId} holds no value any more (retired): remove it from ${cipher.source.old} — but keep a copy for as long as you keep backups made before ${since}, which need it`,
      );
  }
  for (const [keyId, left] of remaining)
    say(
      `key ${keyId} still holds ${[...left.values()].reduce((a, b) => a + b, 0)} values, written meanwhile by a process whose current key is still ${keyId}: ` +
        "restart every server and worker with the new key, then run this again",
    );
  return remaining.size > 0 ? 1 : 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message ? `zpd keys: ${e.message}\n` : ""}${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof KeyringError)
      process.stderr.write(`zpd keys: ${e.message}\n`);
    else process.stderr.write(`zpd keys: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
