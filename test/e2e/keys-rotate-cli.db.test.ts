/**
 * `npm run keys:rotate` as an operator runs it (the compiled command, spawned): on the embedded database
 * with key files in a folder of their own (ZPD_KEY_DIR) it makes the new key itself and moves the old one
 * aside; with the keys in the environment (PostgreSQL's way; a database of its own on DATABASE_URL, else
 * an embedded folder) the operator brings the new key. Either way every value ends under the new key,
 * the old key is retired and can be dropped, and the output says so.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { buildDist, runCli } from "../support/compiled-cli.js";
import { createServerDatabase } from "../support/scratch-database.js";
import {
  createPersonalWorld,
  expectedPersonalData,
  readPersonalWorld,
  servicesWith,
  type PersonalWorld,
} from "../support/personal-world.js";
import { openDatabase, migrate, type Database } from "../../src/persistence/database.js";
import { loadConfig } from "../../src/config/config.js";
import { keyFiles, resolveProfileKeys } from "../../src/config/embedded-secrets.js";
import { ENCRYPTED_COLUMNS } from "../../src/persistence/crypto/encrypted-columns.js";
import { openKeyring } from "../../src/services/keys/keyring.js";
import { finishRotation } from "../../src/services/keys/reencryption.js";
import { keyIdOf, type KeyMaterial } from "../../src/persistence/crypto/field-cipher.js";
import { countValuesUnder } from "../../src/persistence/crypto/key-registry.js";

const SECRET = randomBytes(32).toString("base64url");
const VALUES = 5 + 3 * 6; // the world: a teacher, 4 of the LRS; per learner a name, an e-mail, interests, 2 attributes, a goal title
const cleanup: (() => Promise<void>)[] = [];
const tempDir = (label: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zpd-${label}-`));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

beforeAll(() => buildDist(), 240_000);
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

type Where = { url?: string; dataDir?: string };

/** Opens the database (migrated), runs `body`, closes it. */
async function withDatabase<T>(where: Where, body: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(where.url ? { url: where.url, poolSize: 2 } : { dataDir: where.dataDir });
  try {
    await migrate(db.dataSource);
    return await body(db);
  } finally {
    await db.close();
  }
}

/** A world written under `keys`, as a server would (the empty upgrade finished first). */
async function writeWorld(where: Where, keys: KeyMaterial): Promise<PersonalWorld> {
  return withDatabase(where, async (db) => {
    const { cipher } = await openKeyring(db.dataSource, keys);
    await finishRotation(db.dataSource, cipher, { legacyOnly: true });
    return createPersonalWorld(servicesWith(db.dataSource, cipher));
  });
}

/** What the services read under `keys` (checked first, as at a start), and how many columns hold values under its current key. */
async function readWorld(where: Where, keys: KeyMaterial, w: PersonalWorld) {
  return withDatabase(where, async (db) => {
    const { cipher } = await openKeyring(db.dataSource, keys);
    const data = await readPersonalWorld(servicesWith(db.dataSource, cipher), w);
    return { data, columnsUnderCurrent: (await countValuesUnder(db.dataSource.manager, keyIdOf(keys.current))).size };
  });
}

test("embedded, key files apart from the data: the command makes a new key, re-encrypts, retires the old one; refused while a server holds the folder", async () => {
  const dataDir = tempDir("keys-data");
  const keyDir = tempDir("keys-keys");
  const env = { ZPD_DATA_DIR: dataDir, ZPD_KEY_DIR: keyDir, ZPD_JWT_SECRET: SECRET };
  const config = loadConfig(env);
  const first = resolveProfileKeys(config);
  expect(first.source.current).toBe(path.join(keyDir, "profile.key"));
  expect(fs.existsSync(path.join(dataDir, "profile.key"))).toBe(false);
  const world = await writeWorld({ dataDir }, first);

  const r = await runCli("src/cli/keys-rotate.js", [], env);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  const after = resolveProfileKeys(config);
  const [oldId, newId] = [keyIdOf(first.current), keyIdOf(after.current)];
  expect(newId).not.toBe(oldId);
  expect(after.old.map((k) => k.toString("base64"))).toEqual([first.current.toString("base64")]);
  expect(r.stdout).toContain(`a new key ${newId} is now current`);
  expect(r.stdout).toContain(`re-encrypted ${VALUES} values under key ${newId}`);
  expect(r.stdout).toContain(`key ${oldId} holds no value any more (retired): remove it from ${keyFiles(keyDir).old}`);

  // The old key's file can go: the new key alone reads everything.
  fs.rmSync(keyFiles(keyDir).old);
  const back = await readWorld({ dataDir }, resolveProfileKeys(config), world);
  expect(back.data).toEqual(expectedPersonalData(world));

  // A running server holds the folder: the command refuses and says what to do.
  const db = await openDatabase({ dataDir });
  try {
    const refused = await runCli("src/cli/keys-rotate.js", [], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is in use by the server .*\nStop the server/);
  } finally {
    await db.close();
  }
  expect((await runCli("src/cli/keys-rotate.js", ["--batch", "0"], env)).code).toBe(2);
}, 240_000);

test("keys in the environment: nothing to do until the operator brings a new key; then every value moves and the old key may go", async () => {
  const K1 = randomBytes(32).toString("base64");
  const K2 = randomBytes(32).toString("base64");
  let where: Where;
  if (process.env.DATABASE_URL) {
    const scratch = await createServerDatabase(process.env.DATABASE_URL, "keys_cli");
    cleanup.push(() => scratch.drop());
    where = { url: scratch.url };
  } else where = { dataDir: tempDir("keys-env") };
  const env = { ZPD_JWT_SECRET: SECRET, ...(where.url ? { DATABASE_URL: where.url } : { ZPD_DATA_DIR: where.dataDir! }) };
  const world = await writeWorld(where, { current: Buffer.from(K1, "base64") });

  const idle = await runCli("src/cli/keys-rotate.js", [], { ...env, ZPD_PROFILE_KEY: K1 });
  expect(idle.code).toBe(0);
  expect(idle.stdout).toContain(`every value is under the current key ${keyIdOf(Buffer.from(K1, "base64"))}: nothing to rotate`);

  const rotated = await runCli("src/cli/keys-rotate.js", ["--batch", "4"], { ...env, ZPD_PROFILE_KEY: K2, ZPD_PROFILE_KEYS_OLD: K1 });
  expect(rotated.code).toBe(0);
  const [id1, id2] = [K1, K2].map((k) => keyIdOf(Buffer.from(k, "base64")));
  expect(rotated.stdout).toContain(`re-encrypted ${VALUES} values under key ${id2}`);
  expect(rotated.stdout).toContain(`key ${id1} holds no value any more (retired): remove it from ZPD_PROFILE_KEYS_OLD`);

  const stale = await runCli("src/cli/keys-rotate.js", [], { ...env, ZPD_PROFILE_KEY: K1 });
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain(`holds values under key ${id2}, which is neither ZPD_PROFILE_KEY (key ${id1})`);

  const back = await readWorld(where, { current: Buffer.from(K2, "base64") }, world);
  expect(back.data).toEqual(expectedPersonalData(world));
  expect(back.columnsUnderCurrent).toBe(ENCRYPTED_COLUMNS.length); // every encrypted column holds values under the new key
}, 240_000);
