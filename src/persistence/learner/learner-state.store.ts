/**
 * Every statement on a learner's state row (`learner_state`, and its staged copy
 * `learner_state_staged`), each with a typed parameter object: the online update's lock, read and
 * save, the rebuild's and the staging's batch reads and writes, the adoption after a switch. The
 * services decide what to write; the SQL, its parameter order and its locking order live here.
 *
 * Locking order, the same in every writer: a batch's state rows in learner id order, before anything
 * else it writes (the attempt writer, the rebuild, the adoption), so that no two writers deadlock.
 */
import type { EntityManager } from "typeorm";
import { ConsentPurpose } from "./consent.entity.js";
import type { MasteryMap } from "./learner-state-mastery.js";
import { decodeState } from "./learner-state-codec.js";
import { queryPrepared } from "../prepared.js";
import { unpackJsonSql, packJson } from "../json-pack.js";

/** A DataSource or an EntityManager: whatever can send a statement. */
export type Queryable = Pick<EntityManager, "query">;

// ---------------------------------------------------------------------------------------------
// Histories

/**
 * The history of the learner `learnerIdSql` in replay order (HistoryRow): the task ids as one bytea
 * (16 bytes each: services/personalisation/task-id-interner.ts), the outcomes as one string, each
 * attempt's time only when `times`, and the latest time. The subquery reads the attempts in the order
 * of the index (learner_id, occurred_at, id), and the aggregates take them in that order: no sort per
 * learner and per column (PostgreSQL 15 sorts for every aggregate with its own ORDER BY), and no SQL
 * arrays, which node-postgres parses character by character. The online path's equality with a
 * replay (test/e2e/rebuild.db.test.ts) checks the order.
 *
 * Only the attempts applied to the state: not those still pending (`attempt_pending`, the deferred
 * path's), which the applier adds — a state is always the replay of its applied attempts, so a replay
 * (a rebuild, a staging, an out-of-order attempt) never counts an attempt the applier then adds again.
 * The per-attempt check runs only for a learner with pending attempts (the first test is computed once).
 */
export const historySql = (learnerIdSql: string, times: boolean) =>
  `SELECT string_agg(uuid_send(a.task_id), ''::bytea) AS tasks, string_agg(CASE WHEN a.correct THEN '1' ELSE '0' END, '') AS correct,
          ${times ? "string_agg((date_part('epoch', a.occurred_at) * 1000)::bigint::text, ',')" : "NULL::text"} AS at,
          (date_part('epoch', max(a.occurred_at)) * 1000)::bigint::text AS last
   FROM (SELECT task_id, correct, occurred_at FROM attempt ha WHERE learner_id = ${learnerIdSql}
           AND (NOT EXISTS (SELECT 1 FROM attempt_pending p WHERE p.learner_id = ${learnerIdSql})
                OR NOT EXISTS (SELECT 1 FROM attempt_pending p WHERE p.learner_id = ${learnerIdSql} AND p.attempt_id = ha.id))
         ORDER BY occurred_at, id) a`;

/** A learner's history as `historySql` returns it (all null for a learner without attempts). */
export interface HistoryRow {
  tasks: Uint8Array | null;
  correct: string | null;
  /** Absent from REBUILD_READ_SQL's rows. */
  at?: string | null;
  last: string | null;
}

/** One learner's history (`times`: with each attempt's time); undefined when the query returns no row. */
export async function readHistory(m: Queryable, learnerId: string, times: boolean): Promise<HistoryRow | undefined> {
  const [h] = (await m.query(historySql("$1", times), [learnerId])) as HistoryRow[];
  return h;
}

/** Many learners' histories (`times`: with each attempt's time) in one statement, by learner id. */
export async function readHistories(m: EntityManager, learnerIds: readonly string[], times: boolean): Promise<Map<string, HistoryRow>> {
  if (learnerIds.length === 0) return new Map();
  const rows = (await queryPrepared(
    m,
    `SELECT l.learner_id, h.tasks, h.correct, h.at, h.last FROM unnest($1::uuid[]) AS l(learner_id) CROSS JOIN LATERAL (${historySql("l.learner_id", times)}) h`,
    [[...learnerIds]],
  )) as (HistoryRow & { learner_id: string })[];
  return new Map(rows.map(({ learner_id, ...h }) => [learner_id, h]));
}

