/**
 * A school for the analytics tests, built as rows from a plain description: cohorts, skills, tasks and
 * their Q-matrix, an active model version (and others, with held-out scores), learners with their
 * consents, stored mastery under the active model, attempts, goals and learning paths. Inserted with SQL
 * so that each cell's learners are exactly the ones described.
 */
import type { DataSource } from "typeorm";
import { Role } from "../../src/services/auth/actor.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { TEST_PROFILE_KEY, type TestServer } from "./test-server.js";
import { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { contextOf, GOAL_TITLE } from "../../src/persistence/crypto/encrypted-columns.js";

/** Goal titles are encrypted at rest, bound to their row, under the test servers' key. */
const cipher = FieldCipher.single(TEST_PROFILE_KEY);

export interface AttemptSpec {
  readonly task: string;
  /** YYYY-MM-DD (UTC; the school's time zone is UTC). */
  readonly day: string;
  readonly correct: boolean;
  readonly seconds?: number | null;
}

export interface GoalSpec {
  readonly skills: readonly string[];
  readonly status?: "ACTIVE" | "ACHIEVED" | "ABANDONED";
  readonly threshold?: number;
  readonly createdAt?: string;
  readonly deadline?: string | null;
  readonly steps?: readonly { readonly task: string; readonly status: "PENDING" | "DONE" | "SKIPPED" }[];
}

export interface LearnerSpec {
  readonly cohorts: readonly string[];
  /** ANALYTICS consent: granted (default), refused, or no consent row at all. */
  readonly analytics?: boolean | "none";
  /** PERSONALISATION consent granted (default true). */
  readonly personalised?: boolean;
  /** Stored mastery under the active model, by skill code. */
  readonly mastery?: Readonly<Record<string, number>>;
  readonly attempts?: readonly AttemptSpec[];
  readonly goals?: readonly GoalSpec[];
}

export interface VersionSpec {
  readonly status: "ACTIVE" | "RETIRED" | "REJECTED" | "CANDIDATE";
  readonly heldOutLearners: number;
  readonly auc: number;
  readonly audits?: readonly { readonly kind: "FAIRNESS" | "PRIVACY"; readonly passed: boolean; readonly checks: readonly string[] }[];
}

export interface WorldSpec {
  readonly cohorts: readonly string[];
  readonly skills: readonly string[];
  /** Task code → the codes of its skills; `difficulty` per task code (calibrated, task.difficulty). */
  readonly tasks: Readonly<Record<string, readonly string[]>>;
  readonly difficulty?: Readonly<Record<string, number>>;
  readonly learners: readonly LearnerSpec[];
  /** Default: one ACTIVE version. */
  readonly versions?: readonly VersionSpec[];
}

export interface AnalyticsSchool {
  readonly schoolId: string;
  readonly cohortIds: Record<string, string>;
  readonly skillIds: Record<string, string>;
  readonly taskIds: Record<string, string>;
  readonly learnerIds: string[];
  readonly versionIds: string[];
}

export interface AnalyticsWorld extends AnalyticsSchool {
  readonly admin: string;
  readonly analyst: string;
  readonly teacher: string;
}

/** A school on the test server, with tokens. */
export async function analyticsWorld(s: TestServer, spec: WorldSpec, name = "Analytics School"): Promise<AnalyticsWorld> {
  const { schoolId, admin } = await s.newSchool(name);
  const school = await buildAnalyticsSchool(s.app.db.dataSource, schoolId, spec);
  // A real teacher: a token naming a teacher that does not exist is UNAUTHENTICATED.
  const made = await s.gql(`mutation { createTeacher(input: { displayName: "Analytics teacher" }) { id } }`, {}, admin);
  return {
    ...school,
    admin,
    analyst: await s.token({ schoolId, role: Role.Analyst }),
    teacher: await s.token({ schoolId, role: Role.Teacher, teacherId: made.data!.createTeacher.id }),
  };
}

/** Fills the (existing) school `schoolId` as `spec` describes. */
export async function buildAnalyticsSchool(ds: DataSource, schoolId: string, spec: WorldSpec): Promise<AnalyticsSchool> {
  const q = (sql: string, params: unknown[]) => ds.query(sql, params);
  const ids = (codes: readonly string[]) => Object.fromEntries(codes.map((c) => [c, uuidv7()]));
  const cohortIds = ids(spec.cohorts);
  const skillIds = ids(spec.skills);
  const taskIds = ids(Object.keys(spec.tasks));
  for (const [n, id] of Object.entries(cohortIds))
    await q(`INSERT INTO cohort (id, school_id, name) VALUES ($1, $2, $3)`, [id, schoolId, n]);
  for (const [code, id] of Object.entries(skillIds))
    await q(`INSERT INTO skill (id, school_id, code, name) VALUES ($1, $2, $3, $4)`, [id, schoolId, code, `Skill ${code}`]);
  for (const [code, skills] of Object.entries(spec.tasks)) {
    await q(
      `INSERT INTO task (id, school_id, code, title, kind, expected_duration_seconds, difficulty) VALUES ($1, $2, $3, $4, 'EXERCISE', 60, $5)`,
      [taskIds[code], schoolId, code, `Task ${code}`, spec.difficulty?.[code] ?? null],
    );
    for (const k of skills)
      await q(`INSERT INTO task_skill (id, school_id, task_id, skill_id) VALUES ($1, $2, $3, $4)`, [
        uuidv7(),
        schoolId,
        taskIds[code],
        skillIds[k],
      ]);
  }
  const versionIds: string[] = [];
  for (const [i, v] of (spec.versions ?? [{ status: "ACTIVE", heldOutLearners: 30, auc: 0.7 }]).entries()) {
    const id = uuidv7();
    versionIds.push(id);
    const metrics = {
      heldOutLearners: v.heldOutLearners,
      candidate: { auc: v.auc, logloss: 0.6, ece: 0.04, auc_2_5: v.auc - 0.05, auc_6_10: v.auc + 0.01 },
    };
    await q(`INSERT INTO model_version (id, school_id, version, kind, status, metrics) VALUES ($1, $2, $3, 'meta', $4, $5)`, [
      id,
      schoolId,
      i + 1,
      v.status,
      metrics,
    ]);
    for (const a of v.audits ?? [])
      await q(
        `INSERT INTO audit_report (id, school_id, model_version_id, kind, passed, checks, figures) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          uuidv7(),
          schoolId,
          id,
          a.kind,
          a.passed,
          JSON.stringify(a.checks.map((status) => ({ status }))),
          { status: a.passed ? "PASSED" : "FAILED" },
        ],
      );
  }
  const active = versionIds[(spec.versions ?? [{ status: "ACTIVE" }]).findIndex((v) => v.status === "ACTIVE")] ?? null;
  const learnerIds: string[] = [];
  let key = 0;
  for (const l of spec.learners) {
    const id = uuidv7();
    learnerIds.push(id);
    await q(`INSERT INTO learner (id, school_id) VALUES ($1, $2)`, [id, schoolId]);
    for (const c of l.cohorts)
      await q(`INSERT INTO enrollment (id, school_id, cohort_id, learner_id) VALUES ($1, $2, $3, $4)`, [
        uuidv7(),
        schoolId,
        cohortIds[c],
        id,
      ]);
    const consent = async (purpose: string, granted: boolean) =>
      q(`INSERT INTO consent (id, school_id, learner_id, purpose, granted, granted_by) VALUES ($1, $2, $3, $4, $5, 'GUARDIAN')`, [
        uuidv7(),
        schoolId,
        id,
        purpose,
        granted,
      ]);
    if (l.analytics !== "none") await consent("ANALYTICS", l.analytics ?? true);
    await consent("PERSONALISATION", l.personalised ?? true);
    if (l.mastery && active) {
      const mastery = Object.fromEntries(Object.entries(l.mastery).map(([k, m]) => [skillIds[k], [m, 0.1, 5, 0, Date.now()]]));
      await q(
        `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, mastery) VALUES ($1, $2, $3, '{}', 0, 1, $4)`,
        [id, schoolId, active, mastery],
      );
    }
    for (const [i, a] of (l.attempts ?? []).entries())
      await q(
        `INSERT INTO attempt (id, school_id, learner_id, task_id, correct, score, duration_seconds, occurred_at, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          uuidv7(),
          schoolId,
          id,
          taskIds[a.task],
          a.correct,
          a.correct ? 1 : 0,
          a.seconds ?? null,
          new Date(Date.parse(`${a.day}T08:00:00Z`) + i * 60_000),
          `k${key++}`,
        ],
      );
    for (const g of l.goals ?? []) {
      const goalId = uuidv7();
      await q(
        `INSERT INTO goal (id, school_id, learner_id, title_enc, mastery_threshold, deadline, status, created_at) VALUES ($1, $2, $3, $8, $4, $5, $6, $7)`,
        [
          goalId,
          schoolId,
          id,
          g.threshold ?? 0.8,
          g.deadline ?? null,
          g.status ?? "ACTIVE",
          g.createdAt ?? new Date().toISOString(),
          cipher.encrypt("Goal", contextOf(GOAL_TITLE, goalId)),
        ],
      );
      for (const k of g.skills)
        await q(`INSERT INTO goal_skill (id, school_id, goal_id, skill_id) VALUES ($1, $2, $3, $4)`, [
          uuidv7(),
          schoolId,
          goalId,
          skillIds[k],
        ]);
      if (g.steps?.length) {
        const pathId = uuidv7();
        await q(`INSERT INTO learning_path (id, school_id, goal_id, learner_id) VALUES ($1, $2, $3, $4)`, [pathId, schoolId, goalId, id]);
        for (const [p, st] of g.steps.entries())
          await q(`INSERT INTO path_step (id, school_id, path_id, position, task_id, status) VALUES ($1, $2, $3, $4, $5, $6)`, [
            uuidv7(),
            schoolId,
            pathId,
            p,
            taskIds[st.task],
            st.status,
          ]);
      }
    }
  }
  return {
    schoolId,
    cohortIds,
    skillIds,
    taskIds,
    learnerIds,
    versionIds,
  };
}

/** The rows of an analytics view for one school. */
export async function viewRows(s: TestServer, view: string, schoolId: string): Promise<Record<string, any>[]> {
  return s.app.db.dataSource.query(`SELECT * FROM analytics."${view}" WHERE school_id = $1`, [schoolId]);
}
