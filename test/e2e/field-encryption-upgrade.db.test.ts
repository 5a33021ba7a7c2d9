/**
 * The upgrade from the previous version's storage (migration FieldEncryption1764510000000): plain-text
 * interests, attribute values, goal titles and teachers' names, and profiles under the previous cipher
 * (nonce | tag | body, no associated data, no key id). The migration cannot encrypt; the server's start
 * checks its key against those profiles, re-encrypts everything in the background while the values stay
 * readable, and from then on refuses the old formats. PGlite, or a scratch database on DATABASE_URL.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { randomUUID } from "node:crypto";
import { openScratchDatabase, type ScratchDatabase } from "../support/scratch-database.js";
import { expectedPersonalData, readPersonalWorld, servicesWith, type PersonalWorld } from "../support/personal-world.js";
import { FieldEncryption1764510000000 } from "../../migrations/1764510000000-field-encryption.js";
import { openKeyring, KeyringError } from "../../src/services/keys/keyring.js";
import { keyIdOf, LEGACY_KEY_ID } from "../../src/persistence/crypto/field-cipher.js";
import { readKeyRows } from "../../src/persistence/crypto/key-registry.js";
import { ENCRYPTED_COLUMNS } from "../../src/persistence/crypto/encrypted-columns.js";
import { Role } from "../../src/services/auth/actor.js";
import { loadConfig } from "../../src/config/config.js";
import { startApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/shared/logger.js";

const KEY = randomBytes(32);
let scratch: ScratchDatabase;
let app: App | undefined;
afterAll(async () => {
  await app?.stop().catch(() => {});
  await scratch?.close().catch(() => {});
});

/** The previous version's profile cipher, from its documented layout: nonce (12) | tag (16) | body, no associated data. */
function previousCipher(plain: string): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", KEY, nonce);
  const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return Buffer.concat([nonce, c.getAuthTag(), body]);
}

