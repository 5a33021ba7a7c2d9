/**
 * The embedded database's generated secrets, kept in its data folder. A module of their own (not
 * app.ts) so that `npm run token` reads the JWT secret without loading the whole application.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Config } from "./config.js";

/**
 * The profile key: configured (ZPD_PROFILE_KEY), or for the embedded database generated once into
 * the data folder so that a restart can still read what it wrote.
 */
export function resolveProfileKey(config: Config): Buffer {
  if (config.profileKey) return config.profileKey;
  if (config.databaseUrl) throw new Error("invalid configuration: ZPD_PROFILE_KEY: is required when DATABASE_URL is set");
  const file = path.join(config.dataDir, "profile.key");
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600 });
  return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
}

/** The JWT secret for the embedded demo when none is configured: generated once into the data folder. */
export function embeddedJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, "jwt.secret");
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  return fs.readFileSync(file, "utf8").trim();
}
