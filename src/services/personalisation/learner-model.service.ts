/**
 * The engine's online update of a learner, inside the transaction that records the attempts
 * (docs/architecture.md, "Recording an attempt"): the attempt writer's statement locks the learner's state row
 * (`lockStatesSql`), then `applyAttempts` applies the active model's update for each new attempt
 * and saves the state and the touched skills' mastery — both in that one row
 * (`learner_state.state` and `.mastery`, see persistence/learner/learner-state-mastery.ts). The row
 * lock serialises concurrent attempts of one learner, so no update is lost; duplicates never reach
 * this point.
 *
 * A state built under another model version is rebuilt by replaying the learner's attempts under
 * the active one. A learner without consent to personalisation is only counted: no personal
 * parameters are computed or stored for it.
 */
import { EntityManager } from "typeorm";
import type { LearnerState as EngineState, SkillMastery as EngineMastery, Trace } from "../../engine/types.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { nextTrend, storedTrend, type MasteryMap } from "../../persistence/learner/learner-state-mastery.js";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";
import { queryPrepared } from "../../persistence/prepared.js";
import { packJson, unpackJsonSql } from "../../persistence/json-pack.js";
import { decodeState, encodeState } from "../../persistence/learner/learner-state-codec.js";
import { ActiveModels, LoadedModel } from "./active-models.js";
import { TaskIdInterner, uuidTexts } from "./task-id-interner.js";

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

/** A learner's attempts in order, in columns (how SQL hands them over: no object per attempt). */
interface History {
  readonly tasks: readonly string[];
  /** One character per attempt: "1" correct, "0" incorrect. */
  readonly correct: string;
  /**
   * Epoch milliseconds of each attempt, comma-separated integers, where the reader needs them (the
   * hot path compares its new attempts with the history's last ones); null otherwise: the engine's
   * models read only the order (Trace.at), and printing a time costs PostgreSQL a fifth of a rebuild's
   * history read.
   */
  readonly at: string | null;
  /** Epoch milliseconds of the latest attempt, as text; null for an empty history. */
  readonly last: string | null;
}

const EMPTY: History = { tasks: [], correct: "", at: "", last: null };

/** Replayed learners, in columns (the array parameters of one write). */
interface Replayed {
  readonly learners: string[];
  /** The state and the whole mastery document, as JSON text. */
  readonly states: string[];
  readonly masteries: string[];
  readonly counts: number[];
  /** The row version each learner was read at. */
  readonly versions: number[];
  /** Epoch milliseconds of the latest attempt, as text; null for an empty history. */
  readonly lasts: (string | null)[];
}

/**
 * The history of the learner `learnerIdSql` in replay order (HistoryRow): the task ids as one bytea
 * (16 bytes each: TaskIdInterner), the outcomes as one string, each attempt's time only when `times`,
 * and the latest time. The subquery reads the attempts in the order of the index (learner_id,
 * occurred_at, id), and the aggregates take them in that order: no sort per learner and per column
 * (PostgreSQL 15 sorts for every aggregate with its own ORDER BY), and no SQL arrays, which
 * node-postgres parses character by character. The online path's equality with a replay
 * (test/e2e/rebuild.db.test.ts) checks the order.
 */
export const historySql = (learnerIdSql: string, times: boolean) =>
  `SELECT string_agg(uuid_send(a.task_id), ''::bytea) AS tasks, string_agg(CASE WHEN a.correct THEN '1' ELSE '0' END, '') AS correct,
          ${times ? "string_agg((date_part('epoch', a.occurred_at) * 1000)::bigint::text, ',')" : "NULL::text"} AS at,
          (date_part('epoch', max(a.occurred_at)) * 1000)::bigint::text AS last
   FROM (SELECT task_id, correct, occurred_at FROM attempt WHERE learner_id = ${learnerIdSql} ORDER BY occurred_at, id) a`;

/** A rebuild's read of its batch ($1: learner ids): each row's version and stored mastery, with the learner's history. */
export const REBUILD_READ_SQL = `SELECT s.learner_id, s.version, s.mastery, h.tasks, h.correct, h.last
  FROM learner_state s CROSS JOIN LATERAL (${historySql("s.learner_id", false)}) h
  WHERE s.learner_id = ANY($1::uuid[])`;

