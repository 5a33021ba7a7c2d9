/**
 * The hot path's one write statement (in the attempt's transaction, or alone with a `guard`): checks
 * that the learners and tasks exist in the school (and, for a teacher, are in its cohorts), inserts the attempts whose
 * idempotency key is new, marks done the pending path steps whose task was just answered correctly,
 * locks the batch's learners' state rows in id order, creating those missing for learners with new
 * attempts (lockStatesSql, createStatesSql: the online update's lock, one round trip less), saves the
 * updates the caller planned before the write (PlannedSave) whose rows have not moved, returns the
 * other rows of learners with new attempts as they stand, and reads what deciding on a re-plan needs:
 * the learners' pending steps of model-planned paths toward active goals, and their last attempts
 * before these. Nothing is inserted or saved unless every learner and task was found; the caller then
 * raises the precise error and the transaction rolls back.
 *
 * Optimistically (`guard`, one attempt, no transaction of the caller's): instead of locking the state
 * row for a later update, the statement locks it, checks that it is still at the version the update
 * was computed from, and only then inserts the attempt and saves the update (`saveStateSql`) — all
 * or nothing, as one statement is. A row that moved meanwhile writes nothing (`current` false); the
 * caller then takes the locked path.
 */
import type { EntityManager } from "typeorm";
import { PathStepStatus } from "../goal/path-step.entity.js";
import { GoalStatus } from "../goal/goal.entity.js";
import { ConsentPurpose } from "../learner/consent.entity.js";
import { queryPrepared } from "../prepared.js";
import { decodeState } from "../learner/learner-state-codec.js";
import { JSON_SEPARATOR } from "../json-pack.js";
import {
  consentsSql,
  createStatesSql,
  lockStatesSql,
  saveStateSql,
  saveStatesSql,
  stateSaveParams,
  type LockedState,
  type StateSave,
} from "../learner/learner-state.store.js";

export interface AttemptRow {
  readonly id: string;
  readonly learnerId: string;
  readonly taskId: string;
  readonly correct: boolean;
  readonly score: number;
  readonly durationSeconds: number | null;
  readonly hintsUsed: number;
  readonly occurredAt: Date;
  readonly source: string;
  readonly idempotencyKey: string;
}

/** A pending step of a model-planned path toward an active goal. */
export interface PendingStep {
  readonly learnerId: string;
  readonly pathId: string;
  readonly goalId: string;
  readonly plannedAt: Date;
  readonly masteryThreshold: number;
  readonly position: number;
  readonly skillId: string | null;
  readonly taskId: string;
}

export interface PriorAttempt {
  readonly learnerId: string;
  readonly taskId: string;
  readonly correct: boolean;
  readonly createdAt: Date;
}

export interface WriteResult {
  /** False when a learner or a task was not found (nothing was written). */
  readonly found: boolean;
  /** Ids of the rows inserted now, with their created_at; the others were duplicates. */
  readonly inserted: Map<string, Date>;
  /** Pending steps after this write, by path and position. */
  readonly pending: PendingStep[];
  /** Each learner's last attempts before these (newest first), for learners with a model-planned path. */
  readonly prior: PriorAttempt[];
  /** The locked state rows of the learners with attempts inserted now (none with a guard). */
  readonly states: Map<string, LockedState>;
  /** With a guard: whether the state row was still at the guard's version (else nothing was written). */
  readonly current: boolean;
  /** The learners whose planned update was saved (`planned`); their rows are not in `states`. */
  readonly saved: Set<string>;
}

/**
 * An update computed before the write from a learner's state row read without a lock: saved by the
 * write itself if the row is still at `version`, the learner still consents and all `attempts` of the
 * learner's in the batch were inserted (none a duplicate). Otherwise the row is locked and returned as
 * any other, for the caller to update.
 */
export interface PlannedSave {
  readonly version: number;
  readonly attempts: number;
  readonly save: StateSave;
}

/** The optimistic write's condition and update: the learner's state row at `version`, saved with `save` (saveStateSql). */
export interface StateGuard {
  readonly version: number;
  readonly save: StateSave;
}

/** Where the attempts are written and who may write them. */
export interface WriteScope {
  readonly schoolId: string;
  /** A teacher's id: only learners in its cohorts are found. Null: any learner of the school. */
  readonly teacherId: string | null;
}