test("a database of the previous version is upgraded: checked against its key, re-encrypted while readable, old formats refused after", async () => {
  scratch = await openScratchDatabase("upgrade");
  const ds = scratch.db.dataSource;
  const migration = new FieldEncryption1764510000000();
  const runner = ds.createQueryRunner();
  const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
  await migration.down(runner);

  // The previous version's rows, as it wrote them (the names follow support/personal-world.ts).
  const schoolId = randomUUID();
  const world: PersonalWorld = {
    actor: { schoolId, role: Role.Admin, subject: "test" },
    learnerIds: [randomUUID(), randomUUID(), randomUUID()],
    goalIds: [randomUUID(), randomUUID(), randomUUID()],
    teacherId: randomUUID(),
  };
  const expected = expectedPersonalData(world);
  const idle = randomUUID(); // a learner with no interests and no profile
  await q(`INSERT INTO school (id, name) VALUES ($1, 'Upgraded school')`, [schoolId]);
  await q(`INSERT INTO teacher (id, school_id, display_name) VALUES ($1, $2, $3)`, [world.teacherId, schoolId, expected.teacher]);
  await q(`INSERT INTO learner (id, school_id) VALUES ($1, $2)`, [idle, schoolId]);
  for (const [i, l] of expected.learners.entries()) {
    await q(`INSERT INTO learner (id, school_id, interests) VALUES ($1, $2, $3::text[])`, [l.id, schoolId, l.interests]);
    await q(`INSERT INTO learner_profile (learner_id, school_id, display_name_enc, email_enc, updated_at) VALUES ($1, $2, $3, $4, now())`, [
      l.id,
      schoolId,
      previousCipher(l.displayName!),
      previousCipher(l.email!),
    ]);
    for (const a of l.attributes) {
      const [name, value] = a.split("=");
      await q(`INSERT INTO learner_attribute (id, school_id, learner_id, name, value) VALUES ($1, $2, $3, $4, $5)`, [
        randomUUID(),
        schoolId,
        l.id,
        name,
        value,
      ]);
    }
    await q(`INSERT INTO goal (id, school_id, learner_id, title) VALUES ($1, $2, $3, $4)`, [world.goalIds[i], schoolId, l.id, l.goal]);
  }

  await migration.up(runner);
  // SQL holds no key: plain values became version 0, the profiles version 1, an empty list no value.
  const firstBytes = async (table: string, column: string) =>
    (await q(`SELECT DISTINCT get_byte(${column}, 0) AS v FROM ${table} WHERE ${column} IS NOT NULL`)).map((r: { v: number }) => r.v);
  expect(await firstBytes("teacher", "display_name_enc")).toEqual([0]);
  expect(await firstBytes("goal", "title_enc")).toEqual([0]);
  expect(await firstBytes("learner_attribute", "value_enc")).toEqual([0]);
  expect(await firstBytes("learner", "interests_enc")).toEqual([0]);
  expect(await firstBytes("learner_profile", "email_enc")).toEqual([1]);
  expect((await q(`SELECT interests_enc FROM learner WHERE id = $1`, [idle]))[0].interests_enc).toBeNull();
  await runner.release();

  // A key other than the one the previous version ran with is refused at start.
  await expect(openKeyring(ds, { current: randomBytes(32) })).rejects.toThrow(KeyringError);
  await expect(openKeyring(ds, { current: randomBytes(32) })).rejects.toThrow(
    /does not decrypt the learner profiles written by the previous version/,
  );

  // The right key reads everything as it was, before anything is re-encrypted.
  const before = await openKeyring(ds, { current: KEY });
  expect(before.status.legacyPending).toBe(true);
  expect(await readPersonalWorld(servicesWith(ds, before.cipher), world)).toEqual(expected);

  const config = loadConfig({
    ZPD_JWT_SECRET: randomBytes(48).toString("base64"),
    ZPD_PROFILE_KEY: KEY.toString("base64"),
    LOG_LEVEL: "silent",
  });
  app = await startApp(config, { opened: Promise.resolve(scratch.db), logger: createLogger("silent") });
  const rewritten = await app.keyUpgrade!.done;
  // 1 teacher; per learner: name, e-mail, interests, 2 attributes, a goal title.
  expect(Object.fromEntries(rewritten!)).toEqual({
    "learner_profile.display_name_enc": 3,
    "learner_profile.email_enc": 3,
    "learner.interests_enc": 3,
    "learner_attribute.value_enc": 6,
    "goal.title_enc": 3,
    "teacher.display_name_enc": 1,
  });
  for (const c of ENCRYPTED_COLUMNS) {
    const rows: { v: number; k: string }[] = await ds.query(
      `SELECT DISTINCT get_byte(${c.column}, 0) AS v, encode(substring(${c.column} from 2 for 4), 'hex') AS k FROM ${c.table} WHERE ${c.column} IS NOT NULL`,
    );
    // The previous version had no LRS: its tables are empty.
    expect(rows).toEqual(c.table.startsWith("xapi_") ? [] : [{ v: 2, k: keyIdOf(KEY) }]);
  }
  expect((await readKeyRows(ds.manager)).find((r) => r.keyId === LEGACY_KEY_ID)?.retiredAt).toBeInstanceOf(Date);
  expect(await readPersonalWorld(app.services, world)).toEqual(expected);

  // From now on a value in an old format (written into the database behind the server's back) is refused.
  await ds.query(`UPDATE teacher SET display_name_enc = decode('00', 'hex') || convert_to('Mallory', 'UTF8') WHERE id = $1`, [
    world.teacherId,
  ]);
  await expect(app.services.schools.teacher(world.actor, world.teacherId)).rejects.toThrow(/pre-encryption format/);
  // And the migration cannot be undone any more: SQL cannot decrypt.
  const undo = ds.createQueryRunner();
  await expect(migration.down(undo)).rejects.toThrow(
    /cannot undo FieldEncryption: learner_attribute\.value_enc holds 6 re-encrypted values/,
  );
  await undo.release();
}, 120_000);
