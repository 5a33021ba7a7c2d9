/**
 * Recording attempts: append-only, idempotent on a key unique per school. The same key with the
 * same content returns the first result (`duplicate: true`); the same key with different content
 * is a CONFLICT. A batch is all-or-nothing. The insert and the learner's state change share one
 * transaction, so an acknowledged attempt is never lost and never counted twice.
 */
import { EntityManager, In } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { assertLearnerAccess, learnerScope, requireRole } from "../auth/access-policy.js";
import { BadInputError, ConflictError, NotFoundError } from "../common/domain-error.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import {
  attemptTimeProblem,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  formatBound,
  MAX_ATTEMPT_BATCH,
  MAX_DURATION_SECONDS,
  MAX_HINTS_USED,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_SOURCE_LENGTH,
  type AttemptTimeWindow,
} from "../common/input-bounds.js";
import { Page, PageArgs, paginate } from "../common/pagination.js";
import { Attempt } from "../../persistence/attempt/attempt.entity.js";
import { ServiceDeps } from "../service-deps.js";
import { uuidv7 } from "../../shared/ids.js";
import type { LearnerModelService } from "../personalisation/learner-model.service.js";
import type { MasteryChange } from "../personalisation/model-replay.js";
import type { PathReplanner, ReplannedPath } from "../personalisation/path-progress.js";
import type { ReplanReason } from "../personalisation/replan-trigger.js";
import { skillsOfTasks } from "../personalisation/task-skills.js";
import { writeAttempts, type PlannedSave, type WriteResult, type WriteScope } from "../../persistence/attempt/attempt-writer.js";
import type { NewAttempt } from "../personalisation/online-update.js";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";

export interface Replan {
  readonly learnerId: string;
  readonly goalId: string;
  readonly reason: ReplanReason;
}

/** A checked attempt with its id. */
export type Row = Normalised & { id: string };

/** A learner's update planned before the batch's transaction, with the mastery changes it reports. */
type Planned = PlannedSave & { readonly changes: MasteryChange[] };

/** What a recording wrote (before any re-plan runs). */
interface Recorded {
  readonly results: Omit<RecordedAttempt, "replanned">[];
  readonly replans: Replan[];
}

export interface RecordAttempt {
  readonly learnerId: string;
  readonly taskId: string;
  readonly correct: boolean;
  /** In [0, 1]; defaults to 1 when correct, else 0. */
  readonly score?: number | null;
  readonly durationSeconds?: number | null;
  readonly hintsUsed?: number | null;
  /** Defaults to now; within [2000-01-01, now + the clock skew] (input-bounds.ts). */
  readonly occurredAt?: Date | null;
  readonly source?: string | null;
  readonly idempotencyKey: string;
}

export interface RecordedAttempt {
  readonly attempt: Attempt;
  /** True when the key had been recorded before: nothing was written this time. */
  readonly duplicate: boolean;
  /**
   * The learner's new mastery, after the whole request, of the skills of this attempt's task (empty
   * when not personalised).
   */
  readonly mastery: readonly MasteryChange[];
  /** The learner's paths these attempts re-planned (ran ahead or fell behind); usually none. */
  readonly replanned: readonly ReplannedPath[];
}

const KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);
const SOURCE = new RegExp(`^[\\w.:@/-]{1,${MAX_SOURCE_LENGTH}}$`);

type Normalised = Required<{ [K in Exclude<keyof RecordAttempt, "durationSeconds">]: NonNullable<RecordAttempt[K]> }> & {
  durationSeconds: number | null;
  /** Whether the client gave the time; a retry without it must not look like different content. */
  occurredAtGiven: boolean;
};