/** How many earlier attempts of a learner the re-plan check looks at. */
export const PRIOR_ATTEMPTS = 2;

export async function writeAttempts(
  m: EntityManager,
  scope: WriteScope,
  rows: readonly AttemptRow[],
  guard?: StateGuard,
  planned: readonly PlannedSave[] = [],
): Promise<WriteResult> {
  return write(m, scope, { rows }, guard, planned);
}

/** An attempt applied from the pending ones (`applyPendingAttempts`), as the database holds it. */
export interface AppliedAttempt {
  readonly id: string;
  readonly learnerId: string;
  readonly taskId: string;
  readonly correct: boolean;
  readonly occurredAt: Date;
  readonly createdAt: Date;
}

/**
 * The deferred path's apply (services/attempt/pending-applier.ts), in the caller's transaction: the same
 * statement as `writeAttempts`, whose attempts are not inserted but claimed — the learners' pending rows
 * (`attempt_pending`) deleted once their state rows are locked, and their attempts read — so that
 * everything after the insert (path steps done, the state rows returned for the update, what a re-plan
 * decides on) is what a recorded attempt gets. The pending rows come back if the transaction rolls
 * back; another applier of a learner waits for its lock, then finds its rows gone. `attempts`: the
 * claimed attempts (their order is not the time order).
 */
export async function applyPendingAttempts(
  m: EntityManager,
  schoolId: string,
  learnerIds: readonly string[],
): Promise<WriteResult & { readonly attempts: AppliedAttempt[] }> {
  return write(m, { schoolId, teacherId: null }, { pendingOf: learnerIds });
}

/** The first parameters of every attempt statement ($1–$15): the school, the learners and tasks to find, the rows' columns, how many to find. */
function attemptParams(
  schoolId: string,
  learnerIds: readonly string[],
  taskIds: readonly string[],
  rows: readonly AttemptRow[],
): unknown[] {
  return [
    schoolId,
    learnerIds,
    taskIds,
    rows.map((r) => r.id),
    rows.map((r) => r.learnerId),
    rows.map((r) => r.taskId),
    rows.map((r) => r.correct),
    rows.map((r) => r.score),
    rows.map((r) => r.durationSeconds),
    rows.map((r) => r.hintsUsed),
    rows.map((r) => r.occurredAt),
    rows.map((r) => r.source),
    rows.map((r) => r.idempotencyKey),
    learnerIds.length,
    taskIds.length,
  ];
}

/** The learners ($2) of the school ($1) the scope may write for (`l`) and the tasks ($3) found (`t`), as CTEs. */
function scopeCtes(teacherId: string | null, param: (value: unknown) => string): string {
  const teacher =
    teacherId !== null
      ? ` AND id IN (SELECT e.learner_id FROM enrollment e JOIN cohort_teacher ct ON ct.cohort_id = e.cohort_id WHERE ct.teacher_id = ${param(teacherId)})`
      : "";
  return `l AS (SELECT id FROM learner WHERE school_id = $1 AND id = ANY($2::uuid[])${teacher}),
          t AS (SELECT id FROM task WHERE school_id = $1 AND id = ANY($3::uuid[]))`;
}

/** The INSERT of the rows ($4–$13) into the school's attempts, when `condition` (SQL) holds; `conflict`: the ON CONFLICT clause, if any. */
const insertAttemptsSql = (condition: string, conflict: string, returning: string) =>
  `INSERT INTO attempt (id, school_id, learner_id, task_id, correct, score, duration_seconds, hints_used, occurred_at, source, idempotency_key)
            SELECT u.id, $1, u.learner_id, u.task_id, u.correct, u.score, u.duration_seconds, u.hints_used, u.occurred_at, u.source, u.idempotency_key
            FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::bool[], $8::float8[], $9::int[], $10::int[], $11::timestamptz[], $12::text[], $13::text[])
                 WITH ORDINALITY AS u(id, learner_id, task_id, correct, score, duration_seconds, hints_used, occurred_at, source, idempotency_key, n)
            WHERE ${condition}
            ORDER BY u.n${conflict}
            RETURNING ${returning}`;

/** What the deferred insert wrote. */
export interface DeferredInsert {
  /** False when a learner or a task was not found (nothing was written). */
  readonly found: boolean;
  /** Ids of the rows inserted now; the others' keys were recorded before (only with `skipDuplicates`). */
  readonly inserted: Set<string>;
}

