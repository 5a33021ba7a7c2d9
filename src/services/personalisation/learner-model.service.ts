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
  readonly occurredAt: Date;
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
  async applyAttempts(m: EntityManager, schoolId: string, learnerId: string, attempts: readonly NewAttempt[], opts: { replay?: boolean } = {}): Promise<MasteryChange[]> {
    if (attempts.length === 0 && !opts.replay) return [];
    await m.query(
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
       VALUES ($1, $2, NULL, '{}'::jsonb, 0, 1, now()) ON CONFLICT (learner_id) DO NOTHING`,
      [learnerId, schoolId],
    );
    const [row] = (await m.query(`SELECT model_version_id, state, attempt_count FROM learner_state WHERE learner_id = $1 FOR UPDATE`, [learnerId])) as StateRow[];
    const loaded = await this.models.get(schoolId, m);
    const personalised = loaded !== null && (await LearnerModelService.personalisationConsent(m, learnerId));
    if (!personalised) {
      await m.query(`UPDATE learner_state SET attempt_count = attempt_count + $2, version = version + 1, updated_at = now() WHERE learner_id = $1`, [learnerId, attempts.length]);
      return [];
    }
    const model = loaded.model;
    let state: EngineState;
    let traces: readonly NewAttempt[];
    const incremental = !opts.replay && row!.model_version_id === loaded.versionId && (row!.state as { model?: string }).model !== undefined;
    if (incremental) {
      state = row!.state as unknown as EngineState;
      traces = attempts;
    } else {
      // A state of another model (or none): replay the whole history (it includes the new attempts).
      state = model.initialState();
      traces = (await m.query(`SELECT task_id AS "taskId", correct, occurred_at AS "occurredAt" FROM attempt WHERE learner_id = $1 ORDER BY occurred_at, id`, [learnerId])) as NewAttempt[];
    }
    const touched = new Set<string>();
    const before = new Map<string, number>();
    const skillsOf = await this.skillsOfTasks(m, [...new Set(traces.map((t) => t.taskId))]);
    for (const t of traces) for (const s of skillsOf.get(t.taskId) ?? []) touched.add(s);
    const known = [...touched].filter((s) => this.knowsSkill(loaded, s));
    for (const mm of safeMastery(model, state, known)) before.set(mm.skillId, mm.p);
    for (const t of traces) {
      if (!loaded.knowsTask(t.taskId)) continue; // created after training: counted, modelled after the next retrain
      state = model.update(state, toTrace(learnerId, t));
    }
    const after = safeMastery(model, state, known);
    await m.query(
      `UPDATE learner_state SET state = $2::jsonb, model_version_id = $3, attempt_count = $4, version = version + 1, updated_at = now() WHERE learner_id = $1`,
      [learnerId, JSON.stringify(state), loaded.versionId, incremental ? row!.attempt_count + attempts.length : traces.length],
    );
    return this.saveMastery(m, schoolId, learnerId, after, before);
  }

  /** Rebuilds a learner's state under the active model by replaying its history (after a promotion). */
  async rebuild(m: EntityManager, schoolId: string, learnerId: string): Promise<MasteryChange[]> {
    return this.applyAttempts(m, schoolId, learnerId, [], { replay: true });
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

  private async saveMastery(m: EntityManager, schoolId: string, learnerId: string, after: EngineMastery[], before: Map<string, number>): Promise<MasteryChange[]> {
    if (after.length === 0) return [];
    const prior: { skill_id: string; trend: number }[] = await m.query(
      `SELECT skill_id, trend FROM skill_mastery WHERE learner_id = $1 AND skill_id = ANY($2::uuid[])`,
      [learnerId, after.map((a) => a.skillId)],
    );
    const trends = new Map(prior.map((p) => [p.skill_id, p.trend]));
    const changes = after.map((a) => {
      const delta = a.p - (before.get(a.skillId) ?? a.p);
      const trend = (1 - TREND_WEIGHT) * (trends.get(a.skillId) ?? 0) + TREND_WEIGHT * delta;
      return { skillId: a.skillId, mastery: a.p, uncertainty: a.sd, attempts: Math.round(a.attempts), trend, delta };
    });
    await m.query(
      `INSERT INTO skill_mastery (learner_id, skill_id, school_id, mastery, uncertainty, attempts, trend, updated_at)
       SELECT $1, u.skill_id, $2, u.mastery, u.uncertainty, u.attempts, u.trend, now()
       FROM unnest($3::uuid[], $4::float8[], $5::float8[], $6::int[], $7::float8[]) AS u(skill_id, mastery, uncertainty, attempts, trend)
       ON CONFLICT (learner_id, skill_id) DO UPDATE SET mastery = EXCLUDED.mastery, uncertainty = EXCLUDED.uncertainty,
         attempts = EXCLUDED.attempts, trend = EXCLUDED.trend, updated_at = now()`,
      [learnerId, schoolId, changes.map((c) => c.skillId), changes.map((c) => c.mastery), changes.map((c) => c.uncertainty), changes.map((c) => c.attempts), changes.map((c) => c.trend)],
    );
    return changes;
  }
}

function toTrace(learnerId: string, t: NewAttempt): Trace {
  return { learnerId, taskId: t.taskId, correct: t.correct ? 1 : 0, at: new Date(t.occurredAt).getTime() };
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