/**
 * A rebuild's write of its batch: $1 the version, $2 learner ids, $3/$4 the packed state and mastery
 * texts (json-pack), $5 attempt counts, $6 the row versions read (the guard), $7 epoch ms of the latest
 * attempts, $8 ConsentPurpose.Personalisation.
 */
export const REBUILD_WRITE_SQL = `UPDATE learner_state SET state = u.state, mastery = u.mastery::jsonb, model_version_id = $1, attempt_count = u.n,
    last_attempt_at = to_timestamp(u.last / 1000.0), version = learner_state.version + 1, updated_at = now()
  FROM unnest($2::uuid[], ${unpackJsonSql("$3")}, ${unpackJsonSql("$4")}, $5::int[], $6::int[], $7::float8[]) AS u(id, state, mastery, n, expected, last)
  WHERE learner_state.learner_id = u.id AND learner_state.version = u.expected
    AND EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = u.id AND c.purpose = $8 AND c.granted)
  RETURNING learner_state.learner_id`;

interface HistoryRow {
  tasks: Uint8Array | null;
  correct: string | null;
  /** Absent from REBUILD_READ_SQL's rows. */
  at?: string | null;
  last: string | null;
}

const history = (r: HistoryRow, ids?: TaskIdInterner): History =>
  (r.tasks ? { tasks: ids ? ids.decode(r.tasks) : uuidTexts(r.tasks), correct: r.correct!, at: r.at ?? null, last: r.last } : EMPTY);

/** One interner per Q-matrix a rebuild read (its task ids' instances), made at its first batch. */
const interners = new WeakMap<Map<string, string[]>, TaskIdInterner>();
const internerOf = (qMatrix: Map<string, string[]>): TaskIdInterner => {
  let it = interners.get(qMatrix);
  if (!it) interners.set(qMatrix, (it = new TaskIdInterner(qMatrix.keys())));
  return it;
};

interface StateRow {
  model_version_id: string | null;
  state: Record<string, unknown>;
  attempt_count: number;
  mastery: MasteryMap;
  last_attempt_at: Date | null;
}

/** A learner's state row as the hot path locked it, with the learner's consent to personalisation. */
export interface LockedState extends StateRow {
  readonly consent: boolean;
}

/**
 * The hot path's lock of learners' state rows, as the body of a data-modifying CTE (the attempt
 * writer runs it inside its one statement: no round trip of its own). It creates a learner's row on
 * first use and locks it (DO UPDATE takes the row lock), in learner id order so that two batches
 * naming the same learners never deadlock, and returns the row with the learner's consent:
 * concurrent attempts of one learner queue here. `learners`: a query whose column `learner_id` holds
 * distinct learner ids; `school`, `purpose`: SQL for the school id and ConsentPurpose.Personalisation.
 */
export const lockStatesSql = (learners: string, school: string, purpose: string) =>
  `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
   SELECT l.learner_id, ${school}, NULL, '{}', 0, 1, now() FROM (${learners}) l ORDER BY l.learner_id
   ON CONFLICT (learner_id) DO UPDATE SET learner_id = EXCLUDED.learner_id
   RETURNING learner_id, model_version_id, state, attempt_count, mastery, last_attempt_at,
     COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = learner_state.learner_id AND c.purpose = ${purpose}), false) AS consent`;

/** A learner's state row read without a lock: its version tells whether it is still current when written. */
export interface CurrentState extends LockedState {
  readonly version: number;
}

/** The row's new values (`saveStateSql`'s parameters $1…$7) and the mastery changes to report. */
export interface StateUpdate {
  readonly changes: MasteryChange[];
  readonly save: unknown[];
}

/**
 * The one UPDATE that saves a learner's state and the touched skills' mastery together. `p(n)`: the
 * SQL of parameter n of StateUpdate.save (1-based), so that a larger statement can embed it; `and`:
 * a further condition.
 */
export const saveStateSql = (p: (n: number) => string, and = "") =>
  `UPDATE learner_state SET state = ${p(2)}::text, model_version_id = ${p(3)}, attempt_count = ${p(4)}, mastery = mastery || ${p(5)}::jsonb,
     last_attempt_at = CASE WHEN ${p(7)} THEN GREATEST(last_attempt_at, ${p(6)}) ELSE ${p(6)} END, version = version + 1, updated_at = now()
   WHERE learner_id = ${p(1)}${and}`;

const epochMs = (at: Date | number): number => Math.round(typeof at === "number" ? at : new Date(at).getTime());

