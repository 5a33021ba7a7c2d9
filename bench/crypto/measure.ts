/**
 * The measurements of `npm run bench:crypto` (bench/field-encryption.ts): the field cipher per value, its
 * share of a recommendation, and the re-encryption pass's throughput on a seeded database.
 */
import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import {
  ATTRIBUTE_VALUE,
  attributeKey,
  contextOf,
  GOAL_TITLE,
  LEARNER_DISPLAY_NAME,
  LEARNER_EMAIL,
  LEARNER_INTERESTS,
} from "../../src/persistence/crypto/encrypted-columns.js";
import { bulkInsert } from "../../src/persistence/bulk-insert.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { openKeyring } from "../../src/services/keys/keyring.js";
import { finishRotation, reencryptAll } from "../../src/services/keys/reencryption.js";
import { createServices } from "../../src/services/index.js";
import { seedDemo } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";

/** Median over `repeats` runs of the mean µs per call of `fn` over `n` calls. */
function microseconds(fn: () => unknown, n: number, repeats = 7): number {
  for (let i = 0; i < n / 10; i++) fn(); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e3 / n);
  }
  return runs.sort((a, b) => a - b)[Math.floor(repeats / 2)]!;
}

export interface MicroFigures {
  readonly encryptName: number;
  readonly decryptName: number;
  readonly encryptInterests: number;
  readonly decryptInterests: number;
  /** A page of 100 learners with their interests, names and e-mails: 300 values opened. */
  readonly learnerPage: number;
}

export function micro(): MicroFigures {
  const c = FieldCipher.single(randomBytes(32));
  const id = uuidv7();
  const nameCtx = contextOf(LEARNER_DISPLAY_NAME, id);
  const listCtx = contextOf(LEARNER_INTERESTS, id);
  const name = c.encrypt("Ada Lovelace-Byron", nameCtx);
  const interests = c.encryptList(["fractions", "music"], listCtx)!;
  const email = c.encrypt("ada.lovelace@example.invalid", contextOf(LEARNER_EMAIL, id));
  const n = 20_000;
  return {
    encryptName: microseconds(() => c.encrypt("Ada Lovelace-Byron", nameCtx), n),
    decryptName: microseconds(() => c.decrypt(name, nameCtx), n),
    encryptInterests: microseconds(() => c.encryptList(["fractions", "music"], listCtx), n),
    decryptInterests: microseconds(() => c.decryptList(interests, listCtx), n),
    learnerPage: microseconds(() => {
      for (let i = 0; i < 100; i++) {
        c.decryptList(interests, listCtx);
        c.decrypt(name, nameCtx);
        c.decrypt(email, contextOf(LEARNER_EMAIL, id));
      }
    }, 200),
  };
}

export interface HotPathFigures {
  readonly calls: number;
  /** In-process `recommendations(count: 10)` on the demo school (embedded, PFA model): median and p99, ms. */
  readonly recommendP50: number;
  readonly recommendP99: number;
}

/** `recommendations` in process on a seeded demo school; each call opens the learner's interests once. */
export async function hotPath(ds: DataSource, calls: number): Promise<HotPathFigures> {
  const cipher = (await openKeyring(ds, { current: randomBytes(32) })).cipher;
  const services = createServices({ dataSource: ds, cipher, logger: createLogger("silent"), maxPageSize: 100 });
  const demo = await seedDemo(ds, cipher, new Date(), { learners: 120, idLabel: "bench-crypto" });
  await services.training.trainAndPublish(demo.schoolId, { kind: "pfa", seed: 1 });
  const actor = { schoolId: demo.schoolId, role: Role.Service, subject: "bench" };
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const learner = demo.learnerIds[i % demo.learnerIds.length]!;
    const t = process.hrtime.bigint();
    await services.personalisation.recommendations(actor, learner, null, 10, "zpd");
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { calls, recommendP50: times[Math.floor(calls / 2)]!, recommendP99: times[Math.floor(calls * 0.99)]! };
}

export interface RotationFigures {
  readonly learners: number;
  readonly values: number;
  readonly seconds: number;
  readonly valuesPerSecond: number;
}

/**
 * A school of `learners` learners, each with a name, an e-mail, interests, two attributes and a goal
 * title under key 1 (6 values a learner), then the pass re-encrypting all of it under key 2.
 */
export async function rotation(ds: DataSource, learners: number): Promise<RotationFigures> {
  const [k1, k2] = [randomBytes(32), randomBytes(32)];
  const c1 = (await openKeyring(ds, { current: k1 })).cipher;
  await finishRotation(ds, c1, { legacyOnly: true });
  const schoolId = uuidv7();
  await ds.query(`INSERT INTO school (id, name) VALUES ($1, 'Rotation bench')`, [schoolId]);
  for (let i = 0; i < learners; i += 5000) {
    const ids = Array.from({ length: Math.min(5000, learners - i) }, () => uuidv7());
    const m = ds.manager;
    await bulkInsert(
      m,
      "learner",
      ["id", "school_id", "interests_enc"],
      ["uuid", "uuid", "bytea"],
      ids.map((l) => [l, schoolId, c1.encryptList(["fractions", "music"], contextOf(LEARNER_INTERESTS, l))]),
    );
    await bulkInsert(
      m,
      "learner_profile",
      ["learner_id", "school_id", "display_name_enc", "email_enc"],
      ["uuid", "uuid", "bytea", "bytea"],
      ids.map((l, j) => [
        l,
        schoolId,
        c1.encrypt(`Learner ${i + j}`, contextOf(LEARNER_DISPLAY_NAME, l)),
        c1.encrypt(`l${i + j}@example.invalid`, contextOf(LEARNER_EMAIL, l)),
      ]),
    );
    await bulkInsert(
      m,
      "learner_attribute",
      ["id", "school_id", "learner_id", "name", "value_enc"],
      ["uuid", "uuid", "uuid", "text", "bytea"],
      ids.flatMap((l, j) =>
        ["gender", "language"].map((a) => [
          uuidv7(),
          schoolId,
          l,
          a,
          c1.encrypt(`${a}-${j % 3}`, contextOf(ATTRIBUTE_VALUE, attributeKey(l, a))),
        ]),
      ),
    );
    await bulkInsert(
      m,
      "goal",
      ["id", "school_id", "learner_id", "title_enc"],
      ["uuid", "uuid", "uuid", "bytea"],
      ids.map((l) => {
        const g = uuidv7();
        return [g, schoolId, l, c1.encrypt("Next skills", contextOf(GOAL_TITLE, g))];
      }),
    );
  }
  const { cipher } = await openKeyring(ds, { current: k2, old: [k1] });
  const t = process.hrtime.bigint();
  const rewritten = await reencryptAll(ds, cipher);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const values = [...rewritten.values()].reduce((a, b) => a + b, 0);
  return { learners, values, seconds, valuesPerSecond: values / seconds };
}
