/**
 * The engine's online update of a learner, inside the transaction that records the attempts
 * (DESIGN.md, "the hot path"): lock the learner's state row, apply the active model's update for
 * each new attempt, save the state and the touched skills' mastery. The row lock serialises
 * concurrent attempts of one learner, so no update is lost; duplicates never reach this point.
 *
 * A state built under another model version is rebuilt by replaying the learner's attempts under
 * the active one. A learner without consent to personalisation is only counted: no personal
 * parameters are computed or stored for it.
 */
import { EntityManager } from "typeorm";
import type { LearnerState as EngineState, SkillMastery as EngineMastery, Trace } from "../../engine/types.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { ActiveModels, LoadedModel } from "./active-models.js";

/** The new mastery of one skill after the attempts, with how much it moved. */
export interface MasteryChange {
  readonly skillId: string;
  readonly mastery: number;
  readonly uncertainty: number;
  readonly attempts: number;
  readonly trend: number;
  readonly delta: number;
}

export interface NewAttempt {
  readonly taskId: string;
  readonly correct: boolean;
  /** A Date, or epoch milliseconds. */
  readonly occurredAt: Date | number;
}

/** Weight of the newest change in the mastery trend (an exponential moving average). */
const TREND_WEIGHT = 0.3;

interface StateRow {
  model_version_id: string | null;
  state: Record<string, unknown>;
  attempt_count: number;
}

export class LearnerModelService {
  constructor(private readonly models: ActiveModels) {}

  /** Whether the learner consented to personalisation (no row = no consent: privacy by default). */
  static async personalisationConsent(m: EntityManager, learnerId: string): Promise<boolean> {
    const rows: { granted: boolean }[] = await m.query(`SELECT granted FROM consent WHERE learner_id = $1 AND purpose = $2`, [learnerId, ConsentPurpose.Personalisation]);
    return rows[0]?.granted === true;
  }