/** In time order, as a replay takes them (a stable sort: equal times keep the order given). */
const inTimeOrder = (attempts: readonly NewAttempt[]): NewAttempt[] => [...attempts].sort((x, y) => epochMs(x.occurredAt) - epochMs(y.occurredAt));

/**
 * Whether the attempts (in time order) continue the stored state. A state of another version, or of
 * this version under a build that tags states differently, is replayed; so is one that an attempt
 * reaches out of time order (it happened before the latest applied one: an offline client syncing
 * late, concurrent requests), so that the state never depends on the order in which attempts
 * arrived — it is always the time-ordered replay. Strictly later: at the same millisecond a replay
 * orders by id, which arrival order need not follow.
 */
function isIncremental(loaded: LoadedModel, row: StateRow, ordered: readonly NewAttempt[]): boolean {
  const inOrder = row.attempt_count === 0 || (row.last_attempt_at !== null && epochMs(ordered[0]!.occurredAt) > epochMs(row.last_attempt_at));
  return inOrder && loaded.owns(row.model_version_id, row.state);
}

/** The result of replaying attempts on a state: the new state and the mastery of the skills they touched, before and after. */
interface Advanced {
  readonly state: EngineState;
  readonly after: EngineMastery[];
  readonly before: ReadonlyMap<string, number>;
  /** A rebuild's trends: per skill, the moving average of the changes over the history's last attempts (TREND_TAIL). */
  readonly trends?: ReadonlyMap<string, number>;
}

/**
 * Attempts at the end of a history that a rebuild steps one by one to measure each skill's trend
 * (the rest is replayed in one fold). With the moving average's weight 0.3, an update 10 updates
 * back on a skill weighs 1 %; 40 attempts reach back over the skills a learner has recently practised.
 */
export const TREND_TAIL = 40;

/**
 * A history's attempts as the engine's traces, in order, without the tasks `unknownTo` does not know
 * (null: the model knows them all). One trace object and one iterator result, reused: the engine reads
 * a trace only while applying it (KnowledgeModel.replay). The times, when the history has them, are
 * read from the string in step (no string or number array per attempt). Iterates once.
 */
class HistoryTraces implements Iterable<Trace>, Iterator<Trace> {
  private readonly trace: { learnerId: string; taskId: string; correct: 0 | 1; at: number | undefined } = { learnerId: "", taskId: "", correct: 0, at: undefined };
  private readonly result: IteratorYieldResult<Trace> = { done: false, value: this.trace };
  private i = 0;
  private pos = 0; // in h.at

  constructor(private readonly h: History, private readonly unknownTo: LoadedModel | null) {}

  [Symbol.iterator](): Iterator<Trace> {
    return this;
  }

  next(): IteratorResult<Trace> {
    const { tasks, at, correct } = this.h;
    while (this.i < tasks.length) {
      const i = this.i++;
      const ms = at === null ? undefined : this.nextTime(at);
      const taskId = tasks[i]!;
      if (this.unknownTo !== null && !this.unknownTo.knowsTask(taskId)) continue;
      this.trace.taskId = taskId;
      this.trace.correct = correct.charCodeAt(i) === 49 ? 1 : 0; // "1"
      this.trace.at = ms;
      return this.result;
    }
    return { done: true, value: undefined };
  }

  /** The integer up to the next comma (an optional minus sign, then digits). */
  private nextTime(at: string): number {
    let pos = this.pos;
    const negative = at.charCodeAt(pos) === 45;
    if (negative) pos++;
    let ms = 0;
    for (let c = at.charCodeAt(pos++); c >= 48 && c <= 57; c = at.charCodeAt(pos++)) ms = ms * 10 + (c - 48);
    this.pos = pos;
    return negative ? -ms : ms;
  }
}

/**
 * A learner's state replayed from its whole history under `loaded`, in memory (a read that meets a
 * state of another version: nothing is written; the next attempt or the rebuild stores it).
 */
export async function replayedState(m: EntityManager, loaded: LoadedModel, learnerId: string): Promise<EngineState> {
  const [h] = (await m.query(historySql("$1", false), [learnerId])) as HistoryRow[];
  return loaded.model.replay(loaded.model.initialState(), new HistoryTraces(h ? history(h) : EMPTY, loaded));
}

export class LearnerModelService {
  constructor(private readonly models: ActiveModels) {}

