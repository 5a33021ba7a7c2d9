/**
 * Who may do what, as ONE declarative table: the rules test/e2e/authorization-matrix.db.test.ts checks
 * every operation of the schema against, for every caller and every target.
 *
 * ACCESS is docs/api-guide.md's "Who sees what" table, cell by cell as the docs write it (the matrix
 * fails when the two differ). FIELD_RULES files every root field and every nested field that leads to
 * a record under one of its rows, as a read or a write, and names the record type it targets (the
 * argument whose scope varies). The expected answer of a cell follows from the two (`expectedOutcome`):
 *
 * - no token, or a bad one, or one naming a school, learner or teacher that does not exist: UNAUTHENTICATED
 *   (an invalid token with HTTP 401, refused before GraphQL runs: `httpStatusOf`);
 * - the platform admin: createSchool and schools only, FORBIDDEN everywhere else (and a school's token
 *   FORBIDDEN on those two);
 * - a role that can never do that kind of operation ("–" in the table, or read-only for a write): FORBIDDEN,
 *   whatever the target;
 * - a record the caller may not see — another school's, or outside a scoped role's reach ("read: its
 *   cohorts", "itself"): NOT_FOUND, exactly as if it did not exist;
 * - else the operation runs (OK).
 *
 * A field added to the schema without a rule here fails the matrix.
 */

export enum Caller {
  Admin = "ADMIN",
  Service = "SERVICE",
  Teacher = "TEACHER",
  Learner = "LEARNER",
  Analyst = "ANALYST",
  PlatformAdmin = "PLATFORM_ADMIN",
  Anonymous = "ANONYMOUS",
  ForgedToken = "FORGED_TOKEN",
  MissingSchool = "MISSING_SCHOOL",
  MissingLearner = "MISSING_LEARNER",
  MissingTeacher = "MISSING_TEACHER",
}

/** The roles of a school's token, the columns of the table. */
export type SchoolRole = Caller.Admin | Caller.Service | Caller.Teacher | Caller.Learner | Caller.Analyst;
export const SCHOOL_ROLES: readonly SchoolRole[] = [Caller.Admin, Caller.Service, Caller.Teacher, Caller.Learner, Caller.Analyst];

/** Callers whose token names nobody (or who have none): refused before anything runs. */
const UNAUTHENTICATED_CALLERS = new Set<Caller>([
  Caller.Anonymous,
  Caller.ForgedToken,
  Caller.MissingSchool,
  Caller.MissingLearner,
  Caller.MissingTeacher,
]);

/** Callers with an invalid token: refused at the door, with HTTP 401, whatever they ask. */
const INVALID_TOKEN_CALLERS = new Set<Caller>([Caller.ForgedToken, Caller.MissingSchool, Caller.MissingLearner, Caller.MissingTeacher]);

/** The HTTP status a caller's answer has when it is not a GraphQL answer: 401 for an invalid token; undefined otherwise. */
export function httpStatusOf(caller: Caller): 401 | undefined {
  return INVALID_TOKEN_CALLERS.has(caller) ? 401 : undefined;
}

/**
 * Where the target of a cell is: `own` a record in the caller's reach (its cohort's learner for a
 * teacher, itself for a learner, any record of the school for an unscoped role), `other` a record of the
 * same school outside a scoped role's reach (another cohort's learner; another learner for a learner),
 * `foreign` a record of another school, `none` an operation without a target (or a list, unfiltered).
 */
export type Scope = "own" | "other" | "foreign" | "none";

export type Outcome = "OK" | "FORBIDDEN" | "NOT_FOUND" | "UNAUTHENTICATED";

export type DataKind =
  | "curriculum"
  | "school"
  | "cohorts"
  | "enrolments"
  | "learners"
  | "learnerData"
  | "attributes"
  | "models"
  | "analytics"
  | "adminOnly"
  | "accessLog"
  | "platform";

/**
 * docs/api-guide.md, "Who sees what": one row per kind of data, the cells as written there. A cell is
 * "–" (never), "read" or "read, write" (the whole school), or the same followed by ": <whose>" (scoped:
 * a teacher's cohorts, a learner itself).
 */
