import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Personal and protected fields encrypted at rest (src/persistence/crypto/): learner interests, protected
 * attribute values, goal titles and teachers' names become `bytea` envelopes, like the learner profile.
 *
 * SQL holds no key, so this migration cannot encrypt: it stores each plain value as an envelope of
 * version 0 (0x00 | UTF-8; interests as a JSON array), tags the previous version's profile ciphertexts
 * as version 1 (0x01 | nonce | tag | body), and registers the pseudo key "legacy" in `encryption_key`.
 * The server's first start checks its key against the version-1 profiles, then re-encrypts every
 * version-0/1 value under its current key in batches while it serves (reading them meanwhile), and
 * retires "legacy"; from then on the formats 0 and 1 are refused (docs/operations.md, "Personal data at
 * rest"). `encryption_key` keeps one row per key id that ever encrypted: a check value (a known constant
 * under that key) verified at every start, and when the key was retired (no value left under it).
 *
 * Down restores the plain columns from values still in the formats 0 and 1 and refuses when any value
 * was already re-encrypted (SQL cannot decrypt it).
 */
export class FieldEncryption1764510000000 implements MigrationInterface {
  name = "FieldEncryption1764510000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "encryption_key" (
      "key_id" varchar(16) NOT NULL,
      "check_value" bytea NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "retired_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_encryption_key" PRIMARY KEY ("key_id"))`);
    await q.query(`INSERT INTO "encryption_key" ("key_id", "check_value") VALUES ('legacy', ''::bytea)`);
    for (const col of ["display_name_enc", "email_enc"])
      await q.query(`UPDATE "learner_profile" SET "${col}" = decode('01', 'hex') || "${col}" WHERE "${col}" IS NOT NULL`);
    await q.query(`ALTER TABLE "learner" ADD "interests_enc" bytea`);
    await q.query(
      `UPDATE "learner" SET "interests_enc" = decode('00', 'hex') || convert_to(array_to_json("interests")::text, 'UTF8') WHERE cardinality("interests") > 0`,
    );
    await q.query(`ALTER TABLE "learner" DROP COLUMN "interests"`);
    for (const [table, col] of PLAIN_COLUMNS) {
      await q.query(`ALTER TABLE "${table}" ALTER COLUMN "${col}" TYPE bytea USING decode('00', 'hex') || convert_to("${col}", 'UTF8')`);
      await q.query(`ALTER TABLE "${table}" RENAME COLUMN "${col}" TO "${col}_enc"`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const encrypted = [
      ...PLAIN_COLUMNS.map(([t, c]) => [t, `${c}_enc`]),
      ["learner", "interests_enc"],
      ["learner_profile", "display_name_enc"],
      ["learner_profile", "email_enc"],
    ];
    for (const [table, col] of encrypted) {
      const [row] = await q.query(`SELECT count(*)::int AS n FROM "${table}" WHERE get_byte("${col}", 0) >= 2`);
      if (row.n > 0)
        throw new Error(`cannot undo FieldEncryption: ${table}.${col} holds ${row.n} re-encrypted values, which SQL cannot decrypt`);
    }
    for (const [table, col] of PLAIN_COLUMNS) {
      await q.query(`ALTER TABLE "${table}" RENAME COLUMN "${col}_enc" TO "${col}"`);
      await q.query(
        `ALTER TABLE "${table}" ALTER COLUMN "${col}" TYPE character varying(200) USING convert_from(substring("${col}" from 2), 'UTF8')`,
      );
    }
    await q.query(`ALTER TABLE "learner" ADD "interests" text array NOT NULL DEFAULT '{}'`);
    await q.query(
      `UPDATE "learner" SET "interests" = ARRAY(SELECT json_array_elements_text(convert_from(substring("interests_enc" from 2), 'UTF8')::json))
       WHERE "interests_enc" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "learner" DROP COLUMN "interests_enc"`);
    for (const col of ["display_name_enc", "email_enc"])
      await q.query(`UPDATE "learner_profile" SET "${col}" = substring("${col}" from 2) WHERE "${col}" IS NOT NULL`);
    await q.query(`DROP TABLE "encryption_key"`);
  }
}

/** Plain-text columns that become envelopes (renamed `<column>_enc`). */
const PLAIN_COLUMNS: readonly (readonly [string, string])[] = [
  ["learner_attribute", "value"],
  ["goal", "title"],
  ["teacher", "display_name"],
];