  /** Whether the learner consented to personalisation (no row = no consent: privacy by default). */
  static async personalisationConsent(m: EntityManager, learnerId: string): Promise<boolean> {
    const rows: { granted: boolean }[] = await m.query(`SELECT granted FROM consent WHERE learner_id = $1 AND purpose = $2`, [learnerId, ConsentPurpose.Personalisation]);
    return rows[0]?.granted === true;
  }

  /**
   * Applies newly recorded attempts of one learner (in the caller's transaction `m`, which holds the
   * learner's state row `row`, locked by `lockStatesSql`). Returns the mastery of the skills they
   * touched; empty when not personalised (no active model or no consent).
   */
  async applyAttempts(m: EntityManager, schoolId: string, learnerId: string, row: LockedState, attempts: readonly NewAttempt[], curriculum?: CompiledCurriculum | null): Promise<MasteryChange[]> {
    if (attempts.length === 0) return [];
    const loaded = await this.models.get(schoolId, m);
    const ordered = inTimeOrder(attempts);
    if (loaded === null || row.consent !== true) {
      await this.countOnly(m, learnerId, ordered, row.consent === true);
      return [];
    }
    const update = await this.nextRow(m, loaded, learnerId, row, ordered, isIncremental(loaded, row, ordered), curriculum);
    // The consent came with the lock, read in that statement's snapshot: a withdrawal that committed
    // while the statement waited for the lock shows only now (a new statement, a new snapshot). Then
    // nothing personal is written: the attempts are only counted.
    const saved = returning<unknown>(await queryPrepared(m,
      `${saveStateSql((n) => `$${n}`, " AND EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = $1 AND c.purpose = $8 AND c.granted)")} RETURNING 1`,
      [...update.save, ConsentPurpose.Personalisation]));
    if (saved.length === 0) {
      await this.countOnly(m, learnerId, ordered, false);
      return [];
    }
    return update.changes;
  }

  /**
   * Attempts only counted. Without consent no personal state is kept (ConsentService clears it on
   * withdrawal; this keeps it so: `keep` only with consent and no model), and the state then left
   * behind is never taken for current: the next personalised attempt replays the whole history.
   */
  private async countOnly(m: EntityManager, learnerId: string, ordered: readonly NewAttempt[], keep: boolean): Promise<void> {
    await m.query(
      `UPDATE learner_state SET attempt_count = attempt_count + $2, last_attempt_at = GREATEST(last_attempt_at, $3),
         model_version_id = NULL, state = CASE WHEN $4 THEN state ELSE '{}' END, mastery = CASE WHEN $4 THEN mastery ELSE '{}'::jsonb END,
         version = version + 1, updated_at = now() WHERE learner_id = $1`,
      [learnerId, ordered.length, new Date(epochMs(ordered[ordered.length - 1]!.occurredAt)), keep],
    );
  }

  /** A learner's state row as it stands (no lock), with its version and the learner's consent; null when it has none yet. */
  async readState(m: EntityManager, learnerId: string): Promise<CurrentState | null> {
    const [row] = (await queryPrepared(m,
      `SELECT model_version_id, state, attempt_count, mastery, last_attempt_at, version,
         COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = s.learner_id AND c.purpose = $2), false) AS consent
       FROM learner_state s WHERE s.learner_id = $1`,
      [learnerId, ConsentPurpose.Personalisation],
    )) as (Omit<CurrentState, "state"> & { state: string })[];
    return row ? { ...row, state: decodeState(row.state) } : null;
  }

  /**
   * The update `applyAttempts` would make to `row` (read without a lock, at `row.version`), when it is
   * the common case: personalised, and the attempts continue the stored state in time order. The
   * caller saves it with `saveStateSql` only if the row is still at that version (the attempt writer's
   * optimistic statement); null in every other case, which takes the locked path.
   */
  async planIncremental(m: EntityManager, schoolId: string, learnerId: string, row: CurrentState, attempts: readonly NewAttempt[], curriculum?: CompiledCurriculum | null): Promise<StateUpdate | null> {
    if (attempts.length === 0 || row.consent !== true) return null;
    const loaded = await this.models.get(schoolId, m);
    if (loaded === null) return null;
    const ordered = inTimeOrder(attempts);
    if (!isIncremental(loaded, row, ordered)) return null;
    return this.nextRow(m, loaded, learnerId, row, ordered, true, curriculum);
  }