  /**
   * Applies newly recorded attempts of one learner (in the caller's transaction `m`). Returns the
   * mastery of the skills they touched; empty when not personalised (no active model or no consent).
   */
  async applyAttempts(m: EntityManager, schoolId: string, learnerId: string, attempts: readonly NewAttempt[]): Promise<MasteryChange[]> {
    if (attempts.length === 0) return [];
    // One statement creates the row on first use and locks it (DO UPDATE takes the row lock), and
    // reads the consent: concurrent attempts of this learner queue here.
    const [row] = (await m.query(
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
       VALUES ($1, $2, NULL, '{}'::jsonb, 0, 1, now())
       ON CONFLICT (learner_id) DO UPDATE SET learner_id = EXCLUDED.learner_id
       RETURNING model_version_id, state, attempt_count,
         COALESCE((SELECT granted FROM consent WHERE learner_id = $1 AND purpose = $3), false) AS consent`,
      [learnerId, schoolId, ConsentPurpose.Personalisation],
    )) as (StateRow & { consent: boolean })[];
    const loaded = await this.models.get(schoolId, m);
    const personalised = loaded !== null && row!.consent === true;
    if (!personalised) {
      await m.query(`UPDATE learner_state SET attempt_count = attempt_count + $2, version = version + 1, updated_at = now() WHERE learner_id = $1`, [learnerId, attempts.length]);
      return [];
    }
    const model = loaded.model;
    let state: EngineState;
    let traces: readonly NewAttempt[];
    // A state of another version, or of this version under a build that tags states differently, is replayed.
    const incremental = loaded.owns(row!.model_version_id, row!.state);
    if (incremental) {
      state = row!.state as unknown as EngineState;
      traces = attempts;
    } else {
      // A state of another model (or none): replay the whole history (it includes the new attempts).
      state = model.initialState();
      traces = (await m.query(`SELECT task_id AS "taskId", correct, occurred_at AS "occurredAt" FROM attempt WHERE learner_id = $1 ORDER BY occurred_at, id`, [learnerId])) as NewAttempt[];
    }
    const skillsOf = await this.skillsOfTasks(m, [...new Set(traces.map((t) => t.taskId))]);
    const next = this.advance(loaded, state, learnerId, traces, skillsOf);
    await m.query(
      `UPDATE learner_state SET state = $2::jsonb, model_version_id = $3, attempt_count = $4, version = version + 1, updated_at = now() WHERE learner_id = $1`,
      [learnerId, JSON.stringify(next.state), loaded.versionId, incremental ? row!.attempt_count + attempts.length : traces.length],
    );
    return (await this.saveMastery(m, schoolId, [{ learnerId, ...next }])).get(learnerId) ?? [];
  }

  /**
   * The one definition of applying attempts to a state: the model's update for each attempt on a task
   * it knows (a task created after training is counted but modelled only after the next retrain), and
   * the mastery of the skills the attempts touched, before and after.
   */
  private advance(loaded: LoadedModel, start: EngineState, learnerId: string, traces: readonly NewAttempt[], skillsOf: Map<string, string[]>) {
    const touched = new Set<string>();
    for (const t of traces) for (const s of skillsOf.get(t.taskId) ?? []) touched.add(s);
    const known = [...touched].filter((s) => this.knowsSkill(loaded, s));
    const before = new Map(safeMastery(loaded.model, start, known).map((mm) => [mm.skillId, mm.p]));
    let state = start;
    for (const t of traces) if (loaded.knowsTask(t.taskId)) state = loaded.model.update(state, toTrace(learnerId, t));
    return { state, after: safeMastery(loaded.model, state, known), before };
  }

  /**
   * Rebuilds many learners' states under the active model in one pass (after a promotion): one query
   * for their attempts, the replay in memory, one UPDATE and one mastery upsert. A learner whose row
   * changed meanwhile (an attempt arrived and replayed it under its row lock) is left as it is: its
   * `version` no longer matches, so the stale replay never overwrites the newer state.
   */
  async rebuildMany(m: EntityManager, schoolId: string, learnerIds: readonly string[]): Promise<number> {
    const loaded = await this.models.get(schoolId, m);
    if (!loaded || learnerIds.length === 0) return 0;
    const ids = [...learnerIds];
    await m.query(
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
       SELECT u.id, $2, NULL, '{}'::jsonb, 0, 1, now() FROM unnest($1::uuid[]) AS u(id) ON CONFLICT (learner_id) DO NOTHING`,
      [ids, schoolId],
    );
    const versions: { learner_id: string; version: number }[] = await m.query(`SELECT learner_id, version FROM learner_state WHERE learner_id = ANY($1::uuid[])`, [ids]);
    // One row per learner, its history as parallel arrays: far cheaper to ship and parse than a row per attempt.
    const rows: { learner_id: string; tasks: string[]; correct: boolean[]; at: number[] }[] = await m.query(
      `SELECT learner_id, array_agg(task_id ORDER BY occurred_at, id) AS tasks, array_agg(correct ORDER BY occurred_at, id) AS correct,
              array_agg((extract(epoch FROM occurred_at) * 1000)::float8 ORDER BY occurred_at, id) AS at
       FROM attempt WHERE learner_id = ANY($1::uuid[]) GROUP BY learner_id`, [ids]);
    const history = new Map<string, NewAttempt[]>();
    const taskIds = new Set<string>();
    for (const r of rows) {
      history.set(r.learner_id, r.tasks.map((taskId, i) => ({ taskId, correct: r.correct[i]!, occurredAt: Number(r.at[i]) })));
      for (const t of r.tasks) taskIds.add(t);
    }
    const skillsOf = await this.skillsOfTasks(m, [...taskIds]);
    const results = versions.map((v) => {
      const traces = history.get(v.learner_id) ?? [];
      return { learnerId: v.learner_id, expected: v.version, count: traces.length, ...this.advance(loaded, loaded.model.initialState(), v.learner_id, traces, skillsOf) };
    });
    const updated: unknown = await m.query(
      `UPDATE learner_state SET state = u.state::jsonb, model_version_id = $1, attempt_count = u.n, version = learner_state.version + 1, updated_at = now()
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::int[]) AS u(id, state, n, expected)
       WHERE learner_state.learner_id = u.id AND learner_state.version = u.expected
       RETURNING learner_state.learner_id`,
      [loaded.versionId, results.map((r) => r.learnerId), results.map((r) => JSON.stringify(r.state)), results.map((r) => r.count), results.map((r) => r.expected)],
    );
    const done = new Set(returning<{ learner_id: string }>(updated).map((u) => u.learner_id));
    await this.saveMastery(m, schoolId, results.filter((r) => done.has(r.learnerId)));
    return done.size;
  }

  private readonly skillKnown = new WeakMap<LoadedModel, Map<string, boolean>>();

  private knowsSkill(loaded: LoadedModel, skillId: string): boolean {
    let map = this.skillKnown.get(loaded);
    if (!map) this.skillKnown.set(loaded, (map = new Map()));
    let k = map.get(skillId);
    if (k === undefined) {
      k = safeMastery(loaded.model, loaded.model.initialState(), [skillId]).length === 1;
      map.set(skillId, k);
    }
    return k;
  }

  private async skillsOfTasks(m: EntityManager, taskIds: string[]): Promise<Map<string, string[]>> {
    const rows: { task_id: string; skill_id: string }[] = taskIds.length
      ? await m.query(`SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [taskIds])
      : [];
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.task_id, [...(out.get(r.task_id) ?? []), r.skill_id]);
    return out;
  }

  /** Upserts the mastery rows of several learners (one statement), with the trend's moving average. */
  private async saveMastery(m: EntityManager, schoolId: string, items: readonly { learnerId: string; after: EngineMastery[]; before: Map<string, number> }[]): Promise<Map<string, MasteryChange[]>> {
    const out = new Map<string, MasteryChange[]>();
    const withRows = items.filter((i) => i.after.length > 0);
    if (withRows.length === 0) return out;
    const prior: { learner_id: string; skill_id: string; trend: number }[] = await m.query(
      `SELECT learner_id, skill_id, trend FROM skill_mastery WHERE learner_id = ANY($1::uuid[])`, [withRows.map((i) => i.learnerId)]);
    const trends = new Map(prior.map((p) => [`${p.learner_id}/${p.skill_id}`, p.trend]));
    const flat: (MasteryChange & { learnerId: string })[] = [];
    for (const { learnerId, after, before } of withRows) {
      const changes = after.map((a) => {
        const delta = a.p - (before.get(a.skillId) ?? a.p);
        const trend = (1 - TREND_WEIGHT) * (trends.get(`${learnerId}/${a.skillId}`) ?? 0) + TREND_WEIGHT * delta;
        return { skillId: a.skillId, mastery: a.p, uncertainty: a.sd, attempts: Math.round(a.attempts), trend, delta };
      });
      out.set(learnerId, changes);
      for (const c of changes) flat.push({ learnerId, ...c });
    }
    await m.query(
      `INSERT INTO skill_mastery (learner_id, skill_id, school_id, mastery, uncertainty, attempts, trend, updated_at)
       SELECT u.learner_id, u.skill_id, $1, u.mastery, u.uncertainty, u.attempts, u.trend, now()
       FROM unnest($2::uuid[], $3::uuid[], $4::float8[], $5::float8[], $6::int[], $7::float8[]) AS u(learner_id, skill_id, mastery, uncertainty, attempts, trend)
       ON CONFLICT (learner_id, skill_id) DO UPDATE SET mastery = EXCLUDED.mastery, uncertainty = EXCLUDED.uncertainty,
         attempts = EXCLUDED.attempts, trend = EXCLUDED.trend, updated_at = now()`,
      [schoolId, flat.map((c) => c.learnerId), flat.map((c) => c.skillId), flat.map((c) => c.mastery), flat.map((c) => c.uncertainty), flat.map((c) => c.attempts), flat.map((c) => c.trend)],
    );
    return out;
  }
}

/** TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected]; a SELECT with rows. */
function returning<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number" ? result[0] : result) as T[];
}

function toTrace(learnerId: string, t: NewAttempt): Trace {
  return { learnerId, taskId: t.taskId, correct: t.correct ? 1 : 0, at: typeof t.occurredAt === "number" ? t.occurredAt : new Date(t.occurredAt).getTime() };
}

/** Mastery of the skills the model knows; a skill created after training is left out. */
function safeMastery(model: LoadedModel["model"], state: EngineState, skillIds: string[]): EngineMastery[] {
  const out: EngineMastery[] = [];
  for (const id of skillIds) {
    try {
      out.push(...model.mastery(state, [id]));
    } catch (e) {
      if (!(e instanceof EngineError && e.code === EngineErrorCode.UnknownSkill)) throw e; // created after training
    }
  }
  return out;
}
