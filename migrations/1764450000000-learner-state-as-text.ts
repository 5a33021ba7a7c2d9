import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `learner_state.state` and `learner_state_staged.state` become `text` (JSON written by
 * persistence/learner/learner-state-codec.ts, the model's tag first). The state is opaque to SQL;
 * as jsonb every write paid PostgreSQL to parse ~1.6 kB of numbers into `numeric`s (~27 µs a state:
 * a quarter of a promotion's database CPU). Rewrites both tables. The text keeps the tag first, as
 * the codec writes it: jsonb's own text output orders keys by length, so "model" (5) would follow "data" (4).
 *
 * Deploy with the old processes stopped: their statements mix jsonb with the column (`CASE … ELSE
 * '{}'::jsonb`, `state->>'model'`) and fail once it is text. The rewrite holds an exclusive lock on
 * each table for the time of its copy.
 */
export class LearnerStateAsText1764450000000 implements MigrationInterface {
  name = "LearnerStateAsText1764450000000";

  async up(q: QueryRunner): Promise<void> {
    // The codec's layout: {"model":…,"attempts":…,"data":…}; any other shape (an empty state) as jsonb prints it.
    const asText = `CASE WHEN "state" ?& ARRAY['model', 'attempts', 'data']
      THEN '{"model":' || ("state"->'model')::text || ',"attempts":' || ("state"->'attempts')::text || ',"data":' || ("state"->'data')::text || '}'
      ELSE "state"::text END`;
    await q.query(`ALTER TABLE "learner_state" ALTER COLUMN "state" TYPE text USING ${asText}`);
    await q.query(`ALTER TABLE "learner_state_staged" ALTER COLUMN "state" TYPE text USING ${asText}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "learner_state" ALTER COLUMN "state" TYPE jsonb USING "state"::jsonb`);
    await q.query(`ALTER TABLE "learner_state_staged" ALTER COLUMN "state" TYPE jsonb USING "state"::jsonb`);
  }
}