  /** The row's new values after the attempts (`ordered` in time order), as `saveStateSql`'s parameters, and the changes to report. */
  private async nextRow(m: EntityManager, loaded: LoadedModel, learnerId: string, row: StateRow, ordered: readonly NewAttempt[], incremental: boolean, curriculum?: CompiledCurriculum | null): Promise<StateUpdate> {
    let state: EngineState;
    let traces: History;
    if (incremental) {
      state = row.state as unknown as EngineState;
      traces = {
        tasks: ordered.map((a) => a.taskId),
        correct: ordered.map((a) => (a.correct ? "1" : "0")).join(""),
        at: ordered.map((a) => epochMs(a.occurredAt)).join(","),
        last: null, // not read: the stored time is kept or moved forward (saveStateSql)
      };
    } else {
      // Replay the whole history in time order (it includes the new attempts).
      state = loaded.model.initialState();
      const [h] = (await m.query(historySql("$1", true), [learnerId])) as HistoryRow[];
      traces = h ? history(h) : EMPTY;
    }
    const skillsOf = await this.skillsOfTasks(m, [...new Set(traces.tasks)], curriculum);
    const next = this.advance(loaded, state, traces, skillsOf, !incremental, traces.tasks.every((t) => loaded.knowsTask(t)));
    // After a replay the answer still speaks of these attempts only: the skills they touched, moved from
    // the mastery stored before them; skills only the earlier history touched get their replayed values.
    const reported = incremental ? undefined : new Set(ordered.flatMap((a) => skillsOf.get(a.taskId) ?? []));
    // A state of another model (a switch in progress, or its catch-up): its stored mastery is that
    // model's, so the attempts' change is measured from this model's replay of the history before them.
    const measuredFrom = !incremental && !loaded.owns(row.model_version_id, row.state)
      ? this.masteryBefore(loaded, traces, ordered, reported!, row.mastery) ?? row.mastery
      : row.mastery;
    const { changes, patch } = masteryPatch(measuredFrom, next, Date.now(), reported);
    // After a replay, the history's latest attempt (the stored time may be missing or stale).
    const replayedLast = incremental ? null : traces.last;
    const lastAt = new Date(replayedLast === null ? epochMs(ordered[ordered.length - 1]!.occurredAt) : Number(replayedLast));
    const count = incremental ? row.attempt_count + ordered.length : traces.tasks.length;
    return { changes, save: [learnerId, encodeState(next.state), loaded.versionId, count, JSON.stringify(patch), lastAt, incremental] };
  }

  /**
   * The stored mastery with the `reported` skills' estimates replaced by the model's replay of the
   * history without the new attempts — when those are its last entries (attempts recorded now, the
   * usual case); null otherwise (backdated attempts: the stored figures are used as they are).
   */
  private masteryBefore(loaded: LoadedModel, h: History, ordered: readonly NewAttempt[], reported: ReadonlySet<string>, stored: MasteryMap | null): MasteryMap | null {
    const k = ordered.length;
    const n = h.tasks.length;
    if (n < k || reported.size === 0) return null;
    if (h.at === null) return null;
    const times = h.at.split(",");
    for (let i = 0; i < k; i++) {
      if (h.tasks[n - k + i] !== ordered[i]!.taskId || Number(times[n - k + i]) !== epochMs(ordered[i]!.occurredAt)) return null;
    }
    // The first n − k entries (the traces read `correct` and `at` by position, up to the tasks' length).
    const prefix: History = { tasks: h.tasks.slice(0, n - k), correct: h.correct, at: h.at, last: null };
    const model = loaded.model;
    const before = model.replay(model.initialState(), new HistoryTraces(prefix, prefix.tasks.every((t) => loaded.knowsTask(t)) ? null : loaded));
    const known = [...reported].filter((skill) => this.knowsSkill(loaded, skill));
    const out: MasteryMap = { ...(stored ?? {}) };
    for (const mm of known.length ? model.mastery(before, known) : []) {
      const entry = out[mm.skillId];
      out[mm.skillId] = [mm.p, mm.sd, Math.round(mm.attempts), entry?.[3] ?? 0, entry?.[4] ?? 0];
    }
    return out;
  }

