import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `xapi_credential`: a school's HTTP Basic key/secret pairs for xAPI clients (services/xapi/). The key is
 * public and unique; only a SHA-256 of the secret is kept (a random 32-byte secret needs no slow hash:
 * nothing short enough to guess is ever hashed). Revoked credentials stay, with the time, for the record.
 */
export class XapiCredentials1764545000000 implements MigrationInterface {
  name = "XapiCredentials1764545000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "xapi_credential" ("id" uuid NOT NULL, "school_id" uuid NOT NULL, "key" varchar(64) NOT NULL,
         "secret_hash" bytea NOT NULL, "scope" varchar(16) NOT NULL, "create_learners" boolean NOT NULL DEFAULT false,
         "label" varchar(200) NOT NULL, "created_by" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "revoked_at" TIMESTAMP WITH TIME ZONE,
         CONSTRAINT "PK_xapi_credential" PRIMARY KEY ("id"),
         CONSTRAINT "UQ_xapi_credential_key" UNIQUE ("key"),
         CONSTRAINT "CHK_xapi_credential_scope" CHECK ("scope" IN ('WRITE', 'READ', 'ALL')),
         CONSTRAINT "FK_xapi_credential_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_xapi_credential_school" ON "xapi_credential" ("school_id", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "xapi_credential"`);
  }
}
