import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The xAPI Learning Record Store's tables (services/xapi/, docs/xapi.md):
 *
 * - `xapi_statement`: every statement a school's clients sent, once per (school, id), encrypted whole
 *   (`statement_enc`, AES-GCM bound to its school and id); found by what the query parameters filter on.
 *   Agents are indexed only by keyed hashes of their identifiers (agent_hashes, related_agent_hashes), never
 *   in the clear. `seq` is the store's order (the `stored` order) and what `more` pages by. A statement is
 *   never changed but for `voided`, set when a voiding statement arrives, and its mapping to an attempt:
 *   `mapping` (pending, mapped, unmapped with `mapping_reason`, ignored), `attempt_id` and `learner_id`,
 *   which links it to its learner, so that an erasure removes it.
 * - `xapi_agent_learner`: which learner an agent is, by the agent's keyed hash (erased with the learner).
 * - `xapi_attachment`: attachment contents by SHA-2, once per school, encrypted.
 * - `xapi_activity`: the canonical definition of each Activity (the last one sent), for GET activities and
 *   the `canonical` format. Activity ids and definitions describe content, not learners.
 * - `xapi_document`: the State, Activity Profile and Agent Profile documents, encrypted, with their ETag.
 * - `xapi_index_key`: the one key of the agents' keyed hashes, random, stored encrypted under the
 *   personal-data key: a key rotation re-encrypts it like any value, and the hashes stay valid.
 *
 * `row_id` gives the tables keyed by (school, …) the one uuid the key rotation's pass pages by.
 */
export class XapiStore1764565000000 implements MigrationInterface {
  name = "XapiStore1764565000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "xapi_statement" ("school_id" uuid NOT NULL, "id" uuid NOT NULL, "seq" bigint GENERATED ALWAYS AS IDENTITY,
         "row_id" uuid NOT NULL DEFAULT gen_random_uuid(),
         "stored" TIMESTAMP WITH TIME ZONE NOT NULL, "verb_id" text NOT NULL, "registration" uuid,
         "ref_id" uuid, "voids" boolean NOT NULL, "voided" boolean NOT NULL DEFAULT false,
         "activity_ids" text[] NOT NULL, "related_activity_ids" text[] NOT NULL,
         "agent_hashes" bytea[] NOT NULL, "related_agent_hashes" bytea[] NOT NULL,
         "attachment_sha2s" text[] NOT NULL, "statement_enc" bytea NOT NULL, "credential_id" uuid NOT NULL,
                  "learner_id" uuid, "mapping" varchar(16) NOT NULL DEFAULT 'pending', "mapping_reason" varchar(32), "attempt_id" uuid,
         CONSTRAINT "PK_xapi_statement" PRIMARY KEY ("school_id", "id"),
         CONSTRAINT "CHK_xapi_statement_mapping" CHECK ("mapping" IN ('pending', 'mapped', 'unmapped', 'ignored')),
         CONSTRAINT "UQ_xapi_statement_seq" UNIQUE ("seq"),
         CONSTRAINT "UQ_xapi_statement_row" UNIQUE ("row_id"),
         CONSTRAINT "FK_xapi_statement_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE,
         CONSTRAINT "FK_xapi_statement_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_xapi_statement_school_seq" ON "xapi_statement" ("school_id", "seq")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_ref" ON "xapi_statement" ("school_id", "ref_id") WHERE "ref_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_verb" ON "xapi_statement" ("school_id", "verb_id", "seq")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_learner" ON "xapi_statement" ("learner_id") WHERE "learner_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_pending" ON "xapi_statement" ("school_id", "seq") WHERE "mapping" = 'pending'`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_unmapped" ON "xapi_statement" ("school_id", "seq") WHERE "mapping" = 'unmapped'`);
    await q.query(
      `CREATE TABLE "xapi_agent_learner" ("school_id" uuid NOT NULL, "agent_hash" bytea NOT NULL, "learner_id" uuid NOT NULL,
         CONSTRAINT "PK_xapi_agent_learner" PRIMARY KEY ("school_id", "agent_hash"),
         CONSTRAINT "FK_xapi_agent_learner_learner" FOREIGN KEY ("learner_id") REFERENCES "learner"("id") ON DELETE CASCADE)`,
    );
    await q.query(`CREATE INDEX "IDX_xapi_agent_learner_learner" ON "xapi_agent_learner" ("learner_id")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_agents" ON "xapi_statement" USING gin ("agent_hashes")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_related_agents" ON "xapi_statement" USING gin ("related_agent_hashes")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_activities" ON "xapi_statement" USING gin ("activity_ids")`);
    await q.query(`CREATE INDEX "IDX_xapi_statement_related_activities" ON "xapi_statement" USING gin ("related_activity_ids")`);
    await q.query(
      `CREATE TABLE "xapi_attachment" ("school_id" uuid NOT NULL, "sha2" varchar(128) NOT NULL, "content_type" text NOT NULL,
         "content_enc" bytea NOT NULL, "row_id" uuid NOT NULL DEFAULT gen_random_uuid(),
         CONSTRAINT "PK_xapi_attachment" PRIMARY KEY ("school_id", "sha2"),
         CONSTRAINT "UQ_xapi_attachment_row" UNIQUE ("row_id"),
         CONSTRAINT "FK_xapi_attachment_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "xapi_activity" ("school_id" uuid NOT NULL, "id" text NOT NULL, "definition" jsonb NOT NULL,
         CONSTRAINT "PK_xapi_activity" PRIMARY KEY ("school_id", "id"),
         CONSTRAINT "FK_xapi_activity_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "xapi_document" ("school_id" uuid NOT NULL, "id" uuid NOT NULL, "kind" varchar(16) NOT NULL,
         "activity_id" text NOT NULL, "agent_hash" bytea NOT NULL, "registration" text NOT NULL, "document_id" text NOT NULL,
         "content_type" text NOT NULL, "etag" varchar(64) NOT NULL, "updated" TIMESTAMP WITH TIME ZONE NOT NULL,
         "content_enc" bytea NOT NULL,
         CONSTRAINT "PK_xapi_document" PRIMARY KEY ("id"),
         CONSTRAINT "UQ_xapi_document" UNIQUE ("school_id", "kind", "activity_id", "agent_hash", "registration", "document_id"),
         CONSTRAINT "CHK_xapi_document_kind" CHECK ("kind" IN ('state', 'activity', 'agent')),
         CONSTRAINT "FK_xapi_document_school" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE CASCADE)`,
    );
    await q.query(
      `CREATE TABLE "xapi_index_key" ("id" uuid NOT NULL, "secret_enc" bytea NOT NULL, CONSTRAINT "PK_xapi_index_key" PRIMARY KEY ("id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "xapi_index_key"`);
    await q.query(`DROP TABLE "xapi_agent_learner"`);
    await q.query(`DROP TABLE "xapi_document"`);
    await q.query(`DROP TABLE "xapi_activity"`);
    await q.query(`DROP TABLE "xapi_attachment"`);
    await q.query(`DROP TABLE "xapi_statement"`);
  }
}