  /**
   * Rebuilds many learners' states under the active model in one pass (the catch-up after a switch,
   * and the `rebuild-states` job): their histories replayed (`replayMany`), one UPDATE of state and
   * mastery together. A learner whose row changed meanwhile (an attempt arrived and replayed it under
   * its row lock) is left as it is: its `version` no longer matches, so the stale replay never
   * overwrites the newer state. The same guard makes concurrent batches safe.
   * `qMatrix`: the school's task → skills, when the caller read it once for many batches.
   */
  async rebuildMany(m: EntityManager, schoolId: string, learnerIds: readonly string[], qMatrix?: Map<string, string[]>): Promise<number> {
    const loaded = await this.models.get(schoolId, m);
    if (!loaded || learnerIds.length === 0) return 0;
    const r = await this.replayMany(m, loaded, schoolId, learnerIds, qMatrix);
    // Only while the learner still consents: the version read in the batch may postdate a withdrawal
    // (which cleared the state), and the UPDATE must not bring the personal state back.
    const updated: unknown = await queryPrepared(m, REBUILD_WRITE_SQL,
      [loaded.versionId, r.learners, packJson(r.states), packJson(r.masteries), r.counts, r.versions, r.lasts, ConsentPurpose.Personalisation],
    );
    return returning<{ learner_id: string }>(updated).length;
  }

