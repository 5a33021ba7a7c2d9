/**
 * The engine's online update of a learner, inside the transaction that records the attempts
 * (docs/architecture.md, "Recording an attempt"): the attempt writer's statement locks the learner's state row
 * (`lockStatesSql`), then `applyAttempts` applies the active model's update for each new attempt
 * and saves the state and the touched skills' mastery — both in that one row
 * (`learner_state.state` and `.mastery`, see persistence/learner/learner-state-mastery.ts). The row
 * lock serialises concurrent attempts of one learner, so no update is lost; duplicates never reach
 * this point. The optimistic path (`planIncremental`) computes the same update from a row read
 * without a lock, which the attempt writer saves only if the row has not moved.
 *
 * A state built under another model version is rebuilt by replaying the learner's attempts under
 * the active one. A learner without consent to personalisation is only counted: no personal
 * parameters are computed or stored for it.
 */
import type { EntityManager } from "typeorm";
import type { LearnerState as EngineState } from "../../engine/types.js";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";
import type { MasteryMap } from "../../persistence/learner/learner-state-mastery.js";
import { encodeState } from "../../persistence/learner/learner-state-codec.js";
import {
  countAttemptsOnly,
  saveStatesIfConsenting,
  type CountOnly,
  type CurrentState,
  type LockedState,
  type StateRow,
  type StateSave,
} from "../../persistence/learner/learner-state.store.js";
import type { ActiveModels, LoadedModel } from "./active-models.js";
import { HistoryTraces, learnerHistories, learnerHistory, type History } from "./learner-history.js";
import { advance, knowsSkill, masteryPatch, type MasteryChange } from "./model-replay.js";
import { skillsOfTasks } from "./task-skills.js";

export interface NewAttempt {
  readonly taskId: string;
  readonly correct: boolean;
  /** A Date, or epoch milliseconds. */
  readonly occurredAt: Date | number;
}

/** A learner's newly recorded attempts, with its state row as the caller locked it (or read it, for a plan). */
export interface LearnerAttempts<Row extends LockedState = LockedState> {
  readonly learnerId: string;
  readonly row: Row;
  readonly attempts: readonly NewAttempt[];
}

/** The row's new values (saved by `saveStateSql`) and the mastery changes to report. */
export interface StateUpdate {
  readonly changes: MasteryChange[];
  readonly save: StateSave;
}

const epochMs = (at: Date | number): number => Math.round(typeof at === "number" ? at : new Date(at).getTime());

/** In time order, as a replay takes them (a stable sort: equal times keep the order given). */
const inTimeOrder = (attempts: readonly NewAttempt[]): NewAttempt[] =>
  [...attempts].sort((x, y) => epochMs(x.occurredAt) - epochMs(y.occurredAt));

/**
 * Whether the attempts (in time order) continue the stored state. A state of another version, or of
 * this version under a build that tags states differently, is replayed; so is one that an attempt
 * reaches out of time order (it happened before the latest applied one: an offline client syncing
 * late, concurrent requests), so that the state never depends on the order in which attempts
 * arrived — it is always the time-ordered replay. Strictly later: at the same millisecond a replay
 * orders by id, which arrival order need not follow.
 */
function isIncremental(loaded: LoadedModel, row: StateRow, ordered: readonly NewAttempt[]): boolean {
  const inOrder =
    row.attempt_count === 0 || (row.last_attempt_at !== null && epochMs(ordered[0]!.occurredAt) > epochMs(row.last_attempt_at));
  return inOrder && loaded.owns(row.model_version_id, row.state);
}

export class OnlineUpdate {
  constructor(private readonly models: ActiveModels) {}

