/**
 * Where the state rebuild's time goes: the steps of LearnerModelService.rebuildMany replayed here one
 * by one, each timed, on a few batches of learners, inside one transaction that is rolled back
 * (nothing is changed). A copy of the service's steps for measurement only — the figure of the
 * benchmark is the real `rebuildStates` run; this says what limits it. The replay is also timed
 * with the engine's `model.update` loop alone, to say how much of it is the engine.
 */
import type { DataSource } from "typeorm";
import type { LoadedModel } from "../../src/services/personalisation/active-models.js";
import type { LearnerState } from "../../src/engine/types.js";
import { historySql } from "../../src/services/personalisation/learner-model.service.js";

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
  /** Skills with a mastery entry written per batch (learner_state.mastery). */
  readonly masteryEntriesPerBatch?: number;
  /** Mean JSON sizes written per learner, bytes. */
  readonly stateBytes?: number;
  readonly masteryBytes?: number;
  readonly steps: RebuildStep[];
  /** Steps of the current code path, summed. */
  readonly currentMsPerBatch: number;
  /** The engine's part of the replay: `model.update` for every attempt, alone (included in the replay step). */
  readonly engineUpdate?: RebuildStep & { readonly usPerAttempt: number; readonly cpuUsPerAttempt?: number };
  /** Older reports: the mastery table's rows and an alternative read. */
  readonly skillMasteryRowsPerBatch?: number;
  readonly alternativeRead?: RebuildStep;
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
  let entries = 0;
  let stateBytes = 0;
  let masteryBytes = 0;
  let updateMs = 0;
  let updateCpuMs = 0;
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
    const start = model.initialState();
    const prior = new Map<string, number>();
    for (let b = 0; b < batches && b * batchSize < all.length; b++) {
      const ids = all.slice(b * batchSize, (b + 1) * batchSize);
      await time("INSERT missing state rows (ON CONFLICT DO NOTHING)", () => qr.query(
        `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
         SELECT u.id, $2, NULL, '{}'::jsonb, 0, 1, now() FROM unnest($1::uuid[]) AS u(id) ON CONFLICT (learner_id) DO NOTHING`, [ids, schoolId]));
      const raw = await time("SELECT state rows + histories (one row per learner)", () => qr.query(
        `SELECT s.learner_id, s.version, s.mastery, h.tasks, h.correct, h.at
         FROM learner_state s CROSS JOIN LATERAL (${historySql("s.learner_id")}) h
         WHERE s.learner_id = ANY($1::uuid[])`, [ids])) as { learner_id: string; version: number; mastery: Record<string, number[]>; tasks: string | null; correct: string | null; at: string | null }[];
      const rows = await time("split the histories (Node)", () => raw.map((r) => ({ ...r, tasks: r.tasks ? r.tasks.split(",") : null })));
      for (const r of rows) attempts += r.tasks?.length ?? 0;
      const skillsOf = await time("SELECT Q-matrix of the tasks", async () => {
        const tasks = [...new Set(rows.flatMap((r) => r.tasks ?? []))];
        const qs = (await qr.query(`SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [tasks])) as { task_id: string; skill_id: string }[];
        const out = new Map<string, string[]>();
        for (const q of qs) {
          const l = out.get(q.task_id);
          if (l) l.push(q.skill_id);
          else out.set(q.task_id, [q.skill_id]);
        }
        return out;
      });
      const now = Date.now();
      const results = await time("replay: model.update per attempt + mastery + trends (Node)", () =>
        rows.map((r) => {
          const tasks = r.tasks ?? [];
          const touched = new Set<string>();
          for (const t of new Set(tasks)) for (const s of skillsOf.get(t) ?? []) if (skillIds.has(s)) touched.add(s);
          const known = [...touched];
          for (const k of known) if (!prior.has(k)) prior.set(k, model.mastery(start, [k])[0]!.p);
          const trace = { learnerId: "", taskId: "", correct: 0 as 0 | 1, at: 0 };
          let state: LearnerState = start;
          let pos = 0;
          for (let i = 0; i < tasks.length; i++) {
            let at = 0;
            for (let c = r.at!.charCodeAt(pos++); c >= 48 && c <= 57; c = r.at!.charCodeAt(pos++)) at = at * 10 + (c - 48);
            if (!loaded.knowsTask(tasks[i]!)) continue;
            trace.taskId = tasks[i]!;
            trace.correct = r.correct!.charCodeAt(i) === 49 ? 1 : 0;
            trace.at = at;
            state = model.update(state, trace);
          }
          const patch: Record<string, number[]> = {};
          for (const a of known.length ? model.mastery(state, known) : []) {
            patch[a.skillId] = [a.p, a.sd, Math.round(a.attempts), 0.7 * (r.mastery?.[a.skillId]?.[3] ?? 0) + 0.3 * (a.p - prior.get(a.skillId)!), now];
          }
          return { learnerId: r.learner_id, expected: r.version, count: tasks.length, state, mastery: { ...r.mastery, ...patch } };
        }),
      );
      // The engine alone: the same update loop again, nothing else (not part of the sum).
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (const r of rows) {
        const tasks = r.tasks ?? [];
        const trace = { learnerId: "", taskId: "", correct: 0 as 0 | 1, at: 0 };
        let state: LearnerState = start;
        for (let i = 0; i < tasks.length; i++) {
          if (!loaded.knowsTask(tasks[i]!)) continue;
          trace.taskId = tasks[i]!;
          trace.correct = r.correct!.charCodeAt(i) === 49 ? 1 : 0;
          state = model.update(state, trace);
        }
      }
      updateMs += performance.now() - t0;
      const c1 = process.cpuUsage(c0);
      updateCpuMs += (c1.user + c1.system) / 1000;
      const json = await time("JSON.stringify state + mastery (Node)", () => results.map((r) => [JSON.stringify(r.state), JSON.stringify(r.mastery)] as const));
      for (const [s, m] of json) {
        stateBytes += s.length;
        masteryBytes += m.length;
      }
      for (const r of results) entries += Object.keys(r.mastery).length;
      await time("UPDATE learner_state (state + mastery, one row per learner)", () => qr.query(
        `UPDATE learner_state SET state = u.state::jsonb, mastery = u.mastery::jsonb, model_version_id = $1, attempt_count = u.n,
           version = learner_state.version + 1, updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[]) AS u(id, state, mastery, n, expected)
         WHERE learner_state.learner_id = u.id AND learner_state.version = u.expected
         RETURNING learner_state.learner_id`,
        [loaded.versionId, results.map((r) => r.learnerId), json.map((j) => j[0]), json.map((j) => j[1]), results.map((r) => r.count), results.map((r) => r.expected)],
      ));
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
    batches: done, batchSize: Math.round(perBatch), attemptsPerBatch: attempts / Math.max(1, done), masteryEntriesPerBatch: entries / Math.max(1, done),
    stateBytes: stateBytes / Math.max(1, learners), masteryBytes: masteryBytes / Math.max(1, learners),
    steps, currentMsPerBatch: steps.reduce((a, s) => a + s.msPerBatch, 0),
    engineUpdate: { ...step("of the replay: model.update alone (the engine)", updateMs), usPerAttempt: (1000 * updateMs) / Math.max(1, attempts), cpuUsPerAttempt: (1000 * updateCpuMs) / Math.max(1, attempts) },
  };
}