/**
 * The deferred path's write (`ingestAttempts`): the attempts and their pending marks (`attempt_pending`)
 * in ONE statement, nothing else — no lock, no state row, no path step: the applier does those later.
 * Nothing is written unless every learner and task was found (for a teacher, in its cohorts). Without
 * `skipDuplicates` a key recorded before fails the whole statement (unique violation, nothing written:
 * the caller then takes the path that sorts duplicates out); with it, those rows are skipped, and the
 * caller, in a transaction, checks them.
 */
export async function insertDeferred(
  m: EntityManager,
  scope: WriteScope,
  rows: readonly AttemptRow[],
  skipDuplicates: boolean,
): Promise<DeferredInsert> {
  const learnerIds = [...new Set(rows.map((r) => r.learnerId))];
  const taskIds = [...new Set(rows.map((r) => r.taskId))];
  const params = attemptParams(scope.schoolId, learnerIds, taskIds, rows);
  const param = (value: unknown) => `$${params.push(value)}`;
  const [row] = (await queryPrepared<unknown[]>(
    m,
    `WITH ${scopeCtes(scope.teacherId, param)},
          ok AS (SELECT (SELECT count(*) FROM l) = $14 AND (SELECT count(*) FROM t) = $15 AS found),
          ins AS (${insertAttemptsSql("(SELECT found FROM ok)", skipDuplicates ? " ON CONFLICT (school_id, idempotency_key) DO NOTHING" : "", "id, learner_id")}),
          pend AS (INSERT INTO attempt_pending (learner_id, attempt_id, school_id) SELECT learner_id, id, $1 FROM ins)
     SELECT (SELECT found FROM ok) AS found, ${skipDuplicates ? "(SELECT json_agg(id) FROM ins)" : "NULL::json"} AS inserted, (SELECT count(*)::int FROM ins) AS n`,
    params,
  )) as { found: boolean; inserted: string[] | null; n: number }[];
  const found = row!.found === true;
  return { found, inserted: new Set(skipDuplicates ? (row!.inserted ?? []) : found ? rows.map((r) => r.id) : []) };
}

