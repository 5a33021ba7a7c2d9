/**
 * Keys of the personal data at rest (docs/operations.md, "Personal data at rest"): each value bound to its
 * row and column (a value swapped between rows fails), the key check before serving (a wrong key stops
 * the start with a message naming the keys), and a rotation — values readable in every batch of it,
 * interrupted and resumed, idempotent — after which the old key can be dropped. PGlite, or a scratch
 * database of its own on DATABASE_URL (the keys here differ from the other test files' key).
 */
import { randomBytes } from "node:crypto";
import { openScratchDatabase, type ScratchDatabase } from "../support/scratch-database.js";
import {
  createPersonalWorld,
  expectedPersonalData,
  readPersonalWorld,
  servicesWith,
  type PersonalWorld,
} from "../support/personal-world.js";
import { openKeyring, KeyringError } from "../../src/services/keys/keyring.js";
import { finishRotation, reencryptAll } from "../../src/services/keys/reencryption.js";
import { FieldDecryptError, keyIdOf } from "../../src/persistence/crypto/field-cipher.js";
import { countValuesUnder, readKeyRows } from "../../src/persistence/crypto/key-registry.js";
import { ENCRYPTED_COLUMNS } from "../../src/persistence/crypto/encrypted-columns.js";
import { loadConfig } from "../../src/config/config.js";
import { startApp } from "../../src/app.js";
import { createLogger } from "../../src/shared/logger.js";
import type { DataSource } from "typeorm";

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const [ID1, ID2] = [keyIdOf(K1), keyIdOf(K2)];
let scratch: ScratchDatabase;
let ds: DataSource;
let world: PersonalWorld;

beforeAll(async () => {
  scratch = await openScratchDatabase("keys");
  ds = scratch.db.dataSource;
  const { cipher } = await openKeyring(ds, { current: K1 });
  // As a server's start does: the (empty) upgrade from the pre-encryption formats is finished first.
  await finishRotation(ds, cipher, { legacyOnly: true });
  world = await createPersonalWorld(servicesWith(ds, cipher));
}, 120_000);
afterAll(async () => {
  await scratch?.close().catch(() => {});
});

/** Values under a key, over every encrypted column. */
const valuesUnder = async (keyId: string) => [...(await countValuesUnder(ds.manager, keyId)).values()].reduce((a, b) => a + b, 0);
/** Every value the world holds: 1 teacher, 4 of the LRS (statement, attachment, document, index key); per learner name, e-mail, interests, 2 attributes, a goal title. */
const worldValues = () => 5 + world.learnerIds.length * 6;

test("every personal value is stored under the key, bound to its row: a value swapped between two rows fails to decrypt", async () => {
  expect(await valuesUnder(ID1)).toBe(worldValues());
  const { cipher } = await openKeyring(ds, { current: K1 });
  const services = servicesWith(ds, cipher);
  expect(await readPersonalWorld(services, world)).toEqual(expectedPersonalData(world));
  const [g1, g2] = world.goalIds as [string, string];
  const swap = `UPDATE goal SET title_enc = CASE id WHEN $1::uuid THEN (SELECT title_enc FROM goal WHERE id = $2::uuid)
                                               ELSE (SELECT title_enc FROM goal WHERE id = $1::uuid) END WHERE id IN ($1::uuid, $2::uuid)`;
  await ds.query(swap, [g1, g2]);
  await expect(services.goals.get(world.actor, g1)).rejects.toThrow(FieldDecryptError);
  await expect(services.goals.get(world.actor, g2)).rejects.toThrow(/tag does not match/);
  await ds.query(swap, [g1, g2]);
  expect((await services.goals.get(world.actor, g1)).title).toBe("Zélie's goal 0");
  // Between columns of one row: the display name where the e-mail was.
  const [l1] = world.learnerIds as [string];
  await ds.query(`UPDATE learner_profile SET email_enc = display_name_enc WHERE learner_id = $1`, [l1]);
  await expect(services.learners.profiles(world.actor, [l1])).rejects.toThrow(/learner_profile\.email_enc/);
  // Between two learners' attributes of the same name: bound to (learner, name), not to the row id alone.
  const [a, b] = world.learnerIds as [string, string];
  await ds.query(
    `UPDATE learner_attribute SET value_enc = (SELECT value_enc FROM learner_attribute WHERE learner_id = $2 AND name = 'gender')
     WHERE learner_id = $1 AND name = 'gender'`,
    [a, b],
  );
  await expect(services.learnerAttributes.list(world.actor, a, {})).rejects.toThrow(FieldDecryptError);
  // Put the world back as it was written.
  await services.learners.update(world.actor, l1, { profile: { email: "zelie.0@example.invalid" } });
  await services.learnerAttributes.set(world.actor, a, "gender", "boy");
  expect(await readPersonalWorld(services, world)).toEqual(expectedPersonalData(world));
});