export const ACCESS: Readonly<Record<Exclude<DataKind, "platform">, { readonly label: string } & Readonly<Record<SchoolRole, string>>>> = {
  curriculum: {
    label: "curriculum (skills, tasks)",
    ADMIN: "read, write",
    SERVICE: "read, write",
    TEACHER: "read",
    LEARNER: "read",
    ANALYST: "read",
  },
  school: {
    label: "the school (name, time zone)",
    ADMIN: "read, write",
    SERVICE: "read",
    TEACHER: "read",
    LEARNER: "read",
    ANALYST: "read",
  },
  cohorts: {
    label: "cohorts, teachers",
    ADMIN: "read, write",
    SERVICE: "read",
    TEACHER: "read: its cohorts and their teachers",
    LEARNER: "–",
    ANALYST: "read",
  },
  enrolments: {
    label: "enrolments (who is in which cohort)",
    ADMIN: "read, write",
    SERVICE: "read, write",
    TEACHER: "read: its cohorts",
    LEARNER: "read: its own",
    ANALYST: "–",
  },
  learners: {
    label: "learners and their personal profile",
    ADMIN: "read, write",
    SERVICE: "read, write",
    TEACHER: "read: its cohorts' learners",
    LEARNER: "read: itself",
    ANALYST: "–",
  },
  learnerData: {
    label: "learner-level data (goals, paths, attempts, mastery, consent)",
    ADMIN: "read, write",
    SERVICE: "read, write",
    TEACHER: "read, write: its cohorts' learners",
    LEARNER: "read, write: itself",
    ANALYST: "–",
  },
  attributes: {
    label: "protected attributes (fairness audit only)",
    ADMIN: "read, write",
    SERVICE: "–",
    TEACHER: "–",
    LEARNER: "–",
    ANALYST: "–",
  },
  models: { label: "model versions, audit reports", ADMIN: "read, write", SERVICE: "read", TEACHER: "–", LEARNER: "–", ANALYST: "read" },
  analytics: { label: "aggregated analytics", ADMIN: "read", SERVICE: "–", TEACHER: "–", LEARNER: "–", ANALYST: "read" },
  adminOnly: {
    label:
      "jobs (runs, retraining, promotion, rollback), learned sequencing policies (`policyVersions`, `trainPolicy`), audits (`runAudit`, report pages), fairness policy, privacy budget for training (`setTrainingPrivacy`), erasure, roster import (`importOneRoster`), xAPI credentials and statement mapping",
    ADMIN: "read, write",
    SERVICE: "–",
    TEACHER: "–",
    LEARNER: "–",
    ANALYST: "–",
  },
  accessLog: { label: "the access log (`accessLog`)", ADMIN: "read", SERVICE: "–", TEACHER: "–", LEARNER: "read: its own", ANALYST: "–" },
};

export type Level = "all" | "scoped" | "none";

/** What a cell of ACCESS grants for reads and for writes. */
export function levels(cell: string): { read: Level; write: Level } {
  if (cell === "–") return { read: "none", write: "none" };
  const m = /^(read|read, write)(: .+)?$/.exec(cell);
  if (!m) throw new Error(`unreadable access cell "${cell}"`);
  const level: Level = m[2] ? "scoped" : "all";
  return { read: level, write: m[1] === "read, write" ? level : "none" };
}

export interface FieldRule {
  readonly data: DataKind;
  readonly access: "read" | "write";
  /** The record type whose scope the cells vary (own, other, foreign); none: one cell per caller. */
  readonly target?: string;
  /** The target is an optional filter: the unfiltered list is a cell too. */
  readonly optionalTarget?: boolean;
}

const read = (data: DataKind, target?: string, optionalTarget?: boolean): FieldRule => ({ data, access: "read", target, optionalTarget });
const write = (data: DataKind, target?: string): FieldRule => ({ data, access: "write", target });

/**
 * Every root field ("Query.x", "Mutation.x") and every nested field that leads to a record or hangs off
 * one ("Type.field"): the row of ACCESS it falls under. A nested field's cells read it from a parent
 * record in the caller's reach.
 */