export class AttemptService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly learnerModel: LearnerModelService,
    private readonly replanner?: PathReplanner,
  ) {}

  /**
   * Checks one input against its bounds (input-bounds.ts) and fills in defaults; throws BAD_USER_INPUT
   * naming the field and the rule, never the value. `window` holds the server's time of the request.
   */
  static normalise(input: RecordAttempt, window: AttemptTimeWindow, index?: number): Normalised {
    const at = index === undefined ? "" : `attempts[${index}].`;
    const bad = (field: string, why: string) => new BadInputError(`${at}${field} ${why}`, { field: `${at}${field}` });
    const score = input.score ?? (input.correct ? 1 : 0);
    if (!Number.isFinite(score) || score < 0 || score > 1) throw bad("score", "must be within [0, 1]");
    const duration = input.durationSeconds ?? null;
    if (duration !== null && (!Number.isInteger(duration) || duration < 0 || duration > MAX_DURATION_SECONDS))
      throw bad("durationSeconds", `must be an integer from 0 to ${formatBound(MAX_DURATION_SECONDS)}`);
    const hints = input.hintsUsed ?? 0;
    if (!Number.isInteger(hints) || hints < 0 || hints > MAX_HINTS_USED)
      throw bad("hintsUsed", `must be an integer from 0 to ${formatBound(MAX_HINTS_USED)}`);
    const occurredAt = input.occurredAt ?? window.now;
    const problem = attemptTimeProblem(occurredAt, window);
    if (problem) throw bad("occurredAt", problem);
    const key = input.idempotencyKey;
    if (typeof key !== "string" || !KEY.test(key))
      throw bad("idempotencyKey", `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`);
    const source = input.source ?? "api";
    if (typeof source !== "string" || !SOURCE.test(source))
      throw bad("source", `must be 1 to ${MAX_SOURCE_LENGTH} characters of letters, digits and . _ : @ / -`);
    // Each field named, not `...input` and more: V8 (Node 20) copies a spread with further properties
    // by its slow path (50× slower, a millisecond per batch of 100); the same below.
    return {
      learnerId: input.learnerId,
      taskId: input.taskId,
      correct: input.correct,
      score,
      durationSeconds: duration,
      hintsUsed: hints,
      occurredAt,
      occurredAtGiven: Boolean(input.occurredAt),
      source,
      idempotencyKey: key,
    };
  }

  async record(actor: Actor, input: RecordAttempt, now = new Date()): Promise<RecordedAttempt> {
    const [result] = await this.recordMany(actor, [input], now, false);
    return result!;
  }

  async recordMany(actor: Actor, inputs: readonly RecordAttempt[], now = new Date(), indexed = true): Promise<RecordedAttempt[]> {
    const rowsWithIds = await this.checked(actor, inputs, now, indexed);
    // Read before the transaction: on PGlite (one connection) a cache reload from inside it would wait forever.
    const curriculum = this.replanner ? await this.replanner.curriculum(actor) : null;
    // A deadlock with a state rebuild (its batch UPDATE locks many learners' rows) aborts the whole
    // transaction or statement; it is run again (the attempts' ids and keys are the same, nothing was written).
    const { results, replans } = await withConflictRetry(
      async () =>
        (await this.recordOptimistically(actor, rowsWithIds, curriculum)) ?? (await this.recordLocked(actor, rowsWithIds, curriculum)),
      "recording the attempts",
    );
    // After the commit, in their own transactions (as a teacher's planPath): a re-plan never holds up
    // or rolls back the attempts, and its lock order (goal, then steps) is that of every re-plan.
    const duplicates = results.filter((r) => r.duplicate).length;
    this.deps.events?.attemptsRecorded?.(results.length - duplicates, duplicates);
    const replanned = this.replanner ? await this.replanner.run(actor, replans) : [];
    const ownSkills = await this.ownSkills(results, curriculum);
    return results.map((r) => ({
      attempt: r.attempt,
      duplicate: r.duplicate,
      mastery: ownSkills ? r.mastery.filter((c) => ownSkills.get(r.attempt.taskId)?.includes(c.skillId)) : r.mastery,
      replanned: replanned.length ? replanned.filter((p) => p.learnerId === r.attempt.learnerId) : [],
    }));
  }

  /**
   * A batch as both paths take it (recordMany, and AttemptIngestService's deferred one): the caller's
   * role, the batch's size, every attempt checked and normalised before anything is written (one bad
   * attempt refuses the whole batch), no key twice, a learner writing for itself only; each row with
   * its new id.
   */
  async checked(actor: Actor, inputs: readonly RecordAttempt[], now: Date, indexed: boolean): Promise<Row[]> {
    requireRole(actor, Role.Admin, Role.Service, Role.Teacher, Role.Learner);
    if (inputs.length === 0) throw new BadInputError("attempts must not be empty", { field: "attempts" });
    if (inputs.length > MAX_ATTEMPT_BATCH)
      throw new BadInputError(`at most ${MAX_ATTEMPT_BATCH} attempts per batch`, { field: "attempts", max: MAX_ATTEMPT_BATCH });
    const window = { now, maxClockSkewSeconds: this.deps.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS };
    // Every attempt is checked before anything is written: one bad attempt refuses the whole batch.
    const rows = inputs.map((a, i) => AttemptService.normalise(a, window, indexed ? i : undefined));
    const keys = new Map<string, number>();
    for (const [i, r] of rows.entries()) {
      const first = keys.get(r.idempotencyKey);
      if (first !== undefined)
        throw new BadInputError(`attempts[${i}].idempotencyKey repeats the key of attempts[${first}]`, {
          field: `attempts[${i}].idempotencyKey`,
        });
      keys.set(r.idempotencyKey, i);
    }
    if (actor.role === Role.Learner) {
      const other = rows.find((r) => r.learnerId !== actor.learnerId);
      if (other) await assertLearnerAccess(this.deps.dataSource.manager, actor, other.learnerId, "write"); // NOT_FOUND (another learner: as if it did not exist)
    }
    return rows.map((row) => Object.assign(row, { id: uuidv7() }));
  }

  /**
   * In a batch where a learner has several attempts, the skills of each attempt's task: each answer
   * reports the learner's mastery after the request of its own task's skills only. The learner's
   * changes span every skill its attempts touched, and repeating them all in each answer made a
   * one-learner batch of n attempts answer n × skills entries (the answer's size, not the model's
   * update, was then most of the request's cost). Null when no learner has two attempts: each
   * answer's changes are already its task's.
   */
  private async ownSkills(results: readonly Omit<RecordedAttempt, "replanned">[], curriculum: CompiledCurriculum | null) {
    const learners = new Set(results.map((r) => r.attempt.learnerId));
    if (learners.size === results.length) return null;
    const taskIds = [...new Set(results.map((r) => r.attempt.taskId))];
    return skillsOfTasks(this.deps.dataSource.manager, taskIds, curriculum);
  }

  /**
   * The common case in two statements and no transaction of its own: one attempt of a personalised
   * learner, after its latest one. The learner's state row is read without a lock, the online update
   * computed from it, and one statement (writeAttempts with a guard) inserts the attempt and saves the
   * update only if the row is still at the version read — all or nothing. Null (nothing written) in
   * every other case: a batch, no state row yet, a replay, an error to explain, a concurrent attempt
   * of the learner; the locked path then records the attempt.
   */
  private async recordOptimistically(actor: Actor, rows: readonly Row[], curriculum: CompiledCurriculum | null): Promise<Recorded | null> {
    if (rows.length !== 1) return null;
    const m = this.deps.dataSource.manager;
    const row = rows[0]!;
    const stored = await this.learnerModel.readState(m, row.learnerId);
    if (!stored) return null;
    const update = await this.learnerModel.planIncremental(m, actor.schoolId, row.learnerId, stored, [row], curriculum);
    if (!update) return null;
    const written = await writeAttempts(m, writeScope(actor), rows, { version: stored.version, save: update.save });
    if (!written.found || !written.current) return null;
    const createdAt = written.inserted.get(row.id);
    if (!createdAt) {
      const duplicates = await this.duplicatesOf(m, actor, rows);
      return { results: [{ attempt: duplicates.get(row.idempotencyKey)!, duplicate: true, mastery: [] }], replans: [] };
    }
    const attempt = toEntity(m, actor, row, createdAt);
    const replans =
      this.replanner && curriculum ? this.replanner.decide(curriculum, row.learnerId, [attempt], update.changes, written) : [];
    return { results: [{ attempt, duplicate: false, mastery: update.changes }], replans };
  }

  /**
   * A batch's updates computed before its transaction, from its learners' state rows read without a
   * lock, for the learners in the common case (personalised, attempts after their latest): the write
   * saves each one whose row has not moved since (PlannedSave), so that the rows stay locked for one
   * statement and the commit, not for the model's updates too. None for a single attempt (the
   * optimistic path has just tried it).
   */
  private async planBatch(actor: Actor, rows: readonly Row[], curriculum: CompiledCurriculum | null): Promise<Map<string, Planned>> {
    if (rows.length < 2) return new Map();
    const m = this.deps.dataSource.manager;
    const byLearner = new Map<string, Row[]>();
    for (const r of rows) {
      const list = byLearner.get(r.learnerId);
      if (list) list.push(r);
      else byLearner.set(r.learnerId, [r]);
    }
    const states = await this.learnerModel.readStates(m, actor.schoolId, [...byLearner.keys()]);
    const batch = [...states].map(([learnerId, row]) => ({ learnerId, row, attempts: byLearner.get(learnerId)! }));
    const updates = await this.learnerModel.planMany(m, actor.schoolId, batch, curriculum);
    const planned = new Map<string, Planned>();
    for (const [learnerId, u] of updates)
      planned.set(learnerId, {
        version: states.get(learnerId)!.version,
        attempts: byLearner.get(learnerId)!.length,
        save: u.save,
        changes: u.changes,
      });
    return planned;
  }

  /**
   * Any case, in one transaction: the writer saves the planned updates (planBatch) whose rows have not
   * moved and locks the state rows of the other learners with new attempts, whose updates follow.
   */
  private async recordLocked(actor: Actor, rows: readonly Row[], curriculum: CompiledCurriculum | null): Promise<Recorded> {
    const planned = await this.planBatch(actor, rows, curriculum);
    return this.deps.dataSource.transaction(async (m) => {
      const written = await writeAttempts(m, writeScope(actor), rows, undefined, [...planned.values()]);
      if (!written.found) await this.explainNotFound(m, actor, rows);
      const duplicates = await this.duplicatesOf(
        m,
        actor,
        rows.filter((r) => !written.inserted.has(r.id)),
      );
      const inserted = rows.map((row) => {
        const createdAt = written.inserted.get(row.id);
        if (createdAt) return { row, attempt: toEntity(m, actor, row, createdAt), duplicate: false };
        return { row, attempt: duplicates.get(row.idempotencyKey)!, duplicate: true };
      });
      const fresh = new Map<string, Attempt[]>();
      for (const i of inserted) {
        if (i.duplicate) continue;
        const list = fresh.get(i.row.learnerId);
        if (list) list.push(i.attempt);
        else fresh.set(i.row.learnerId, [i.attempt]);
      }
      const { mastery, replans } = await this.updateStates(m, actor.schoolId, written, fresh, planned, curriculum);
      return {
        results: inserted.map((i) => ({ attempt: i.attempt, duplicate: i.duplicate, mastery: mastery.get(i.row.learnerId) ?? [] })),
        replans,
      };
    });
  }

  /**
   * After the write (`written`, in its transaction `m`): the engine's online update of every learner
   * with attempts written now (`fresh`; never duplicates) whose planned update (`planned`) was not
   * saved by the write, saved in one statement — the writer locked their state rows (in id order: no
   * deadlock between batches) — and the re-plans these attempts call for. Also the deferred path's
   * apply (pending-applier.ts), whose `written` claimed the attempts instead of inserting them.
   */
  async updateStates(
    m: EntityManager,
    schoolId: string,
    written: WriteResult,
    fresh: ReadonlyMap<string, readonly (NewAttempt & { readonly correct: boolean })[]>,
    planned: ReadonlyMap<string, Planned>,
    curriculum: CompiledCurriculum | null,
  ): Promise<{ mastery: Map<string, MasteryChange[]>; replans: Replan[] }> {
    const batch = [...fresh.keys()]
      .filter((learnerId) => !written.saved.has(learnerId))
      .sort()
      .map((learnerId) => {
        const state = written.states.get(learnerId);
        if (!state) throw new Error(`the state row of learner ${learnerId} was not locked`);
        return { learnerId, row: state, attempts: fresh.get(learnerId)! };
      });
    const mastery = await this.learnerModel.applyMany(m, schoolId, batch, curriculum);
    for (const learnerId of written.saved) mastery.set(learnerId, planned.get(learnerId)!.changes);
    const replans: Replan[] = [];
    if (this.replanner && curriculum)
      for (const [learnerId, attempts] of fresh)
        replans.push(...this.replanner.decide(curriculum, learnerId, attempts, mastery.get(learnerId) ?? [], written));
    return { mastery, replans };
  }

  /** A learner or a task was not found (or the actor may not write for the learner): the precise error. */
  async explainNotFound(m: EntityManager, actor: Actor, rows: readonly Normalised[]): Promise<never> {
    for (const learnerId of new Set(rows.map((r) => r.learnerId))) await assertLearnerAccess(m, actor, learnerId, "write");
    const taskIds = [...new Set(rows.map((r) => r.taskId))];
    const found: { id: string }[] = await m.query(`SELECT id FROM task WHERE school_id = $1 AND id = ANY($2::uuid[])`, [
      actor.schoolId,
      taskIds,
    ]);
    const have = new Set(found.map((f) => f.id));
    throw new NotFoundError("Task", taskIds.find((id) => !have.has(id)) ?? taskIds.join(", "));
  }

  /** The first attempts recorded under these rows' keys; a key reused for different content is a CONFLICT. */
  async duplicatesOf(m: EntityManager, actor: Actor, rows: readonly Normalised[]): Promise<Map<string, Attempt>> {
    if (rows.length === 0) return new Map();
    const firsts = await m.find(Attempt, { where: { schoolId: actor.schoolId, idempotencyKey: In(rows.map((r) => r.idempotencyKey)) } });
    const byKey = new Map(firsts.map((a) => [a.idempotencyKey, a]));
    for (const row of rows) {
      const first = byKey.get(row.idempotencyKey);
      if (!first) throw new Error(`attempt with idempotency key ${row.idempotencyKey} neither inserted nor found`);
      if (!sameContent(first, row)) {
        throw new ConflictError(`idempotency key "${row.idempotencyKey}" was already used for a different attempt`, {
          field: "idempotencyKey",
          attemptId: first.id,
        });
      }
    }
    return byKey;
  }

  async get(actor: Actor, id: string): Promise<Attempt> {
    // The role first: an analyst is refused whatever the id (a NOT_FOUND for unknown ids only would tell which exist).
    requireRole(actor, Role.Admin, Role.Service, Role.Teacher, Role.Learner);
    const attempt = await this.deps.dataSource.getRepository(Attempt).findOneBy({ id, schoolId: actor.schoolId });
    if (!attempt) throw new NotFoundError("Attempt", id);
    await assertLearnerAccess(this.deps.dataSource.manager, actor, attempt.learnerId, "read", { entity: "Attempt", id });
    return attempt;
  }

  /** A learner's attempts in time order (oldest first), keyset-paged on (occurredAt, id). */
  async list(actor: Actor, learnerId: string, page: PageArgs): Promise<Page<Attempt>> {
    await assertLearnerAccess(this.deps.dataSource.manager, actor, learnerId);
    const scope = learnerScope(actor, "a.learner_id");
    const qb = this.deps.dataSource
      .getRepository(Attempt)
      .createQueryBuilder("a")
      .where("a.school_id = :s AND a.learner_id = :l", { s: actor.schoolId, l: learnerId });
    if (scope) qb.andWhere(scope.sql, scope.params);
    return paginate(
      qb,
      [
        { column: "a.occurred_at", value: (r) => r.occurredAt },
        { column: "a.id", value: (r) => r.id },
      ],
      page,
      this.deps.maxPageSize,
    );
  }
}