async function write(
  m: EntityManager,
  scope: WriteScope,
  source: { readonly rows: readonly AttemptRow[] } | { readonly pendingOf: readonly string[] },
  guard?: StateGuard,
  planned: readonly PlannedSave[] = [],
): Promise<WriteResult & { readonly attempts: AppliedAttempt[] }> {
  const { schoolId, teacherId } = scope;
  const rows = "rows" in source ? source.rows : [];
  const applying = "pendingOf" in source;
  if (guard && rows.length !== 1) throw new Error("an optimistic write records exactly one attempt");
  if (guard && planned.length) throw new Error("an optimistic write plans no other update");
  const learnerIds = applying ? [...source.pendingOf] : [...new Set(rows.map((r) => r.learnerId))];
  const taskIds = [...new Set(rows.map((r) => r.taskId))];
  const params: unknown[] = [
    ...attemptParams(schoolId, learnerIds, taskIds, rows),
    PathStepStatus.Done,
    PathStepStatus.Pending,
    GoalStatus.Active,
  ];
  const param = (value: unknown) => `$${params.push(value)}`;
  let lock = "",
    current = "true",
    states = "",
    savedIds = "",
    state: string;
  if (guard) {
    const version = param(guard.version);
    const save = stateSaveParams(guard.save, param);
    lock = `lk AS MATERIALIZED (SELECT version FROM learner_state WHERE learner_id = ${save.learnerId} FOR UPDATE),`;
    current = `(SELECT version FROM lk) = ${version}`;
    // A data-modifying CTE runs to completion whether or not the query reads it.
    state = `saved AS (${saveStateSql(save, " AND EXISTS (SELECT 1 FROM ins)")}),`;
  } else {
    // The learners' existing state rows are locked before anything is written, in id order: the
    // order of the optimistic write (its row first, then the attempt and the path steps) and of every
    // multi-learner writer, so the two paths cannot deadlock on a key, a path step or a batch. `ok`
    // reads the lock's count to make it run first (a MATERIALIZED CTE runs when first read).
    lock = `lk AS MATERIALIZED (${lockStatesSql("$2::uuid[]")}),`;
    current = `(SELECT count(*) FROM lk) >= 0`;
    const consent = param(ConsentPurpose.Personalisation);
    let saved = "",
      unsaved = "";
    if (planned.length) {
      // The planned updates, on rows locked above (`ok`, read as a one-time filter, runs the lock first).
      const sql = saveStatesSql(
        planned.map((p) => p.save),
        param,
        {
          from: ` JOIN unnest(${param(planned.map((p) => p.save.learnerId))}::uuid[], ${param(planned.map((p) => p.version))}::int[],
                    ${param(planned.map((p) => p.attempts))}::int[]) AS g(learner_id, expected, n) ON g.learner_id = u.learner_id
                  JOIN (SELECT learner_id, count(*) AS n FROM ins GROUP BY learner_id) i ON i.learner_id = u.learner_id`,
          where: ` AND (SELECT found FROM ok) AND s.version = g.expected AND i.n = g.n AND ${consentsSql("u.learner_id", consent)}`,
        },
      );
      saved = `saved AS (${sql} RETURNING s.learner_id),`;
      unsaved = " AND learner_id NOT IN (SELECT learner_id FROM saved)";
      savedIds = ", (SELECT json_agg(learner_id) FROM saved) AS saved";
    }
    // The rows of the learners with new attempts (and no planned update saved): locked above, or
    // created now (a first attempt).
    state = `${saved} made AS (${createStatesSql("SELECT DISTINCT learner_id FROM ins WHERE learner_id NOT IN (SELECT learner_id FROM lk)", "$1")}),
          st AS (SELECT * FROM lk WHERE learner_id IN (SELECT learner_id FROM ins)${unsaved} UNION ALL SELECT * FROM made),`;
    // Each row's scalars as JSON; its state and mastery as the texts they are, joined (json-pack): no
    // document is escaped into a JSON string by the database and parsed twice here.
    states = `, sa.states, sa.state_texts, sa.mastery_texts FROM (
        SELECT json_agg(json_build_object('learner_id', o.learner_id, 'model_version_id', o.model_version_id, 'attempt_count', o.attempt_count,
                 'last_attempt_at', o.last_attempt_at,
                 'consent', COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = o.learner_id AND c.purpose = ${consent}), false))) AS states,
               string_agg(COALESCE(o.state, 'null'), chr(30)) AS state_texts, string_agg(COALESCE(o.mastery::text, 'null'), chr(30)) AS mastery_texts
        FROM (SELECT * FROM st ORDER BY learner_id) o) sa`;
  }
  const [row] = (await queryPrepared<unknown[]>(
    m,
    `WITH ${lock} ${scopeCtes(teacherId, param)},
          ok AS (SELECT ${applying ? "true" : "(SELECT count(*) FROM l) = $14 AND (SELECT count(*) FROM t) = $15"} AS found, ${current} AS current),
          ${
            applying
              ? // The pending rows of the learners (their state rows locked by then: `ok` reads the lock), and their attempts
                // (a row whose attempt is gone, deleted by retention, is dropped with nothing to apply).
                // The rows' parameters, unused here, typed (PostgreSQL refuses a statement with a parameter of unknown type).
                `unused AS (SELECT $4::uuid[], $5::uuid[], $6::uuid[], $7::bool[], $8::float8[], $9::int[], $10::int[], $11::timestamptz[], $12::text[], $13::text[], $14::int, $15::int),
          del AS (DELETE FROM attempt_pending p WHERE p.learner_id = ANY($2::uuid[]) AND (SELECT found AND current FROM ok) RETURNING p.attempt_id),
          ins AS (SELECT a.id, a.created_at, a.learner_id, a.task_id, a.correct, a.occurred_at FROM del JOIN attempt a ON a.id = del.attempt_id),`
              : `ins AS (${insertAttemptsSql("(SELECT found AND current FROM ok)", " ON CONFLICT (school_id, idempotency_key) DO NOTHING", "id, created_at, learner_id, task_id, correct")}),`
          }
          done AS (
            UPDATE path_step ps SET status = $16, updated_at = now()
            FROM ins JOIN learning_path p ON p.learner_id = ins.learner_id
            WHERE ins.correct AND ps.path_id = p.id AND ps.task_id = ins.task_id AND ps.status = $17
            RETURNING ps.id),
          ${state}
          planned AS (
            SELECT p.id, p.learner_id, p.goal_id, p.planned_at, g.mastery_threshold FROM learning_path p JOIN goal g ON g.id = p.goal_id
            WHERE p.learner_id = ANY($2::uuid[]) AND p.model_version_id IS NOT NULL AND g.status = $18)
     SELECT (SELECT found FROM ok) AS found, (SELECT current FROM ok) AS current,
            (SELECT json_agg(json_build_object('id', id, 'created_at', created_at${
              applying ? ", 'learner_id', learner_id, 'task_id', task_id, 'correct', correct, 'occurred_at', occurred_at" : ""
            })) FROM ins) AS inserted,
            (SELECT json_agg(json_build_object('learner_id', p.learner_id, 'path_id', p.id, 'goal_id', p.goal_id, 'planned_at', p.planned_at,
                      'threshold', p.mastery_threshold, 'position', ps.position, 'skill_id', ps.skill_id, 'task_id', ps.task_id) ORDER BY p.id, ps.position, ps.id)
             FROM planned p JOIN path_step ps ON ps.path_id = p.id
             WHERE ps.status = $17 AND ps.id NOT IN (SELECT id FROM done)) AS pending,
            (SELECT json_agg(json_build_object('learner_id', r.learner_id, 'task_id', r.task_id, 'correct', r.correct, 'created_at', r.created_at))
             FROM (SELECT DISTINCT learner_id FROM planned) pl,
                  LATERAL (SELECT a.learner_id, a.task_id, a.correct, a.created_at FROM attempt a WHERE a.learner_id = pl.learner_id${
                    applying ? " AND a.id NOT IN (SELECT id FROM ins)" : ""
                  }
                           ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${PRIOR_ATTEMPTS}) r) AS prior
            ${savedIds}${states}`,
    params,
  )) as {
    found: boolean;
    current: boolean;
    inserted: { id: string; created_at: string; learner_id?: string; task_id?: string; correct?: boolean; occurred_at?: string }[] | null;
    pending:
      | {
          learner_id: string;
          path_id: string;
          goal_id: string;
          planned_at: string;
          threshold: number;
          position: number;
          skill_id: string | null;
          task_id: string;
        }[]
      | null;
    prior: { learner_id: string; task_id: string; correct: boolean; created_at: string }[] | null;
    states: (Omit<LockedState, "last_attempt_at" | "state" | "mastery"> & { learner_id: string; last_attempt_at: string | null })[] | null;
    state_texts: string | null;
    mastery_texts: string | null;
    saved?: string[] | null;
  }[];
  const stateTexts = row!.state_texts?.split(JSON_SEPARATOR) ?? [];
  const masteryTexts = row!.mastery_texts?.split(JSON_SEPARATOR) ?? [];
  return {
    attempts: applying
      ? (row!.inserted ?? []).map((a) => ({
          id: a.id,
          learnerId: a.learner_id!,
          taskId: a.task_id!,
          correct: a.correct!,
          occurredAt: new Date(a.occurred_at!),
          createdAt: new Date(a.created_at),
        }))
      : [],
    found: row!.found === true,
    current: row!.current === true,
    saved: new Set(row!.saved ?? []),
    inserted: new Map((row!.inserted ?? []).map((r) => [r.id, new Date(r.created_at)])),
    pending: (row!.pending ?? []).map((p) => ({
      learnerId: p.learner_id,
      pathId: p.path_id,
      goalId: p.goal_id,
      plannedAt: new Date(p.planned_at),
      masteryThreshold: Number(p.threshold),
      position: p.position,
      skillId: p.skill_id,
      taskId: p.task_id,
    })),
    prior: (row!.prior ?? []).map((p) => ({
      learnerId: p.learner_id,
      taskId: p.task_id,
      correct: p.correct,
      createdAt: new Date(p.created_at),
    })),
    states: new Map(
      (row!.states ?? []).map((s, i) => [
        s.learner_id,
        {
          model_version_id: s.model_version_id,
          state: decodeState(stateTexts[i]!),
          attempt_count: s.attempt_count,
          mastery: JSON.parse(masteryTexts[i]!) as LockedState["mastery"],
          last_attempt_at: s.last_attempt_at === null ? null : new Date(s.last_attempt_at),
          consent: s.consent,
        },
      ]),
    ),
  };
}