test("a wrong key is refused before serving, with a message naming the keys; nothing is registered for it", async () => {
  const wrong = randomBytes(32);
  const refusal = openKeyring(ds, { current: wrong, source: { current: "ZPD_PROFILE_KEY", old: "ZPD_PROFILE_KEYS_OLD" } });
  await expect(refusal).rejects.toThrow(KeyringError);
  await expect(refusal).rejects.toThrow(
    new RegExp(
      `holds values under key ${ID1}, which is neither ZPD_PROFILE_KEY \\(key ${keyIdOf(wrong)}\\) nor one of ZPD_PROFILE_KEYS_OLD`,
    ),
  );
  // Nothing was registered for the refused key.
  expect((await readKeyRows(ds.manager)).map((r) => r.keyId)).not.toContain(keyIdOf(wrong));
});

test("a rotation re-encrypts in batches, every value readable in each; interrupted, it resumes; run again, it does nothing", async () => {
  const { cipher, status } = await openKeyring(ds, { current: K2, old: [K1] });
  expect(status.oldKeyIds).toEqual([ID1]);
  const services = servicesWith(ds, cipher);
  const expected = expectedPersonalData(world);
  const stop = new AbortController();
  let batches = 0;
  const first = reencryptAll(ds, cipher, {
    batchSize: 2,
    signal: stop.signal,
    onBatch: () => {
      if (++batches === 3) stop.abort(new Error("interrupted"));
    },
  });
  await expect(first).rejects.toThrow("interrupted");
  const moved = await valuesUnder(ID2);
  expect(moved).toBeGreaterThan(0);
  expect(moved).toBeLessThan(worldValues());
  expect(await valuesUnder(ID1)).toBe(worldValues() - moved);
  // Half-way, through a keyring holding both keys, everything reads as written.
  expect(await readPersonalWorld(services, world)).toEqual(expected);

  let readsBetweenBatches = 0;
  const rest = await reencryptAll(ds, cipher, {
    batchSize: 2,
    onBatch: async () => {
      expect(await readPersonalWorld(services, world)).toEqual(expected);
      readsBetweenBatches++;
    },
  });
  expect([...rest.values()].reduce((x, y) => x + y, 0)).toBe(worldValues() - moved);
  expect(readsBetweenBatches).toBeGreaterThan(2);
  // Every encrypted column took part (the world has values in each), and nothing is left under the old key.
  expect([...(await countValuesUnder(ds.manager, ID2)).keys()].sort()).toEqual(
    ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort(),
  );
  expect(await valuesUnder(ID1)).toBe(0);
  expect(await valuesUnder(ID2)).toBe(worldValues());
  expect((await reencryptAll(ds, cipher)).size).toBe(0);
  expect(await readPersonalWorld(services, world)).toEqual(expected);

  const outcome = await finishRotation(ds, cipher);
  expect(outcome.retired).toEqual([ID1]);
  expect(outcome.remaining.size).toBe(0);
  const rows = await readKeyRows(ds.manager);
  expect(rows.find((r) => r.keyId === ID1)?.retiredAt).toBeInstanceOf(Date);
  expect(rows.find((r) => r.keyId === ID2)?.retiredAt).toBeNull();
});

test("after the rotation the old key can go: the new key alone serves everything; the old key alone is refused", async () => {
  const { cipher, status } = await openKeyring(ds, { current: K2 });
  expect(status.oldKeyIds).toEqual([]);
  expect(await readPersonalWorld(servicesWith(ds, cipher), world)).toEqual(expectedPersonalData(world));
  await expect(openKeyring(ds, { current: K1 })).rejects.toThrow(new RegExp(`holds values under key ${ID2}`));
  await expect(openKeyring(ds, { current: K1, old: [K2] })).rejects.toThrow(new RegExp(`key ${ID1}, retired on .* by a rotation`));
});

test("a read during a rotation sees a value written meanwhile by a peer under the new key, never overwritten by the pass", async () => {
  const K3 = randomBytes(32);
  const { cipher } = await openKeyring(ds, { current: K3, old: [K2] });
  const services = servicesWith(ds, cipher);
  const [l1] = world.learnerIds as [string];
  let written = false;
  await reencryptAll(ds, cipher, {
    batchSize: 1,
    onBatch: async () => {
      // Between two batches a server writes a new goal title (already under the current key).
      if (!written) {
        written = true;
        await services.goals.update(world.actor, world.goalIds[0]!, { title: "A title written mid-rotation" });
      }
    },
  });
  expect((await services.goals.get(world.actor, world.goalIds[0]!)).title).toBe("A title written mid-rotation");
  expect((await services.learners.get(world.actor, l1)).interests).toEqual(["topic-0", "music"]);
  expect(await valuesUnder(keyIdOf(K3))).toBe(worldValues());
  expect((await finishRotation(ds, cipher)).retired).toEqual([ID2]);
});

test("the server's start refuses a wrong key with the message, before it serves", async () => {
  const config = loadConfig({
    ZPD_JWT_SECRET: randomBytes(48).toString("base64"),
    ZPD_PROFILE_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "silent",
  });
  await expect(startApp(config, { opened: Promise.resolve(scratch.db), logger: createLogger("silent") })).rejects.toThrow(
    /the personal-data key does not match this database: it holds values under key [0-9a-f]{8}, which is neither ZPD_PROFILE_KEY/,
  );
});