/** The row just written, as an entity (not read back). */
function toEntity(m: EntityManager, actor: Actor, row: Normalised & { id: string }, createdAt: Date): Attempt {
  return m.create(Attempt, {
    id: row.id,
    schoolId: actor.schoolId,
    learnerId: row.learnerId,
    taskId: row.taskId,
    correct: row.correct,
    score: row.score,
    durationSeconds: row.durationSeconds,
    hintsUsed: row.hintsUsed,
    occurredAt: row.occurredAt,
    source: row.source,
    idempotencyKey: row.idempotencyKey,
    createdAt,
  });
}

function sameContent(a: Attempt, r: Normalised): boolean {
  return (
    a.learnerId === r.learnerId &&
    a.taskId === r.taskId &&
    a.correct === r.correct &&
    a.score === r.score &&
    a.durationSeconds === r.durationSeconds &&
    a.hintsUsed === r.hintsUsed &&
    a.source === r.source &&
    (!r.occurredAtGiven || a.occurredAt.getTime() === r.occurredAt.getTime())
  );
}

/** What the attempt writer needs of the actor: its school, and a teacher's id (its cohorts bound the learners it may write for). */
export function writeScope(actor: Actor): WriteScope {
  return { schoolId: actor.schoolId, teacherId: actor.role === Role.Teacher ? (actor.teacherId ?? null) : null };
}