// ---------------------------------------------------------------------------------------------
// The online update: lock (or read), then save

/** A learner's state row as the online update reads it. */
export interface StateRow {
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

/** A learner's state row read without a lock: its version tells whether it is still current when written. */
export interface CurrentState extends LockedState {
  readonly version: number;
}

/** The columns of a state row that the online update reads (StateRow, with `learner_id`). */
export const STATE_COLUMNS = "learner_id, model_version_id, state, attempt_count, mastery, last_attempt_at";

/**
 * The hot path's lock of learners' existing state rows, as a CTE's body (the attempt writer runs it
 * inside its one statement: no round trip of its own), in learner id order so that two batches naming
 * the same learners never deadlock; concurrent attempts of one learner queue here. FOR UPDATE returns
 * each row as the transaction that held it left it (READ COMMITTED re-reads a row it waited for), so
 * the rows it returns are current. `learners`: SQL for a uuid[] of learner ids.
 */
export const lockStatesSql = (learners: string) =>
  `SELECT ${STATE_COLUMNS} FROM learner_state WHERE learner_id = ANY(${learners}) ORDER BY learner_id FOR UPDATE`;

/**
 * The state rows of learners who have none yet, created and locked (a learner's first attempt), as a
 * data-modifying CTE's body. A row that another transaction created meanwhile is locked by DO UPDATE
 * (a no-op update: it changes no value) and returned as that transaction left it. `learners`: a query whose
 * column `learner_id` holds distinct learner ids; `school`: SQL for the school id.
 */
export const createStatesSql = (learners: string, school: string) =>
  `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
   SELECT l.learner_id, ${school}, NULL, '{}', 0, 1, now() FROM (${learners}) l ORDER BY l.learner_id
   ON CONFLICT (learner_id) DO UPDATE SET learner_id = EXCLUDED.learner_id
   RETURNING ${STATE_COLUMNS}`;

/** A learner's state row as it stands (no lock), with its version and the learner's consent; null when it has none yet. */
export async function readCurrentState(m: EntityManager, learnerId: string): Promise<CurrentState | null> {
  const [row] = (await queryPrepared(
    m,
    `SELECT model_version_id, state, attempt_count, mastery, last_attempt_at, version,
         COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = s.learner_id AND c.purpose = $2), false) AS consent
       FROM learner_state s WHERE s.learner_id = $1`,
    [learnerId, ConsentPurpose.Personalisation],
  )) as (Omit<CurrentState, "state"> & { state: string })[];
  return row ? currentState(row) : null;
}

/** A row of the current-state reads with its state decoded (fields named: a spread that overrides one is slow in V8). */
const currentState = (r: Omit<CurrentState, "state"> & { state: string }): CurrentState => ({
  model_version_id: r.model_version_id,
  state: decodeState(r.state),
  attempt_count: r.attempt_count,
  mastery: r.mastery,
  last_attempt_at: r.last_attempt_at,
  version: r.version,
  consent: r.consent,
});

/** Learners' state rows as they stand (no lock), by learner id, with their versions and consents; learners without a row are absent. */
export async function readCurrentStates(
  m: EntityManager,
  schoolId: string,
  learnerIds: readonly string[],
): Promise<Map<string, CurrentState>> {
  const rows = (await queryPrepared(
    m,
    `SELECT s.learner_id, s.model_version_id, s.state, s.attempt_count, s.mastery, s.last_attempt_at, s.version,
         COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = s.learner_id AND c.purpose = $3), false) AS consent
       FROM learner_state s WHERE s.learner_id = ANY($1::uuid[]) AND s.school_id = $2`,
    [[...learnerIds], schoolId, ConsentPurpose.Personalisation],
  )) as (Omit<CurrentState, "state"> & { learner_id: string; state: string })[];
  return new Map(rows.map((r) => [r.learner_id, currentState(r)]));
}

/** The new values of a learner's state row after the online update (`saveStateSql`). */
export interface StateSave {
  readonly learnerId: string;
  /** The encoded state (learner-state-codec.ts). */
  readonly state: string;
  readonly modelVersionId: string;
  readonly attemptCount: number;
  /** The touched skills' entries as JSON text, merged into the stored mastery. */
  readonly masteryPatch: string;
  readonly lastAttemptAt: Date;
  /** True: the attempts continued the stored state, whose latest time is kept if later; false: a replay sets it. */
  readonly incremental: boolean;
}

/** The SQL standing for each value of a StateSave (a parameter placeholder such as `$3`). */
export type StateSaveSql = { readonly [K in keyof StateSave]: string };

/** The values of a StateSave in the order in which `stateSaveParams` numbers them. */
const saveValues = (s: StateSave): unknown[] => [
  s.learnerId,
  s.state,
  s.modelVersionId,
  s.attemptCount,
  s.masteryPatch,
  s.lastAttemptAt,
  s.incremental,
];

/**
 * The save's values as parameters of a larger statement: `param` adds a value and returns its
 * placeholder. They are added in one fixed order, whatever order the SQL names them in.
 */
export function stateSaveParams(save: StateSave, param: (value: unknown) => string): StateSaveSql {
  const [learnerId, state, modelVersionId, attemptCount, masteryPatch, lastAttemptAt, incremental] = saveValues(save).map(param);
  return {
    learnerId: learnerId!,
    state: state!,
    modelVersionId: modelVersionId!,
    attemptCount: attemptCount!,
    masteryPatch: masteryPatch!,
    lastAttemptAt: lastAttemptAt!,
    incremental: incremental!,
  };
}

/**
 * The one UPDATE that saves a learner's state and the touched skills' mastery together. `p`: the
 * SQL of each value (`stateSaveParams`), so that a larger statement can embed it; `and`: a further
 * condition.
 */
export const saveStateSql = (p: StateSaveSql, and = "") =>
  `UPDATE learner_state SET state = ${p.state}::text, model_version_id = ${p.modelVersionId}, attempt_count = ${p.attemptCount}, mastery = mastery || ${p.masteryPatch}::jsonb,
     last_attempt_at = CASE WHEN ${p.incremental} THEN GREATEST(last_attempt_at, ${p.lastAttemptAt}) ELSE ${p.lastAttemptAt} END, version = version + 1, updated_at = now()
   WHERE learner_id = ${p.learnerId}${and}`;

/**
 * The one UPDATE that saves many learners' states: `saveStateSql`'s assignments, row by row from the
 * saves' arrays (`u`, state and mastery texts packed: json-pack). `param` adds a value and returns its
 * placeholder; `extra.from` joins more to `u`, `extra.where` adds conditions.
 */
export function saveStatesSql(
  saves: readonly StateSave[],
  param: (value: unknown) => string,
  extra: { readonly from?: string; readonly where?: string } = {},
): string {
  const u = `unnest(${param(saves.map((s) => s.learnerId))}::uuid[], ${unpackJsonSql(param(packJson(saves.map((s) => s.state))))},
      ${param(saves.map((s) => s.modelVersionId))}::uuid[], ${param(saves.map((s) => s.attemptCount))}::int[],
      ${unpackJsonSql(param(packJson(saves.map((s) => s.masteryPatch))))}, ${param(saves.map((s) => s.lastAttemptAt))}::timestamptz[],
      ${param(saves.map((s) => s.incremental))}::bool[]) AS u(learner_id, state, model_version_id, attempt_count, patch, last, incremental)`;
  return `UPDATE learner_state s SET state = u.state, model_version_id = u.model_version_id, attempt_count = u.attempt_count,
      mastery = s.mastery || u.patch::jsonb,
      last_attempt_at = CASE WHEN u.incremental THEN GREATEST(s.last_attempt_at, u.last) ELSE u.last END,
      version = s.version + 1, updated_at = now()
    FROM ${u}${extra.from ?? ""}
    WHERE s.learner_id = u.learner_id${extra.where ?? ""}`;
}

/** SQL: the learner `learnerIdSql` consents to personalisation (`purpose`: SQL for ConsentPurpose.Personalisation). */
export const consentsSql = (learnerIdSql: string, purpose: string) =>
  `EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = ${learnerIdSql} AND c.purpose = ${purpose} AND c.granted)`;

/**
 * Saves the updates of a batch's learners, each on a row the caller locked, in one statement: only
 * while the learner still consents (a withdrawal that committed while the lock was awaited shows in
 * this new statement's snapshot). Returns the learners whose row was saved.
 */
export async function saveStatesIfConsenting(m: EntityManager, saves: readonly StateSave[]): Promise<Set<string>> {
  if (saves.length === 0) return new Set();
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const sql = saveStatesSql(saves, param, { where: ` AND ${consentsSql("u.learner_id", param(ConsentPurpose.Personalisation))}` });
  const saved = returning<{ learner_id: string }>(await queryPrepared(m, `${sql} RETURNING s.learner_id`, params));
  return new Set(saved.map((r) => r.learner_id));
}

/** Attempts counted on a locked row without a personal update (`keep`: the state and mastery stay; else they are cleared). */
export interface CountOnly {
  readonly learnerId: string;
  readonly attempts: number;
  readonly lastAttemptAt: Date;
  readonly keep: boolean;
}

/** Counts the attempts of a batch's learners (rows the caller locked) without a personal update, in one statement. */
export async function countAttemptsOnly(m: EntityManager, counts: readonly CountOnly[]): Promise<void> {
  if (counts.length === 0) return;
  await queryPrepared(
    m,
    `UPDATE learner_state s SET attempt_count = s.attempt_count + u.n, last_attempt_at = GREATEST(s.last_attempt_at, u.last),
         model_version_id = NULL, state = CASE WHEN u.keep THEN s.state ELSE '{}' END, mastery = CASE WHEN u.keep THEN s.mastery ELSE '{}'::jsonb END,
         version = s.version + 1, updated_at = now()
       FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bool[]) AS u(learner_id, n, last, keep)
       WHERE s.learner_id = u.learner_id`,
    [counts.map((c) => c.learnerId), counts.map((c) => c.attempts), counts.map((c) => c.lastAttemptAt), counts.map((c) => c.keep)],
  );
}

// ---------------------------------------------------------------------------------------------
// Batches: rebuild under the active version, staging under a target version

/** A rebuild's read of its batch ($1: learner ids): each row's version and stored mastery, with the learner's history. */
export const REBUILD_READ_SQL = `SELECT s.learner_id, s.version, s.mastery, h.tasks, h.correct, h.last
  FROM learner_state s CROSS JOIN LATERAL (${historySql("s.learner_id", false)}) h
  WHERE s.learner_id = ANY($1::uuid[])`;

/** A row of REBUILD_READ_SQL. */
export type BatchRow = { learner_id: string; version: number; mastery: MasteryMap } & HistoryRow;

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

/** Replayed learners, in columns (the array parameters of one write). */
export interface Replayed {
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

/** The state rows of a batch, created when missing (an empty state), then read with their histories. */
export async function readBatch(m: EntityManager, schoolId: string, learnerIds: string[]): Promise<BatchRow[]> {
  await queryPrepared(
    m,
    `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
       SELECT u.id, $2, NULL, '{}', 0, 1, now() FROM unnest($1::uuid[]) AS u(id) ON CONFLICT (learner_id) DO NOTHING`,
    [learnerIds, schoolId],
  );
  return queryPrepared(m, REBUILD_READ_SQL, [learnerIds]);
}

/**
 * Writes a rebuilt batch under `versionId`: only rows still at the version read, and only while the
 * learner still consents (the version read may postdate a withdrawal, which cleared the state: the
 * UPDATE must not bring the personal state back). Returns the number written.
 */
export async function writeRebuiltBatch(m: EntityManager, versionId: string, r: Replayed): Promise<number> {
  const updated: unknown = await queryPrepared(m, REBUILD_WRITE_SQL, [
    versionId,
    r.learners,
    packJson(r.states),
    packJson(r.masteries),
    r.counts,
    r.versions,
    r.lasts,
    ConsentPurpose.Personalisation,
  ]);
  return returning<{ learner_id: string }>(updated).length;
}

/**
 * Stages a replayed batch under `versionId` (not active yet) in `learner_state_staged`, with the row
 * version it was read at: only learners whose row is still at that version and who still consent.
 * The consent row is held (FOR SHARE) until the batch commits: a withdrawal either comes first (nothing
 * staged) or waits and then deletes what was staged. The state row is not locked. Returns the number staged.
 */
export async function stageBatch(m: EntityManager, versionId: string, schoolId: string, r: Replayed): Promise<number> {
  const staged: { n: number }[] = await queryPrepared(
    m,
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
    [
      versionId,
      schoolId,
      r.learners,
      packJson(r.states),
      packJson(r.masteries),
      r.counts,
      r.versions,
      r.lasts,
      ConsentPurpose.Personalisation,
    ],
  );
  return staged[0]!.n;
}

// ---------------------------------------------------------------------------------------------
// Switching versions (services/training/state-rebuild.service.ts): what to stage, the adoption, the catch-up

/**
 * The consenting learners of school $1 ($2: ConsentPurpose.Personalisation) whose state is not of the
 * active version $3 and model $4 (`statePrefix` of its tag), in learner id order.
 */
export const STALE_STATES_SQL = `SELECT c.learner_id FROM consent c LEFT JOIN learner_state s ON s.learner_id = c.learner_id
  WHERE c.school_id = $1 AND c.purpose = $2 AND c.granted
    AND (s.model_version_id IS DISTINCT FROM $3 OR NOT starts_with(s.state, $4))
  ORDER BY c.learner_id`;

/** The active version of a school, and the opening of its model's stored states (`statePrefix`). */
export interface ActiveVersion {
  readonly schoolId: string;
  readonly versionId: string;
  readonly statePrefix: string;
}

/** The consenting learners whose state is not of the active version (STALE_STATES_SQL), in learner id order. */
export async function staleLearners(q: Queryable, a: ActiveVersion): Promise<string[]> {
  const rows: { learner_id: string }[] = await q.query(STALE_STATES_SQL, [
    a.schoolId,
    ConsentPurpose.Personalisation,
    a.versionId,
    a.statePrefix,
  ]);
  return rows.map((r) => r.learner_id);
}

/** Deletes the school's states staged for any version but `versionId` (left by a promotion that never switched). */
export async function dropOtherStaged(q: Queryable, schoolId: string, versionId: string): Promise<void> {
  await q.query(`DELETE FROM learner_state_staged WHERE school_id = $1 AND model_version_id <> $2`, [schoolId, versionId]);
}

/**
 * The consenting learners of the school without a current staged state for `versionId` (none, or
 * staged from a row version that has moved since), in learner id order.
 */
export async function learnersToStage(q: Queryable, schoolId: string, versionId: string): Promise<string[]> {
  const rows: { learner_id: string }[] = await q.query(
    `SELECT c.learner_id FROM consent c
         LEFT JOIN learner_state s ON s.learner_id = c.learner_id
         LEFT JOIN learner_state_staged st ON st.learner_id = c.learner_id AND st.model_version_id = $3
       WHERE c.school_id = $1 AND c.purpose = $2 AND c.granted AND (st.learner_id IS NULL OR st.source_version IS DISTINCT FROM s.version)
       ORDER BY c.learner_id`,
    [schoolId, ConsentPurpose.Personalisation, versionId],
  );
  return rows.map((r) => r.learner_id);
}

/** The learners with a state staged for `versionId`, in learner id order. */
export async function stagedLearners(q: Queryable, schoolId: string, versionId: string): Promise<string[]> {
  const rows: { learner_id: string }[] = await q.query(
    `SELECT learner_id FROM learner_state_staged WHERE school_id = $1 AND model_version_id = $2 ORDER BY learner_id`,
    [schoolId, versionId],
  );
  return rows.map((r) => r.learner_id);
}

/**
 * Adopts a batch's staged states of `versionId` (in the caller's transaction): every one whose learner
 * has not changed since it was staged (the row's `version` guard) and still consents; then deletes the
 * batch's staged rows (adopted, or stale). The batch's rows are locked first, in learner id order (the
 * order of every multi-learner write: attempt batches, rebuild batches), so that adoption cannot
 * deadlock with them; the UPDATE is a new statement, so it sees what committed while it waited (an
 * attempt, a withdrawal). Returns the number adopted.
 */
export async function adoptStagedBatch(m: Queryable, versionId: string, learnerIds: string[]): Promise<number> {
  await lockStateRows(m, learnerIds);
  const [{ n }] = (await m.query(
    `WITH adopted AS (
           UPDATE learner_state s SET state = st.state, mastery = st.mastery, model_version_id = st.model_version_id,
             attempt_count = st.attempt_count, last_attempt_at = st.last_attempt_at, version = s.version + 1, updated_at = now()
           FROM learner_state_staged st
           WHERE st.model_version_id = $1 AND st.learner_id = ANY($2::uuid[]) AND st.learner_id = s.learner_id AND s.version = st.source_version
             AND EXISTS (SELECT 1 FROM consent c WHERE c.learner_id = s.learner_id AND c.purpose = $3 AND c.granted)
           RETURNING 1)
         SELECT count(*)::int AS n FROM adopted`,
    [versionId, learnerIds, ConsentPurpose.Personalisation],
  )) as [{ n: number }];
  await m.query(`DELETE FROM learner_state_staged WHERE model_version_id = $1 AND learner_id = ANY($2::uuid[])`, [versionId, learnerIds]);
  return n;
}

/** Locks learners' state rows in learner id order (the order of every multi-learner write), in the caller's transaction. */
export async function lockStateRows(m: Queryable, learnerIds: readonly string[]): Promise<void> {
  if (learnerIds.length === 0) return;
  await m.query(`SELECT learner_id FROM learner_state WHERE learner_id = ANY($1::uuid[]) ORDER BY learner_id FOR UPDATE`, [
    [...learnerIds],
  ]);
}

/**
 * Marks learners' states for a replay from the history they have now (after the retention job deleted
 * some of their attempts): the state and the whole mastery emptied (a skill whose attempts are all gone
 * keeps no estimate), the attempts counted again, `last_attempt_at` the latest remaining, the version
 * bumped (an optimistic write or a staged state read before is stale), their staged states deleted.
 * The next rebuild (or attempt) replays them. Rows locked in learner id order, as every multi-learner
 * write locks them.
 */
export async function markForReplay(m: Queryable, learnerIds: readonly string[]): Promise<void> {
  if (learnerIds.length === 0) return;
  await lockStateRows(m, learnerIds);
  await m.query(
    `UPDATE learner_state s SET state = '{}', model_version_id = NULL, mastery = '{}'::jsonb,
       attempt_count = (SELECT count(*) FROM attempt a WHERE a.learner_id = s.learner_id),
       last_attempt_at = (SELECT max(a.occurred_at) FROM attempt a WHERE a.learner_id = s.learner_id),
       version = s.version + 1, updated_at = now()
     WHERE s.learner_id = ANY($1::uuid[])`,
    [[...learnerIds]],
  );
  await m.query(`DELETE FROM learner_state_staged WHERE learner_id = ANY($1::uuid[])`, [[...learnerIds]]);
}

/** TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected]; a SELECT with rows. */
function returning<T>(result: unknown): T[] {
  return (
    Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number" ? result[0] : result
  ) as T[];
}