export const FIELD_RULES: Readonly<Record<string, FieldRule>> = {
  // Queries.
  "Query.accessLog": read("accessLog", "Learner", true),
  "Query.activeModel": read("models"),
  "Query.analytics": read("analytics"),
  "Query.attempt": read("learnerData", "Attempt"),
  "Query.attempts": read("learnerData", "Learner"),
  "Query.auditReport": read("models", "AuditReport"),
  "Query.auditReports": read("models", "ModelVersion"),
  "Query.cohort": read("cohorts", "Cohort"),
  "Query.cohorts": read("cohorts"),
  "Query.fairnessPolicy": read("adminOnly"),
  "Query.trainingPrivacy": read("adminOnly"),
  "Query.goal": read("learnerData", "Goal"),
  "Query.goals": read("learnerData", "Learner", true),
  "Query.jobRun": read("adminOnly", "JobRun"),
  "Query.jobRuns": read("adminOnly"),
  "Query.learner": read("learners", "Learner"),
  "Query.learnerAttributes": read("attributes", "Learner"),
  "Query.learners": read("learners"),
  "Query.learningPath": read("learnerData", "LearningPath"),
  "Query.mastery": read("learnerData", "Learner"),
  "Query.modelVersion": read("models", "ModelVersion"),
  "Query.modelVersions": read("models"),
  "Query.policyVersions": read("adminOnly"),
  "Query.predictions": read("learnerData", "Learner"),
  "Query.recommendations": read("learnerData", "Learner"),
  "Query.school": read("school"),
  "Query.schools": read("platform"),
  "Query.similarTasks": read("curriculum", "Task"),
  "Query.skill": read("curriculum", "Skill"),
  "Query.skills": read("curriculum"),
  "Query.task": read("curriculum", "Task"),
  "Query.tasks": read("curriculum", "Skill", true),
  "Query.teacher": read("cohorts", "Teacher"),
  "Query.teachers": read("cohorts"),
  "Query.xapiCredentials": read("adminOnly"),
  "Query.xapiUnmapped": read("adminOnly"),
  // Mutations.
  "Mutation.addPrerequisite": write("curriculum", "Skill"),
  "Mutation.assignTeacher": write("cohorts", "Cohort"),
  "Mutation.createCohort": write("cohorts"),
  "Mutation.createGoal": write("learnerData", "Learner"),
  "Mutation.createLearner": write("learners"),
  "Mutation.createSchool": write("platform"),
  "Mutation.createSkill": write("curriculum"),
  "Mutation.createTask": write("curriculum"),
  "Mutation.createTeacher": write("cohorts"),
  "Mutation.enrollLearner": write("enrolments", "Cohort"),
  "Mutation.eraseLearner": write("adminOnly", "Learner"),
  "Mutation.importOneRoster": write("adminOnly"),
  "Mutation.createXapiCredential": write("adminOnly"),
  "Mutation.revokeXapiCredential": write("adminOnly", "XapiCredential"),
  "Mutation.linkXapiAgent": write("adminOnly", "Learner"),
  "Mutation.remapXapiStatements": write("adminOnly"),
  "Mutation.planPath": write("learnerData", "Goal"),
  "Mutation.promoteModel": write("adminOnly", "ModelVersion"),
  "Mutation.recordAttempt": write("learnerData", "Learner"),
  "Mutation.recordAttempts": write("learnerData", "Learner"),
  "Mutation.ingestAttempts": write("learnerData", "Learner"),
  "Mutation.removeLearnerAttribute": write("attributes", "Learner"),
  "Mutation.removePrerequisite": write("curriculum", "Skill"),
  "Mutation.rollbackModel": write("adminOnly"),
  "Mutation.runAudit": write("adminOnly", "ModelVersion"),
  "Mutation.setConsent": write("learnerData", "Learner"),
  "Mutation.setFairnessPolicy": write("adminOnly"),
  "Mutation.setTrainingPrivacy": write("adminOnly"),
  "Mutation.setLearnerAttribute": write("attributes", "Learner"),
  "Mutation.setPathSteps": write("learnerData", "Goal"),
  "Mutation.trainPolicy": write("adminOnly"),
  "Mutation.triggerRetrain": write("adminOnly"),
  "Mutation.unassignTeacher": write("cohorts", "Cohort"),
  "Mutation.unenrollLearner": write("enrolments", "Cohort"),
  "Mutation.updateCohort": write("cohorts", "Cohort"),
  "Mutation.updateGoal": write("learnerData", "Goal"),
  "Mutation.updateLearner": write("learners", "Learner"),
  "Mutation.updateModelVersion": write("models", "ModelVersion"),
  "Mutation.updatePathStep": write("learnerData", "PathStep"),
  "Mutation.updateSchool": write("school"),
  "Mutation.updateSkill": write("curriculum", "Skill"),
  "Mutation.updateTask": write("curriculum", "Task"),
  "Mutation.updateTeacher": write("cohorts", "Teacher"),
  // Nested fields: a cohort's teachers are cohort data (a learner reads its cohorts, never their
  // teachers), its learners and a learner's cohorts are enrolments.
  "Cohort.teachers": read("cohorts"),
  "Cohort.learners": read("enrolments"),
  "Learner.cohorts": read("enrolments"),
  "Learner.profile": read("learners"),
  "Learner.goals": read("learnerData"),
  "Learner.consents": read("learnerData"),
  "Learner.mastery": read("learnerData"),
  "Learner.state": read("learnerData"),
  "Learner.attempts": read("learnerData"),
  "Attempt.learner": read("learners"),
  "Goal.learner": read("learners"),
  "Goal.skills": read("curriculum"),
  "Goal.path": read("learnerData"),
  "Goal.progress": read("learnerData"),
  "LearningPath.steps": read("learnerData"),
  "LearningPath.goal": read("learnerData"),
  "PathStep.path": read("learnerData"),
  "PathStep.task": read("curriculum"),
  "PathStep.skill": read("curriculum"),
  "Skill.prerequisites": read("curriculum"),
  "Skill.dependents": read("curriculum"),
  "Skill.tasks": read("curriculum"),
  "Task.skills": read("curriculum"),
  "TaskSkill.skill": read("curriculum"),
  "SkillMastery.skill": read("curriculum"),
  "MasteryEstimate.skill": read("curriculum"),
  "TaskPrediction.task": read("curriculum"),
  "Recommendation.task": read("curriculum"),
  "Recommendation.skill": read("curriculum"),
  // The learned policy's version a POLICY answer came from: part of the answer, read by whoever may read it.
  "RecommendationList.policy": read("learnerData"),
  "RecommendationReason.skill": read("curriculum"),
  "RecommendationReason.prerequisiteOf": read("curriculum"),
  "PrerequisiteStatus.skill": read("curriculum"),
  "SimilarTask.task": read("curriculum"),
  "PlannedSkill.skill": read("curriculum"),
  "PathPlan.path": read("learnerData"),
  "RecordAttemptPayload.attempt": read("learnerData"),
  "ModelVersion.auditReports": read("models"),
  "ModelVersion.differentialPrivacy": read("models"),
  "AuditReport.modelVersion": read("models"),
  "ErasureReceipt.rows": read("adminOnly"),
  "ErasureReceipt.modelsToRetrain": read("adminOnly"),
  "XapiCredentialIssued.credential": read("adminOnly"),
};

