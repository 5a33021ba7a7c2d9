/**
 * The migration that stores learner states as text (LearnerStateAsText1764450000000), down then up
 * on a migrated database: a jsonb state comes back as the codec's text (the model's tag first, so
 * that `starts_with(state, statePrefix(tag))` finds it), with the same value; an empty state stays
 * `{}`; down restores jsonb with the same values. PGlite, or a scratch database on DATABASE_URL.
 */
import { randomUUID } from "node:crypto";
import type { QueryRunner } from "typeorm";
import type { Database } from "../../src/persistence/database.js";
import { openScratchDatabase, type ScratchDatabase } from "../support/scratch-database.js";
import { decodeState, statePrefix } from "../../src/persistence/learner/learner-state-codec.js";
import { LearnerStateAsText1764450000000 } from "../../migrations/1764450000000-learner-state-as-text.js";

let db: Database;
let scratch: ScratchDatabase | undefined;

beforeAll(async () => {
  scratch = await openScratchDatabase("state_text");
  db = scratch.db;
}, 120_000);

afterAll(async () => {
  await scratch?.close();
});

test("down makes states jsonb again; up writes them as the codec's text, tag first, values unchanged", async () => {
  const migration = new LearnerStateAsText1764450000000();
  const runner: QueryRunner = db.dataSource.createQueryRunner();
  const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
  try {
    await migration.down(runner);
    const type = async () =>
      (await q(`SELECT data_type FROM information_schema.columns WHERE table_name = 'learner_state' AND column_name = 'state'`))[0]
        .data_type;
    expect(await type()).toBe("jsonb");
    const school = randomUUID();
    const [full, empty] = [randomUUID(), randomUUID()];
    // Awkward doubles and a key order jsonb rewrites ("data" before "model" in its own output).
    const state = {
      model: "meta:0a1b2c3d",
      attempts: 3,
      data: { v: 2, g: [0.1 + 0.2, 3, 1, 2, 1 / 3, -0.012345678901234567], s: { [randomUUID()]: [0.5, 1, 0, 2.25, 1] } },
    };
    await q(`INSERT INTO school (id, name) VALUES ($1, 'Migration school')`, [school]);
    await q(`INSERT INTO learner (id, school_id) VALUES ($1, $3), ($2, $3)`, [full, empty, school]);
    await q(
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
             VALUES ($1, $3, NULL, $4::jsonb, 3, 1, now()), ($2, $3, NULL, '{}'::jsonb, 0, 1, now())`,
      [full, empty, school, JSON.stringify(state)],
    );
    expect(
      (await q(`SELECT state::text AS t FROM learner_state WHERE learner_id = $1`, [full]))[0].t.startsWith(statePrefix(state.model)),
    ).toBe(false);

    await migration.up(runner);
    expect(await type()).toBe("text");
    const rows = new Map(
      (
        (await q(`SELECT learner_id, state FROM learner_state WHERE school_id = $1`, [school])) as { learner_id: string; state: string }[]
      ).map((r) => [r.learner_id, r.state]),
    );
    expect(rows.get(full)!.startsWith(statePrefix(state.model))).toBe(true);
    expect(decodeState(rows.get(full)!)).toEqual(state);
    expect(rows.get(empty)).toBe("{}");
    expect(
      (
        await q(`SELECT count(*)::int AS n FROM learner_state WHERE school_id = $1 AND starts_with(state, $2)`, [
          school,
          statePrefix(state.model),
        ])
      )[0].n,
    ).toBe(1);

    await migration.down(runner);
    const back = new Map(
      (
        (await q(`SELECT learner_id, state FROM learner_state WHERE school_id = $1`, [school])) as { learner_id: string; state: unknown }[]
      ).map((r) => [r.learner_id, r.state]),
    );
    expect(back.get(full)).toEqual(state);
    expect(back.get(empty)).toEqual({});
    await migration.up(runner);
    expect(await type()).toBe("text");
  } finally {
    await runner.release();
  }
});
