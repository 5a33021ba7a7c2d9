/**
 * The migration that moves the per-skill mastery from the table `skill_mastery` into the learner's
 * state row (`learner_state.mastery`) and leaves a view `skill_mastery` with the same columns: run
 * down (the table comes back), fill the table, run up, and compare. On its own database (a fresh
 * migrated PGlite, or a scratch database on the PostgreSQL server), because dropping the view
 * would disturb the other files that share DATABASE_URL.
 */
import { randomUUID } from "node:crypto";
import type { QueryRunner } from "typeorm";
import type { Database } from "../../src/persistence/database.js";
import { openScratchDatabase, type ScratchDatabase } from "../support/scratch-database.js";
import { MasteryInLearnerState1764415000000 } from "../../migrations/1764415000000-mastery-in-learner-state.js";
import { Analytics1764490000000 } from "../../migrations/1764490000000-analytics.js";

let db: Database;
let scratch: ScratchDatabase | undefined;

beforeAll(async () => {
  scratch = await openScratchDatabase("mastery_migration");
  db = scratch.db;
}, 120_000);

afterAll(async () => {
  await scratch?.close();
});

// Every statement goes through the migration's query runner: PGlite has one connection.
let runner: QueryRunner;
const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
const COLUMNS = `learner_id, skill_id, school_id, mastery, uncertainty, attempts, trend, updated_at`;

test("down restores the table; up moves its rows into learner_state.mastery, and the view shows them unchanged; down again restores them", async () => {
  const migration = new MasteryInLearnerState1764415000000();
  // A later migration reads learner_state.mastery (the analytics views): undone first, redone at the end.
  const analytics = new Analytics1764490000000();
  runner = db.dataSource.createQueryRunner();
  try {
    await analytics.down(runner);
    await migration.down(runner);
    expect(await q(`SELECT table_type FROM information_schema.tables WHERE table_name = 'skill_mastery'`)).toEqual([
      { table_type: "BASE TABLE" },
    ]);

    const school = randomUUID();
    const [withState, withoutState] = [randomUUID(), randomUUID()];
    const skills = [randomUUID(), randomUUID(), randomUUID()];
    await q(`INSERT INTO school (id, name) VALUES ($1, 'Migration school')`, [school]);
    await q(`INSERT INTO learner (id, school_id) VALUES ($1, $3), ($2, $3)`, [withState, withoutState, school]);
    for (const [i, id] of skills.entries())
      await q(`INSERT INTO skill (id, school_id, code, name) VALUES ($1, $2, $3, $3)`, [id, school, `S.${i}`]);
    await q(
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
             VALUES ($1, $2, NULL, '{"model":"x"}', 7, 3, now())`,
      [withState, school],
    );
    // Awkward doubles on purpose: the JSON must carry them exactly.
    const rows = [
      [withState, skills[0], school, 0.1 + 0.2, 1 / 3, 4, -0.012345678901234567, "2026-10-01T08:00:00.123Z"],
      [withState, skills[2], school, 0.987654321, 0.05, 12, 0.25, "2026-10-02T09:30:00.000Z"],
      [withoutState, skills[1], school, 0.5, 0.3, 0, 0, "2026-10-03T10:00:00.000Z"],
    ];
    for (const r of rows) await q(`INSERT INTO skill_mastery (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r);
    const before = await q(`SELECT ${COLUMNS} FROM skill_mastery WHERE school_id = $1 ORDER BY learner_id, skill_id`, [school]);
    expect(before).toHaveLength(3);

    await migration.up(runner);
    expect(await q(`SELECT table_type FROM information_schema.tables WHERE table_name = 'skill_mastery'`)).toEqual([
      { table_type: "VIEW" },
    ]);
    const states = await q(
      `SELECT learner_id, mastery, attempt_count, version, model_version_id, state::jsonb AS state FROM learner_state WHERE school_id = $1`,
      [school],
    );
    const of = (id: string) => states.find((s: { learner_id: string }) => s.learner_id === id);
    expect(of(withState).mastery).toEqual({
      [skills[0]!]: [0.1 + 0.2, 1 / 3, 4, -0.012345678901234567, Date.parse("2026-10-01T08:00:00.123Z")],
      [skills[2]!]: [0.987654321, 0.05, 12, 0.25, Date.parse("2026-10-02T09:30:00.000Z")],
    });
    expect(of(withState)).toMatchObject({ attempt_count: 7, version: 3, state: { model: "x" } });
    // The learner with mastery rows but no state row got one, to be rebuilt on first use.
    expect(of(withoutState)).toMatchObject({
      model_version_id: null,
      state: {},
      attempt_count: 0,
      mastery: { [skills[1]!]: [0.5, 0.3, 0, 0, Date.parse("2026-10-03T10:00:00.000Z")] },
    });
    expect(await q(`SELECT ${COLUMNS} FROM skill_mastery WHERE school_id = $1 ORDER BY learner_id, skill_id`, [school])).toEqual(before);

    await migration.down(runner);
    expect(await q(`SELECT ${COLUMNS} FROM skill_mastery WHERE school_id = $1 ORDER BY learner_id, skill_id`, [school])).toEqual(before);
    await migration.up(runner);
    expect(await q(`SELECT ${COLUMNS} FROM skill_mastery WHERE school_id = $1 ORDER BY learner_id, skill_id`, [school])).toEqual(before);
    await analytics.up(runner);
    expect(await q(`SELECT count(*)::int AS n FROM analytics.mastery_by_cohort_skill`)).toEqual([{ n: 0 }]); // no consent recorded: nobody counted
  } finally {
    await runner.release();
  }
});