  /**
   * Stages many learners' states under a version that is not active yet (a promotion's first phase):
   * the same replay, written to `learner_state_staged` with the row version it was read at. Only
   * learners whose row is still at that version and who still consent are staged. The consent row is
   * held (FOR SHARE) until the batch commits: a withdrawal (an upsert of that row) either comes first
   * (the row is re-checked: nothing staged) or waits and then deletes what was staged. The state row
   * is not locked (attempts of the batch's learners do not wait for it): an attempt committed after
   * the read leaves a staged state whose `source_version` is behind, which the switch does not adopt
   * (the catch-up replays that learner).
   */
  async stageMany(m: EntityManager, target: LoadedModel, schoolId: string, learnerIds: readonly string[], qMatrix?: Map<string, string[]>): Promise<number> {
    if (learnerIds.length === 0) return 0;
    const r = await this.replayMany(m, target, schoolId, learnerIds, qMatrix);
    const staged: { n: number }[] = await queryPrepared(m,
      `WITH ins AS (
         INSERT INTO learner_state_staged (model_version_id, learner_id, school_id, source_version, state, mastery, attempt_count, last_attempt_at)
         SELECT $1, u.id, $2, u.expected, u.state, u.mastery::jsonb, u.n, to_timestamp(u.last / 1000.0)
         FROM unnest($3::uuid[], ${unpackJsonSql("$4")}, ${unpackJsonSql("$5")}, $6::int[], $7::int[], $8::float8[]) AS u(id, state, mastery, n, expected, last)
         JOIN learner_state s ON s.learner_id = u.id AND s.version = u.expected
         JOIN consent c ON c.learner_id = u.id AND c.purpose = $9 AND c.granted
         FOR SHARE OF c
         ON CONFLICT (model_version_id, learner_id) DO UPDATE SET source_version = EXCLUDED.source_version, state = EXCLUDED.state,
           mastery = EXCLUDED.mastery, attempt_count = EXCLUDED.attempt_count, last_attempt_at = EXCLUDED.last_attempt_at, staged_at = now()
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [target.versionId, schoolId, r.learners, packJson(r.states), packJson(r.masteries), r.counts, r.versions, r.lasts, ConsentPurpose.Personalisation],
    );
    return staged[0]!.n;
  }

  /**
   * Replays many learners' histories under `loaded` from its initial state: one query for their rows
   * (created when missing) and histories, the replay in memory, the documents serialised for one
   * write (packed: persistence/json-pack.ts). Each learner comes with the row `version` it was read at (the write's guard).
   */
  private async replayMany(m: EntityManager, loaded: LoadedModel, schoolId: string, learnerIds: readonly string[], qMatrix?: Map<string, string[]>): Promise<Replayed> {
    const ids = [...learnerIds];
    await queryPrepared(m,
      `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
       SELECT u.id, $2, NULL, '{}', 0, 1, now() FROM unnest($1::uuid[]) AS u(id) ON CONFLICT (learner_id) DO NOTHING`,
      [ids, schoolId],
    );
    // Each learner's row (version, stored mastery: its trends and the skills the replay does not touch) with its history: one row per learner.
    const rows: ({ learner_id: string; version: number; mastery: MasteryMap } & HistoryRow)[] = await queryPrepared(m, REBUILD_READ_SQL, [ids]);
    // The school's Q-matrix when the caller read it (and the instances of its task ids, for the
    // histories); otherwise the skills of the batch's tasks.
    let skillsOf = qMatrix;
    const interned = qMatrix ? internerOf(qMatrix) : undefined;
    if (!skillsOf) {
      const taskIds = new Set<string>();
      for (const r of rows) if (r.tasks) for (const t of uuidTexts(r.tasks)) taskIds.add(t);
      skillsOf = await this.skillsOfTasks(m, [...taskIds]);
    }
    const now = Date.now();
    const start = loaded.model.initialState();
    const n = rows.length;
    const out: Replayed = { learners: new Array(n), states: new Array(n), masteries: new Array(n), counts: new Array(n), versions: new Array(n), lasts: new Array(n) };
    rows.forEach((r, i) => {
      // One learner's history split at a time, and its strings dropped once replayed: a batch's
      // split histories never all live at once (less for the young generation's collections to copy).
      const h = history(r, interned);
      r.tasks = null;
      r.correct = null;
      const next = this.advance(loaded, start, h, skillsOf, true, h.tasks.every((t) => loaded.knowsTask(t)), TREND_TAIL);
      // No skill is "reported": a rebuild re-estimates mastery under a model, it is no learning event,
      // so a skill keeps its stored trend (the moving average moves with attempts only). A skill with
      // no entry yet (a seeded or imported learner's first rebuild) gets the trend measured on the
      // history's last TREND_TAIL attempts, not a 0 that only online attempts would ever move.
      const { patch } = masteryPatch(r.mastery, next, now, NO_SKILLS, next.trends);
      out.learners[i] = r.learner_id;
      out.states[i] = encodeState(next.state);
      // The whole object is written (untouched skills kept): the version guard makes the read above current.
      out.masteries[i] = JSON.stringify({ ...r.mastery, ...patch });
      out.counts[i] = h.tasks.length;
      out.lasts[i] = h.last;
      out.versions[i] = r.version;
    });
    return out;
  }

  /**
   * The one definition of applying attempts to a state: the model's replay (the fold of its update) of
   * the attempts on tasks it knows (a task created after training is counted but modelled only after
   * the next retrain), and the mastery of the skills the attempts touched, before and after. `fromPrior`: `start` is the
   * model's initial state (its mastery is the same for every learner, so it is computed once).
   * `allKnown`: the model knows every task of `h` (checked once for a whole batch, not per attempt).
   */
  private advance(loaded: LoadedModel, start: EngineState, h: History, skillsOf: Map<string, string[]>, fromPrior: boolean, allKnown: boolean, trendTail = 0): Advanced {
    // The skills of the history's tasks, in order of first appearance (a task seen again adds none).
    const touched = new Set<string>();
    for (const t of h.tasks) {
      const skills = skillsOf.get(t);
      if (skills) for (const s of skills) touched.add(s);
    }
    const known = [...touched].filter((s) => this.knowsSkill(loaded, s));
    const model = loaded.model;
    const before = fromPrior ? this.priorMastery(loaded, known) : new Map(model.mastery(start, known).map((mm) => [mm.skillId, mm.p]));
    // `trendTail` > 0: the last attempts are stepped one by one, each skill's change measured around
    // each update that touches it (a history without times only: a rebuild's).
    const n = h.tasks.length;
    const tail = trendTail > 0 && h.at === null ? Math.min(trendTail, n) : 0;
    const head = tail === 0 ? h : { ...h, tasks: h.tasks.slice(0, n - tail), correct: h.correct.slice(0, n - tail) };
    let state = model.replay(start, new HistoryTraces(head, allKnown ? null : loaded));
    const trends = new Map<string, number>();
    for (let i = n - tail; i < n; i++) {
      const taskId = h.tasks[i]!;
      if (!allKnown && !loaded.knowsTask(taskId)) continue;
      const skills = (skillsOf.get(taskId) ?? []).filter((s) => this.knowsSkill(loaded, s));
      const before = new Map(skills.length ? model.mastery(state, skills).map((mm) => [mm.skillId, mm.p]) : []);
      state = model.update(state, { learnerId: "", taskId, correct: h.correct.charCodeAt(i) === 49 ? 1 : 0 });
      if (skills.length) for (const mm of model.mastery(state, skills)) trends.set(mm.skillId, nextTrend(trends.get(mm.skillId) ?? 0, mm.p - before.get(mm.skillId)!));
    }
    return { state, after: known.length ? model.mastery(state, known) : [], before, ...(tail > 0 ? { trends } : {}) };
  }

  /** Per model: whether it knows a skill, and a skill's mastery in the initial state (memoised). */
  private readonly skillPrior = new WeakMap<LoadedModel, Map<string, number | null>>();

  /** The skill's mastery in the model's initial state; null when the model does not know the skill (created after training). */
  private prior(loaded: LoadedModel, skillId: string): number | null {
    let map = this.skillPrior.get(loaded);
    if (!map) this.skillPrior.set(loaded, (map = new Map()));
    let p = map.get(skillId);
    if (p === undefined) {
      try {
        p = loaded.model.mastery(loaded.model.initialState(), [skillId])[0]!.p;
      } catch (e) {
        if (!(e instanceof EngineError && e.code === EngineErrorCode.UnknownSkill)) throw e;
        p = null; // created after training
      }
      map.set(skillId, p);
    }
    return p;
  }

  private knowsSkill(loaded: LoadedModel, skillId: string): boolean {
    return this.prior(loaded, skillId) !== null;
  }

  private priorMastery(loaded: LoadedModel, skillIds: readonly string[]): Map<string, number> {
    return new Map(skillIds.map((s) => [s, this.prior(loaded, s)!]));
  }

  /** The school's whole Q-matrix (task → skills), read once for a rebuild of many batches. */
  async qMatrix(m: EntityManager, schoolId: string): Promise<Map<string, string[]>> {
    return groupSkills(await m.query(`SELECT task_id, skill_id FROM task_skill WHERE school_id = $1`, [schoolId]));
  }

  /**
   * The skills of these tasks: from the school's compiled curriculum when the caller holds it (the
   * hot path reads it before its transaction), from the database for any task it does not know yet
   * (created a moment ago in another process).
   */
  private async skillsOfTasks(m: EntityManager, taskIds: string[], curriculum?: CompiledCurriculum | null): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const missing: string[] = [];
    for (const id of taskIds) {
      const task = curriculum?.tasks.get(id);
      if (task) out.set(id, task.skills.map((s) => s.skillId));
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const found = groupSkills(await m.query(`SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [missing]));
    for (const [id, skills] of found) out.set(id, skills);
    return out;
  }
}