  /**
   * Applies newly recorded attempts of one learner (in the caller's transaction `m`, which holds the
   * learner's state row `row`, locked by `lockStatesSql`). Returns the mastery of the skills they
   * touched; empty when not personalised (no active model or no consent). `applyMany` for one learner.
   */
  async applyAttempts(
    m: EntityManager,
    schoolId: string,
    learnerId: string,
    row: LockedState,
    attempts: readonly NewAttempt[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<MasteryChange[]> {
    return (await this.applyMany(m, schoolId, [{ learnerId, row, attempts }], curriculum)).get(learnerId) ?? [];
  }

  /**
   * Applies newly recorded attempts of a batch's learners (each row locked by `lockStatesSql` in the
   * caller's transaction `m`): every learner's update computed in memory, then saved in one statement
   * (`saveStatesIfConsenting`), and the attempts of the learners without a personal update counted
   * in one more. Returns each learner's mastery changes (none when not personalised).
   */
  async applyMany(
    m: EntityManager,
    schoolId: string,
    batch: readonly LearnerAttempts[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<Map<string, MasteryChange[]>> {
    const out = new Map<string, MasteryChange[]>();
    const todo = batch.filter((b) => b.attempts.length > 0);
    if (todo.length === 0) return out;
    const loaded = await this.models.get(schoolId, m);
    // The skills of the batch's tasks, read at most once for all its learners.
    const known = loaded
      ? await skillsOfTasks(m, [...new Set(todo.flatMap((b) => b.attempts.map((a) => a.taskId)))], curriculum)
      : undefined;
    const counts: CountOnly[] = [];
    const personal: { learnerId: string; row: LockedState; ordered: NewAttempt[]; incremental: boolean }[] = [];
    for (const { learnerId, row, attempts } of todo) {
      const ordered = inTimeOrder(attempts);
      if (loaded === null || row.consent !== true) counts.push(countOf(learnerId, ordered, row.consent === true));
      else personal.push({ learnerId, row, ordered, incremental: isIncremental(loaded, row, ordered) });
    }
    // The histories of the learners to replay (an attempt out of time order, a state of another model), in one statement.
    const histories = await learnerHistories(
      m,
      personal.filter((p) => !p.incremental).map((p) => p.learnerId),
      true,
    );
    const updates: { learnerId: string; ordered: NewAttempt[]; update: StateUpdate }[] = [];
    for (const { learnerId, row, ordered, incremental } of personal) {
      const update = await nextRow(m, loaded!, learnerId, row, ordered, incremental, curriculum, known, histories.get(learnerId));
      updates.push({ learnerId, ordered, update });
    }
    // The consent came with the lock, read in that statement's snapshot: a withdrawal that committed
    // while the statement waited for the lock shows only now (a new statement, a new snapshot). Then
    // nothing personal is written: the attempts are only counted.
    const saved = await saveStatesIfConsenting(
      m,
      updates.map((u) => u.update.save),
    );
    for (const u of updates) {
      if (saved.has(u.learnerId)) out.set(u.learnerId, u.update.changes);
      else counts.push(countOf(u.learnerId, u.ordered, false));
    }
    await countAttemptsOnly(m, counts);
    return out;
  }

  /**
   * The update `applyAttempts` would make to `row` (read without a lock, at `row.version`), when it is
   * the common case: personalised, and the attempts continue the stored state in time order. The
   * caller saves it with `saveStateSql` only if the row is still at that version (the attempt writer's
   * optimistic statement); null in every other case, which takes the locked path. `planMany` of one.
   */
  async planIncremental(
    m: EntityManager,
    schoolId: string,
    learnerId: string,
    row: CurrentState,
    attempts: readonly NewAttempt[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<StateUpdate | null> {
    return (await this.planMany(m, schoolId, [{ learnerId, row, attempts }], curriculum)).get(learnerId) ?? null;
  }

  /**
   * `planIncremental` for a batch's learners (the model and the skills of the batch's tasks read once):
   * the updates of the learners in the common case, by learner id; the others are absent.
   */
  async planMany(
    m: EntityManager,
    schoolId: string,
    batch: readonly LearnerAttempts<CurrentState>[],
    curriculum?: CompiledCurriculum | null,
  ): Promise<Map<string, StateUpdate>> {
    const out = new Map<string, StateUpdate>();
    const todo = batch.filter((b) => b.attempts.length > 0 && b.row.consent === true);
    if (todo.length === 0) return out;
    const loaded = await this.models.get(schoolId, m);
    if (loaded === null) return out;
    const known =
      todo.length > 1 ? await skillsOfTasks(m, [...new Set(todo.flatMap((b) => b.attempts.map((a) => a.taskId)))], curriculum) : undefined;
    for (const { learnerId, row, attempts } of todo) {
      const ordered = inTimeOrder(attempts);
      if (isIncremental(loaded, row, ordered))
        out.set(learnerId, await nextRow(m, loaded, learnerId, row, ordered, true, curriculum, known));
    }
    return out;
  }
}

/**
 * Attempts only counted. Without consent no personal state is kept (ConsentService clears it on
 * withdrawal; this keeps it so: `keep` only with consent and no model), and the state then left
 * behind is never taken for current: the next personalised attempt replays the whole history.
 */
function countOf(learnerId: string, ordered: readonly NewAttempt[], keep: boolean): CountOnly {
  const lastAttemptAt = new Date(epochMs(ordered[ordered.length - 1]!.occurredAt));
  return { learnerId, attempts: ordered.length, lastAttemptAt, keep };
}

/** The row's new values after the attempts (`ordered` in time order), as a StateSave, and the changes to report. */
async function nextRow(
  m: EntityManager,
  loaded: LoadedModel,
  learnerId: string,
  row: StateRow,
  ordered: readonly NewAttempt[],
  incremental: boolean,
  curriculum?: CompiledCurriculum | null,
  known?: ReadonlyMap<string, string[]>,
  /** A replay's history (`learnerHistory` with times), when the caller read it with others. */
  replayed?: History,
): Promise<StateUpdate> {
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
    traces = replayed ?? (await learnerHistory(m, learnerId, true));
  }
  const skillsOf = await skillsOfTasks(m, [...new Set(traces.tasks)], curriculum, known);
  const next = advance(
    loaded,
    state,
    traces,
    skillsOf,
    !incremental,
    traces.tasks.every((t) => loaded.knowsTask(t)),
  );
  // After a replay the answer still speaks of these attempts only: the skills they touched, moved from
  // the mastery stored before them; skills only the earlier history touched get their replayed values.
  const reported = incremental ? undefined : new Set(ordered.flatMap((a) => skillsOf.get(a.taskId) ?? []));
  // A state of another model (a switch in progress, or its catch-up): its stored mastery is that
  // model's, so the attempts' change is measured from this model's replay of the history before them.
  const measuredFrom =
    !incremental && !loaded.owns(row.model_version_id, row.state)
      ? (masteryBefore(loaded, traces, ordered, reported!, row.mastery) ?? row.mastery)
      : row.mastery;
  const { changes, patch } = masteryPatch(measuredFrom, next, Date.now(), reported);
  // After a replay, the history's latest attempt (the stored time may be missing or stale).
  const replayedLast = incremental ? null : traces.last;
  const lastAt = new Date(replayedLast === null ? epochMs(ordered[ordered.length - 1]!.occurredAt) : Number(replayedLast));
  const count = incremental ? row.attempt_count + ordered.length : traces.tasks.length;
  return {
    changes,
    save: {
      learnerId,
      state: encodeState(next.state),
      modelVersionId: loaded.versionId,
      attemptCount: count,
      masteryPatch: JSON.stringify(patch),
      lastAttemptAt: lastAt,
      incremental,
    },
  };
}

/**
 * The stored mastery with the `reported` skills' estimates replaced by the model's replay of the
 * history without the new attempts — when those are its last entries (attempts recorded now, the
 * usual case); null otherwise (backdated attempts: the stored figures are used as they are).
 */
function masteryBefore(
  loaded: LoadedModel,
  h: History,
  ordered: readonly NewAttempt[],
  reported: ReadonlySet<string>,
  stored: MasteryMap | null,
): MasteryMap | null {
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
  const before = model.replay(
    model.initialState(),
    new HistoryTraces(prefix, prefix.tasks.every((t) => loaded.knowsTask(t)) ? null : loaded),
  );
  const known = [...reported].filter((skill) => knowsSkill(loaded, skill));
  const out: MasteryMap = { ...(stored ?? {}) };
  for (const mm of known.length ? model.mastery(before, known) : []) {
    const entry = out[mm.skillId];
    out[mm.skillId] = [mm.p, mm.sd, Math.round(mm.attempts), entry?.[3] ?? 0, entry?.[4] ?? 0];
  }
  return out;
}