/** The kinds of data a record of each type is: who may see it anywhere in an answer (the leak check). */
export const RECORD_DATA: Readonly<Record<string, readonly DataKind[]>> = {
  School: ["school"],
  Teacher: ["cohorts"],
  Cohort: ["cohorts", "enrolments"],
  Learner: ["learners"],
  Goal: ["learnerData"],
  LearningPath: ["learnerData"],
  PathStep: ["learnerData"],
  Attempt: ["learnerData"],
  Consent: ["learnerData"],
  Skill: ["curriculum"],
  Task: ["curriculum"],
  ModelVersion: ["models"],
  AuditReport: ["models"],
  JobRun: ["adminOnly"],
  PolicyVersion: ["adminOnly"],
  // The version of the learned policy a POLICY answer came from: part of that answer.
  ServedPolicy: ["learnerData"],
  LearnerAttribute: ["attributes"],
  ErasureReceipt: ["adminOnly"],
  AccessLogEntry: ["accessLog"],
  XapiCredential: ["adminOnly"],
};

/** How far a school role reaches into one kind of data, for reads or writes. */
export function levelOf(data: DataKind, role: SchoolRole, access: "read" | "write"): Level {
  if (data === "platform") return "none";
  return levels(ACCESS[data][role])[access];
}

/** The answer a cell must get. */
export function expectedOutcome(rule: FieldRule, caller: Caller, scope: Scope): Outcome {
  if (UNAUTHENTICATED_CALLERS.has(caller)) return "UNAUTHENTICATED";
  if (caller === Caller.PlatformAdmin) return rule.data === "platform" ? "OK" : "FORBIDDEN";
  const level = levelOf(rule.data, caller as SchoolRole, rule.access);
  if (level === "none") return "FORBIDDEN";
  if (scope === "foreign" || (scope === "other" && level === "scoped")) return "NOT_FOUND";
  return "OK";
}
