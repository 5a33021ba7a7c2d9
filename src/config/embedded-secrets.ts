/**
 * The embedded database's generated secrets: the JWT secret in its data folder, the personal-data keys
 * in ZPD_KEY_DIR (default the data folder; docs/operations.md, "Personal data at rest"). A module of their
 * own (not app.ts) so that `npm run token` reads the JWT secret without loading the whole application.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { type Config, ConfigError, secretRequiredBecause } from "./config.js";

/** The personal-data keyring's keys and where they came from (persistence/crypto/field-cipher.ts's KeyMaterial). */
export interface ProfileKeys {
  readonly current: Buffer;
  readonly old: readonly Buffer[];
  readonly source: { readonly current: string; readonly old: string };
}

/** The embedded database's key files in `keyDir`: the current key, and the older keys (one base64 key a line). */
export function keyFiles(keyDir: string): { current: string; old: string } {
  return { current: path.join(keyDir, "profile.key"), old: path.join(keyDir, "profile.keys.old") };
}

/**
 * The personal-data keys: configured (ZPD_PROFILE_KEY, ZPD_PROFILE_KEYS_OLD), or for the embedded
 * database read from the key files in ZPD_KEY_DIR (default the data folder), the current one generated
 * on the first start so that a restart can read what it wrote.
 */
export function resolveProfileKeys(config: Config): ProfileKeys {
  if (config.profileKey)
    return { current: config.profileKey, old: config.profileKeysOld, source: { current: "ZPD_PROFILE_KEY", old: "ZPD_PROFILE_KEYS_OLD" } };
  const required = secretRequiredBecause(config);
  if (required) throw new ConfigError("ZPD_PROFILE_KEY", required); // loadConfig refuses it first, unless told the key is unused
  const files = keyFiles(config.keyDir);
  fs.mkdirSync(config.keyDir, { recursive: true });
  if (!fs.existsSync(files.current)) writeAtomically(files.current, randomBytes(32).toString("base64"));
  return {
    current: readKey(files.current, fs.readFileSync(files.current, "utf8").trim()),
    old: fs.existsSync(files.old) ? readKeyLines(files.old) : [],
    source: { current: files.current, old: files.old },
  };
}

/**
 * Embedded rotation: a new current key; the previous one joins the older keys. The older keys' file is
 * written first, so a crash between the two writes leaves the previous key both current and old.
 */
export function rotateKeyFiles(keyDir: string): void {
  const files = keyFiles(keyDir);
  const previous = fs.readFileSync(files.current, "utf8").trim();
  const old = fs.existsSync(files.old)
    ? fs
        .readFileSync(files.old, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
  writeAtomically(files.old, `${[...new Set([...old, previous])].join("\n")}\n`);
  writeAtomically(files.current, randomBytes(32).toString("base64"));
}

function readKeyLines(file: string): Buffer[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => readKey(file, l));
}

function readKey(file: string, base64: string): Buffer {
  const key = Buffer.from(base64, "base64");
  if (key.length !== 32) throw new ConfigError("ZPD_KEY_DIR", `${file} must hold 32-byte keys in base64`);
  return key;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The secret a running server verifies tokens with, for the commands that send it a request under an
 * admin token (`npm run job`, `erase`, `report` while `npm start` holds the folder): ZPD_JWT_SECRET when
 * it is set, else the data folder's generated one.
 */
export function serverJwtSecret(config: Pick<Config, "jwtSecretGenerated" | "jwtSecret" | "dataDir" | "databaseUrl" | "nodeEnv">): string {
  if (!config.jwtSecretGenerated) return config.jwtSecret;
  // In production the server verifies with the configured secret only: a generated one would sign tokens it refuses.
  const required = secretRequiredBecause(config);
  if (required) throw new ConfigError("ZPD_JWT_SECRET", `${required} (give this command the server's)`);
  return embeddedJwtSecret(config.dataDir);
}

/** The JWT secret for the embedded demo when none is configured: generated once into the data folder. */
export function embeddedJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, "jwt.secret");
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  return fs.readFileSync(file, "utf8").trim();
}
