/**
 * Where the state rebuild's time goes: the steps of LearnerModelService.rebuildMany replayed here one
 * by one, each timed, on a few batches of 500 learners, inside one transaction that is rolled back
 * (nothing is changed). A copy of the service's steps for measurement only — the figure of the
 * benchmark is the real `rebuildStates` run; this says what limits it. Also timed: the alternative
 * read the report recommends (one row per learner, history aggregated in SQL) next to the current
 * one (one row per attempt).
 */
import type { DataSource } from "typeorm";
import type { LoadedModel } from "../../src/services/personalisation/active-models.js";
import type { LearnerState, Trace } from "../../src/engine/types.js";

export interface RebuildStep {
  readonly step: string;
  /** Milliseconds per batch of `batchSize` learners (mean over the batches). */
  readonly msPerBatch: number;
  /** Learners a second if this step alone were the rebuild. */
  readonly learnersPerSecond: number;
}

export interface RebuildProfile {
  readonly batches: number;
  readonly batchSize: number;
  readonly attemptsPerBatch: number;
  readonly skillMasteryRowsPerBatch: number;
  readonly steps: RebuildStep[];
  /** Steps of the current code path only, summed. */
  readonly currentMsPerBatch: number;
  readonly alternativeRead: RebuildStep;
}

export async function profileRebuild(ds: DataSource, schoolId: string, loaded: LoadedModel, batches = 4, batchSize = 500): Promise<RebuildProfile> {
  const qr = ds.createQueryRunner();
  const acc = new Map<string, number>();
  const time = async <T>(step: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const out = await fn();
    acc.set(step, (acc.get(step) ?? 0) + performance.now() - t);
    return out;
  };
  let attempts = 0;
  let masteryRows = 0;
  let altMs = 0;
  let done = 0;
  let learners = 0;
  try {
    await qr.startTransaction();
    const all = ((await qr.query(
      `SELECT learner_id FROM consent WHERE school_id = $1 AND purpose = 'PERSONALISATION' AND granted ORDER BY learner_id LIMIT $2`,
      [schoolId, batches * batchSize],
    )) as { learner_id: string }[]).map((r) => r.learner_id);
    const model = loaded.model;
    const skillIds = new Set((await qr.query(`SELECT id FROM skill WHERE school_id = $1`, [schoolId]) as { id: string }[]).map((r) => r.id));
    for (let b = 0; b < batches && b * batchSize < all.length; b++) {
      const ids = all.slice(b * batchSize, (b + 1) * batchSize);
      const versions = await time("SELECT versions (learner_state)", () => qr.query(`SELECT learner_id, version FROM learner_state WHERE learner_id = ANY($1::uuid[])`, [ids])) as { learner_id: string; version: number }[];
      const rows = await time("SELECT the batch's attempts (one row per attempt, parsed by pg)", () =>
        qr.query(`SELECT learner_id, task_id, correct, occurred_at FROM attempt WHERE learner_id = ANY($1::uuid[]) ORDER BY learner_id, occurred_at, id`, [ids])) as { learner_id: string; task_id: string; correct: boolean; occurred_at: Date }[];
      attempts += rows.length;
      const history = await time("group rows into histories (Node)", () => {
        const h = new Map<string, { taskId: string; correct: boolean; occurredAt: Date }[]>();
        for (const r of rows) {
          const x = h.get(r.learner_id) ?? [];
          x.push({ taskId: r.task_id, correct: r.correct, occurredAt: r.occurred_at });
          h.set(r.learner_id, x);
        }
        return h;
      });
      const skillsOf = await time("SELECT Q-matrix of the tasks", async () => {
        const tasks = [...new Set(rows.map((r) => r.task_id))];
        const qs = (await qr.query(`SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [tasks])) as { task_id: string; skill_id: string }[];
        const out = new Map<string, string[]>();
        for (const q of qs) out.set(q.task_id, [...(out.get(q.task_id) ?? []), q.skill_id]);
        return out;
      });
      const results = await time("replay through model.update + mastery (Node)", () =>
        versions.map((v) => {
          const traces = history.get(v.learner_id) ?? [];
          const touched = new Set<string>();
          for (const t of traces) for (const s of skillsOf.get(t.taskId) ?? []) if (skillIds.has(s)) touched.add(s);
          const known = [...touched];
          const before = model.mastery(model.initialState(), known);
          let state: LearnerState = model.initialState();
          for (const t of traces) if (loaded.knowsTask(t.taskId)) state = model.update(state, { learnerId: v.learner_id, taskId: t.taskId, correct: t.correct ? 1 : 0, at: new Date(t.occurredAt).getTime() } as Trace);
          return { learnerId: v.learner_id, expected: v.version, count: traces.length, state, after: model.mastery(state, known), before };
        }),
      );
      const states = await time("JSON.stringify the states (Node)", () => results.map((r) => JSON.stringify(r.state)));
      await time("UPDATE learner_state", () => qr.query(
        `UPDATE learner_state SET state = u.state::jsonb, model_version_id = $1, attempt_count = u.n, version = learner_state.version + 1, updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::int[], $5::int[]) AS u(id, state, n, expected)
         WHERE learner_state.learner_id = u.id AND learner_state.version = u.expected`,
        [loaded.versionId, results.map((r) => r.learnerId), states, results.map((r) => r.count), results.map((r) => r.expected)],
      ));
      await time("SELECT prior trends (skill_mastery)", () => qr.query(`SELECT learner_id, skill_id, trend FROM skill_mastery WHERE learner_id = ANY($1::uuid[])`, [ids]));
      const flat = results.flatMap((r) => r.after.map((a) => ({ l: r.learnerId, s: a.skillId, p: a.p, sd: a.sd, n: Math.round(a.attempts), tr: a.p - (r.before.find((x) => x.skillId === a.skillId)?.p ?? a.p) })));
      masteryRows += flat.length;
      await time("upsert skill_mastery", () => qr.query(
        `INSERT INTO skill_mastery (learner_id, skill_id, school_id, mastery, uncertainty, attempts, trend, updated_at)
         SELECT u.learner_id, u.skill_id, $1, u.mastery, u.uncertainty, u.attempts, u.trend, now()
         FROM unnest($2::uuid[], $3::uuid[], $4::float8[], $5::float8[], $6::int[], $7::float8[]) AS u(learner_id, skill_id, mastery, uncertainty, attempts, trend)
         ON CONFLICT (learner_id, skill_id) DO UPDATE SET mastery = EXCLUDED.mastery, uncertainty = EXCLUDED.uncertainty,
           attempts = EXCLUDED.attempts, trend = EXCLUDED.trend, updated_at = now()`,
        [schoolId, flat.map((f) => f.l), flat.map((f) => f.s), flat.map((f) => f.p), flat.map((f) => f.sd), flat.map((f) => f.n), flat.map((f) => f.tr)],
      ));
      // The alternative read: one row per learner, the history aggregated in SQL (no per-attempt objects, no Date parsing).
      const t = performance.now();
      const agg = (await qr.query(
        `SELECT learner_id, string_agg(task_id::text, ',' ORDER BY occurred_at, id) AS tasks, string_agg(CASE WHEN correct THEN '1' ELSE '0' END, '' ORDER BY occurred_at, id) AS y
         FROM attempt WHERE learner_id = ANY($1::uuid[]) GROUP BY learner_id`,
        [ids],
      )) as { learner_id: string; tasks: string; y: string }[];
      let n = 0;
      for (const a of agg) n += a.tasks.split(",").length;
      if (n !== rows.length) throw new Error(`aggregated read found ${n} attempts, the row read ${rows.length}`);
      altMs += performance.now() - t;
      done++;
      learners += ids.length;
    }
  } finally {
    await qr.rollbackTransaction().catch(() => {});
    await qr.release();
  }
  const per = (ms: number) => ms / Math.max(1, done);
  const perBatch = learners / Math.max(1, done);
  const step = (name: string, ms: number): RebuildStep => ({ step: name, msPerBatch: per(ms), learnersPerSecond: (perBatch * 1000) / Math.max(1e-9, per(ms)) });
  const steps = [...acc].map(([k, v]) => step(k, v));
  return {
    batches: done, batchSize: Math.round(perBatch), attemptsPerBatch: attempts / Math.max(1, done), skillMasteryRowsPerBatch: masteryRows / Math.max(1, done),
    steps, currentMsPerBatch: steps.reduce((a, s) => a + s.msPerBatch, 0),
    alternativeRead: step("SELECT the batch's attempts aggregated per learner (string_agg), split in Node", altMs),
  };
}
