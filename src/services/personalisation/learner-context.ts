/**
 * Everything a personalised answer needs about one learner (and, when asked, one of its goals and
 * that goal's path), read in ONE statement: the access check, the learner's interests, its consent
 * to personalisation, its stored state, its last attempts, the goal with its target skills, the
 * path's steps (with the teacher's pins and skips) and the learner's recent pace. A request used to
 * spend 10–19 round trips on these; each costs client and server CPU whatever its size.
 *
 * The access rules are those of `assertLearnerAccess` (services/auth/access-policy.ts): a learner
 * outside the school, another learner's data asked for by a learner, and a learner outside a
 * teacher's cohorts are all NOT_FOUND (the existence rule there); analysts are FORBIDDEN.
 */
import { EntityManager } from "typeorm";
import { Actor, Role } from "../auth/actor.js";
import { ForbiddenError, NotFoundError } from "../common/domain-error.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { PathStepStatus } from "../../persistence/goal/path-step.entity.js";
import type { TeacherOverrides } from "../../engine/recommend/index.js";
import { queryPrepared } from "../../persistence/prepared.js";
import { decodeState } from "../../persistence/learner/learner-state-codec.js";
import { contextOf, LEARNER_INTERESTS } from "../../persistence/crypto/encrypted-columns.js";
import type { FieldCipher } from "../../persistence/crypto/field-cipher.js";

/** Attempts looked at for "no immediate repeats". */
export const RECENT_ATTEMPTS = 5;
/** Attempts (with their outcome) a plan looks at for a run of failures (engine planPath `recentAttempts`). */
export const RECENT_OUTCOMES = 20;