/**
 * The stored entries of the skills an update touched (to merge into the row's `mastery`), with the
 * trend's moving average continued from the stored one, and the changes as the API reports them.
 */
/**
 * The mastery entries to store and the changes to report. `reported` (after a replay of the whole
 * history): only these skills are reported and move their trend, measured from the stored mastery;
 * the others are stored with their replayed values and their trend kept, or, for a skill with no
 * stored entry yet, the trend `trends` a rebuild measured on the history's last attempts.
 */
function masteryPatch(
  stored: MasteryMap | null, next: Advanced, now: number, reported?: ReadonlySet<string>, trends?: ReadonlyMap<string, number>,
): { changes: MasteryChange[]; patch: MasteryMap } {
  const patch: MasteryMap = {};
  const changes: MasteryChange[] = [];
  for (const a of next.after) {
    const attempts = Math.round(a.attempts);
    const prior = storedTrend(stored, a.skillId);
    if (reported && !reported.has(a.skillId)) {
      // A stored trend is kept (continued by attempts only); a skill without an entry yet gets the measured one.
      const measured = stored?.[a.skillId] === undefined ? trends?.get(a.skillId) : undefined;
      patch[a.skillId] = [a.p, a.sd, attempts, measured ?? prior, now];
      continue;
    }
    const before = reported ? (stored?.[a.skillId]?.[0] ?? next.before.get(a.skillId)) : next.before.get(a.skillId);
    const delta = a.p - (before ?? a.p);
    const trend = nextTrend(prior, delta);
    patch[a.skillId] = [a.p, a.sd, attempts, trend, now];
    changes.push({ skillId: a.skillId, mastery: a.p, uncertainty: a.sd, attempts, trend, delta });
  }
  return { changes, patch };
}

const NO_SKILLS: ReadonlySet<string> = new Set();

function groupSkills(rows: readonly { task_id: string; skill_id: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.task_id);
    if (list) list.push(r.skill_id);
    else out.set(r.task_id, [r.skill_id]);
  }
  return out;
}

/** TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected]; a SELECT with rows. */
function returning<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number" ? result[0] : result) as T[];
}