export interface StoredStep {
  readonly id: string;
  readonly position: number;
  readonly taskId: string;
  readonly skillId: string | null;
  readonly reason: string;
  readonly status: PathStepStatus;
  readonly pinned: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StoredPath {
  readonly id: string;
  readonly createdAt: Date;
}

export interface GoalContext {
  readonly id: string;
  readonly learnerId: string;
  readonly status: string;
  readonly masteryThreshold: number;
  readonly deadline: Date | null;
  readonly skillIds: string[];
  /** The goal's path, if one was planned or set. */
  readonly path: StoredPath | null;
  /** The path's steps in position order (empty without a path). */
  readonly steps: StoredStep[];
}

export interface LearnerContext {
  readonly learnerId: string;
  /** Decrypted here: one AES-GCM open of a few dozen bytes (docs/benchmarks/field-encryption.md: its cost). */
  readonly interests: string[];
  readonly consent: boolean;
  readonly stateVersionId: string | null;
  readonly state: unknown;
  /** The last RECENT_ATTEMPTS task ids, newest first (when asked for). */
  readonly recentTaskIds: string[];
  /** The last RECENT_OUTCOMES attempts with their outcome, newest first (when asked for). */
  readonly recentOutcomes: { taskId: string; correct: boolean }[];
  readonly goal: GoalContext | null;
  /** Attempts since `paceSince` (when asked for). */
  readonly attemptsSince: number;
  /** The learner's last attempts as a learned policy observes them (when asked for: `ContextQuery.history`). */
  readonly history: ObservedHistoryRows;
  /**
   * Whether the learner has attempts recorded by the deferred path and not applied to its state yet
   * (`attempt_pending`): the caller applies them and reads again (read-your-writes).
   */
  readonly pending: boolean;
}

/**
 * A learner's last attempts as a learned policy observes them: the times of the last `attempts` (the
 * sessions they form, how many there were) and, of the last `recent`, the task and outcome (the features'
 * window). Reading the task and outcome of every attempt only for their times cost a request more CPU,
 * server and database, than the policy's decision (docs/benchmarks/policy-serving.md).
 */
export interface ObservedHistoryRows {
  /** When each of the last `attempts` attempts happened, epoch ms, oldest first. */
  readonly times: number[];
  /** The last `recent` attempts, oldest first. */
  readonly recent: { id: string; taskId: string; correct: boolean }[];
}

export interface ContextQuery {
  /** Read by learner (the goal, if any, must be found too) … */
  readonly learnerId?: string;
  /** … or by goal (its learner is read with it). */
  readonly goalId?: string | null;
  /** Lock the goal row (FOR UPDATE): serialises re-plans of one goal. Needs a goal-first read. */
  readonly lockGoal?: boolean;
  readonly recent?: boolean;
  /** Read the last RECENT_OUTCOMES attempts' tasks and outcomes. */
  readonly outcomes?: boolean;
  /** Count the learner's attempts after this time (its pace). */
  readonly paceSince?: Date;
  /**
   * Read the learner's last attempts as a learned policy observes them: the times of the last `attempts`,
   * the task and outcome of the last `recent` (at least RECENT_ATTEMPTS: `recentTaskIds` is read from them).
   */
  readonly history?: { readonly attempts: number; readonly recent: number };
}

interface Row {
  learner_id: string;
  interests_enc: Buffer | null;
  allowed: boolean;
  consent: boolean;
  model_version_id: string | null;
  /** The stored text (persistence/learner/learner-state-codec.ts); null without a state row. */
  state: string | null;
  recent: string[] | null;
  outcomes: [string, boolean][] | null;
  goal_id: string | null;
  goal_learner_id: string | null;
  goal_status: string | null;
  mastery_threshold: number | null;
  deadline: Date | null;
  goal_skills: string[] | null;
  path: { id: string; created_at: string } | null;
  steps:
    | {
        id: string;
        position: number;
        task_id: string;
        skill_id: string | null;
        reason: string;
        status: PathStepStatus;
        pinned: boolean;
        created_at: string;
        updated_at: string;
      }[]
    | null;
  pace: number | null;
  history_times: number[] | null;
  history: [string, string, boolean][] | null;
  pending: boolean;
}

/** The one read of a learner's context; throws NOT_FOUND / FORBIDDEN as the access rules say. */
export async function readLearnerContext(m: EntityManager, actor: Actor, q: ContextQuery, cipher: FieldCipher): Promise<LearnerContext> {
  if (actor.role === Role.Analyst) throw new ForbiddenError("analysts have no access to learner-level data");
  const byGoal = q.learnerId === undefined;
  if (byGoal && !q.goalId) throw new Error("readLearnerContext needs a learner or a goal");
  const params: unknown[] = [actor.schoolId, ConsentPurpose.Personalisation, byGoal ? q.goalId : q.learnerId];
  const param = (v: unknown) => `$${params.push(v)}`;
  const allowed =
    actor.role === Role.Teacher
      ? `EXISTS (SELECT 1 FROM enrollment e JOIN cohort_teacher ct ON ct.cohort_id = e.cohort_id WHERE ct.teacher_id = ${param(actor.teacherId)} AND e.learner_id = l.id)`
      : "true";
  // Whole numbers (they are written into the statement), at least RECENT_ATTEMPTS recent ones.
  const history = q.history && {
    attempts: Math.max(1, Math.floor(q.history.attempts)),
    recent: Math.max(RECENT_ATTEMPTS, Math.floor(q.history.recent)),
  };
  const goalJoin = byGoal ? "" : `LEFT JOIN goal g ON g.id = ${param(q.goalId ?? null)}::uuid AND g.school_id = $1`;
  const columns = [
    "l.id AS learner_id",
    "l.interests_enc",
    `${allowed} AS allowed`,
    "COALESCE((SELECT c.granted FROM consent c WHERE c.learner_id = l.id AND c.purpose = $2), false) AS consent",
    "s.model_version_id",
    "s.state",
    q.recent && !q.history
      ? `ARRAY(SELECT a.task_id FROM attempt a WHERE a.learner_id = l.id ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${RECENT_ATTEMPTS})::text[] AS recent`
      : "NULL AS recent",
    q.outcomes
      ? `(SELECT json_agg(json_build_array(r.task_id, r.correct) ORDER BY r.occurred_at DESC, r.id DESC) FROM (SELECT a.id, a.task_id, a.correct, a.occurred_at
           FROM attempt a WHERE a.learner_id = l.id ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${RECENT_OUTCOMES}) r) AS outcomes`
      : "NULL AS outcomes",
    "g.id AS goal_id",
    "g.learner_id AS goal_learner_id",
    "g.status AS goal_status",
    "g.mastery_threshold",
    "g.deadline",
    "ARRAY(SELECT gs.skill_id FROM goal_skill gs WHERE gs.goal_id = g.id)::text[] AS goal_skills",
    `(SELECT json_build_object('id', p.id, 'created_at', p.created_at) FROM learning_path p WHERE p.goal_id = g.id) AS path`,
    `(SELECT json_agg(json_build_object('id', ps.id, 'position', ps.position, 'task_id', ps.task_id, 'skill_id', ps.skill_id, 'reason', ps.reason,
        'status', ps.status, 'pinned', ps.pinned, 'created_at', ps.created_at, 'updated_at', ps.updated_at) ORDER BY ps.position, ps.id)
      FROM learning_path p JOIN path_step ps ON ps.path_id = p.id WHERE p.goal_id = g.id) AS steps`,
    q.paceSince
      ? `(SELECT count(*) FROM attempt a WHERE a.learner_id = l.id AND a.occurred_at > ${param(q.paceSince)})::int AS pace`
      : "0 AS pace",
    history
      ? `(SELECT json_agg(date_part('epoch', h.occurred_at) ORDER BY h.occurred_at, h.id) FROM (SELECT a.id, a.occurred_at
           FROM attempt a WHERE a.learner_id = l.id ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${history.attempts}) h) AS history_times,
         (SELECT json_agg(json_build_array(h.id, h.task_id, h.correct) ORDER BY h.occurred_at, h.id) FROM (SELECT a.id, a.task_id, a.correct, a.occurred_at
           FROM attempt a WHERE a.learner_id = l.id ORDER BY a.occurred_at DESC, a.id DESC LIMIT ${history.recent}) h) AS history`
      : "NULL AS history_times, NULL AS history",
    "EXISTS (SELECT 1 FROM attempt_pending ap WHERE ap.learner_id = l.id) AS pending",
  ].join(",\n       ");
  const sql = byGoal
    ? `SELECT ${columns}
       FROM goal g JOIN learner l ON l.id = g.learner_id LEFT JOIN learner_state s ON s.learner_id = l.id
       WHERE g.id = $3 AND g.school_id = $1${q.lockGoal ? " FOR UPDATE OF g" : ""}`
    : `SELECT ${columns}
       FROM learner l LEFT JOIN learner_state s ON s.learner_id = l.id ${goalJoin}
       WHERE l.id = $3 AND l.school_id = $1`;
  const [row] = await queryPrepared<Row[]>(m, sql, params);
  const missing = () => (byGoal ? new NotFoundError("Goal", q.goalId!) : new NotFoundError("Learner", q.learnerId!));
  if (!row) throw missing();
  // Out of the caller's scope: answered exactly as a missing record (the existence rule, access-policy.ts).
  if (actor.role === Role.Learner && actor.learnerId !== row.learner_id) throw missing();
  if (!row.allowed) throw missing();
  if (!byGoal && q.goalId && !row.goal_id) throw new NotFoundError("Goal", q.goalId);
  const recent = (row.history ?? []).map(([id, taskId, correct]) => ({ id, taskId, correct }));
  return {
    learnerId: row.learner_id,
    interests: cipher.decryptList(row.interests_enc, contextOf(LEARNER_INTERESTS, row.learner_id)),
    consent: row.consent === true,
    stateVersionId: row.model_version_id,
    state: row.state === null ? null : decodeState(row.state),
    // With the history, the last RECENT_ATTEMPTS task ids are its last rows (newest first), not a read of their own.
    recentTaskIds:
      history && q.recent
        ? recent
            .slice(-RECENT_ATTEMPTS)
            .map((r) => r.taskId)
            .reverse()
        : (row.recent ?? []),
    recentOutcomes: (row.outcomes ?? []).map(([taskId, correct]) => ({ taskId, correct })),
    goal: row.goal_id
      ? {
          id: row.goal_id,
          learnerId: row.goal_learner_id!,
          status: row.goal_status!,
          masteryThreshold: Number(row.mastery_threshold),
          deadline: row.deadline ? new Date(row.deadline) : null,
          skillIds: row.goal_skills ?? [],
          path: row.path ? { id: row.path.id, createdAt: new Date(row.path.created_at) } : null,
          steps: (row.steps ?? []).map((s) => ({
            id: s.id,
            position: s.position,
            taskId: s.task_id,
            skillId: s.skill_id,
            reason: s.reason,
            status: s.status,
            pinned: s.pinned,
            createdAt: new Date(s.created_at),
            updatedAt: new Date(s.updated_at),
          })),
        }
      : null,
    attemptsSince: Number(row.pace ?? 0),
    history: { times: (row.history_times ?? []).map((seconds) => seconds * 1000), recent },
    pending: row.pending === true,
  };
}

/** A teacher's pins (pending pinned steps, in order) and skips on a path. */
export function overridesOf(steps: readonly StoredStep[]): TeacherOverrides {
  return {
    pinnedTaskIds: steps.filter((s) => s.pinned && s.status === PathStepStatus.Pending).map((s) => s.taskId),
    skippedTaskIds: steps.filter((s) => s.status === PathStepStatus.Skipped).map((s) => s.taskId),
  };
}
