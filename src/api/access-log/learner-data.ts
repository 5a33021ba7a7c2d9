/**
 * Which GraphQL types are a learner's data, and how the access log finds whose (access-recorder.ts).
 * Every object type of the schema is in exactly one of the three tables below; learner-data.test.ts
 * walks the schema and fails on a type that is in none, on a learner part reachable without its
 * learner being known, and on a mutation that says nothing about the learners it changes.
 *
 * - LEARNER_OWNED: an object that names its learner (its source holds the id). Resolving any field of it
 *   records an access to that learner: WRITE when it is what a mutation returns, READ otherwise.
 * - LEARNER_PARTS: learner-level data that does not name its learner; it is only ever reached through
 *   an owned object above, or through a root field whose arguments name the learner (`learnerId`).
 * - NOT_LEARNER_DATA: the curriculum, cohorts, teachers, models, audits, jobs, aggregates, receipts and
 *   the connections' containers (the learners inside a connection are recorded as they are resolved).
 *
 * A root field recording an access by its arguments does so when it answers without an error: every
 * `learnerId` in its arguments, at any depth (`recordAttempts(inputs: [{ learnerId }])`).
 */
import type { ApiContext } from "../context.js";

/** The fields the owned types' sources (the resolvers' objects) name their learner by. */
interface OwnedSource {
  readonly id?: string;
  readonly learnerId?: string;
  readonly path?: { readonly learnerId?: string };
  readonly attempt?: { readonly learnerId?: string };
}

type LearnerOf = (source: OwnedSource) => string | null | undefined;

export const LEARNER_OWNED: Readonly<Record<string, LearnerOf>> = {
  Learner: (s) => s.id,
  Attempt: (s) => s.learnerId,
  Consent: (s) => s.learnerId,
  Goal: (s) => s.learnerId,
  LearnerAttribute: (s) => s.learnerId,
  LearnerMastery: (s) => s.learnerId,
  LearningPath: (s) => s.learnerId,
  PathPlan: (s) => s.path?.learnerId,
  RecordAttemptPayload: (s) => s.attempt?.learnerId,
  IngestedAttempt: (s) => s.learnerId,
};

export const LEARNER_PARTS: ReadonlySet<string> = new Set([
  "LearnerProfile",
  "LearnerStateInfo",
  "SkillMastery",
  "MasteryEstimate",
  "MasteryChange",
  "PathReplan",
  "PathStep",
  "GoalProgress",
  "PlannedSkill",
  "Predictions",
  "TaskPrediction",
  "RecommendationList",
  "Recommendation",
  "RecommendationReason",
  "PolicyChoice",
  "PolicyFallback",
  "ServedPolicy",
  "PrerequisiteStatus",
  "SuccessBand",
]);

export const NOT_LEARNER_DATA: ReadonlySet<string> = new Set([
  "Analytics",
  "CohortSkillMastery",
  "PersonalisationEffect",
  "AuditReport",
  "AuditReportConnection",
  "AuditReportEdge",
  "Cohort",
  "CohortConnection",
  "CohortEdge",
  "ErasureReceipt",
  "ErasedRows",
  "ModelToRetrain",
  "FairnessPolicy",
  "TrainingPrivacy",
  "DifferentialPrivacy",
  "JobRun",
  "JobRunConnection",
  "JobRunEdge",
  "ModelVersion",
  "ModelVersionConnection",
  "ModelVersionEdge",
  "PolicyVersion",
  "PolicyVersionConnection",
  "PolicyVersionEdge",
  "PageInfo",
  "School",
  "SchoolConnection",
  "SchoolEdge",
  "SimilarTask",
  "Skill",
  "SkillConnection",
  "SkillEdge",
  "Task",
  "TaskConnection",
  "TaskEdge",
  "TaskSkill",
  "Teacher",
  "TeacherConnection",
  "TeacherEdge",
  // Containers: the owned objects inside are recorded as they are resolved.
  "AttemptConnection",
  "AttemptEdge",
  "GoalConnection",
  "GoalEdge",
  "LearnerConnection",
  "LearnerEdge",
  "LearnerAttributeConnection",
  "LearnerAttributeEdge",
  // A roster import's answer: counts and reasons (the learners it changed are recorded from it: LEARNER_OF_RESULT).
  "RosterImportSummary",
  "RosterCounts",
  "RosterSkip",
  // xAPI credentials: a school's keys for its learning apps.
  "XapiCredential",
  "XapiCredentialIssued",
  // Statements that did not map (ids and reasons) and a mapping's counts (its learners recorded: LEARNER_OF_RESULT).
  "XapiUnmappedStatement",
  "XapiMappingResult",
  // The log itself: an audit record, readable by admins and by the learner it names. Reading it is not
  // recorded (each audit query would otherwise grow the log it reads).
  "AccessLogEntry",
  "AccessLogConnection",
  "AccessLogEdge",
]);

/** Root fields whose arguments name a learner but whose answer is not the learner's data (see NOT_LEARNER_DATA). */
export const UNRECORDED_ROOT_FIELDS: ReadonlySet<string> = new Set(["accessLog"]);

/**
 * Mutations that change learners' data while neither their arguments nor their answer's type name them:
 * the learners are found from the answer — a path step's learner (one batched read, for these rare
 * writes only), or the learners a roster import created or changed (its answer carries their ids, which
 * it does not show).
 */
export const LEARNER_OF_RESULT: Readonly<
  Record<
    string,
    (
      result: { readonly pathId?: string; readonly learnerIds?: readonly string[] },
      ctx: ApiContext,
    ) => Promise<string | readonly string[] | null | undefined>
  >
> = {
  updatePathStep: async (step, ctx) => (step.pathId ? (await ctx.loaders.learningPath.load(step.pathId))?.learnerId : null),
  importOneRoster: async (summary) => summary.learnerIds,
  linkXapiAgent: async (result) => result.learnerIds,
  remapXapiStatements: async (result) => result.learnerIds,
};

/** Mutations that change no learner's data (the curriculum, cohorts and their teachers, models, policies, schools). */
export const MUTATIONS_WITHOUT_LEARNER_DATA: ReadonlySet<string> = new Set([
  "addPrerequisite",
  "removePrerequisite",
  "createSkill",
  "updateSkill",
  "createTask",
  "updateTask",
  "createCohort",
  "updateCohort",
  "assignTeacher",
  "unassignTeacher",
  "createTeacher",
  "updateTeacher",
  "createSchool",
  "updateSchool",
  "promoteModel",
  "rollbackModel",
  "triggerRetrain",
  "trainPolicy",
  "updateModelVersion",
  "runAudit",
  "setFairnessPolicy",
  "setTrainingPrivacy",
  "createXapiCredential",
  "revokeXapiCredential",
]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every `learnerId` in a root field's arguments, at any depth (inputs, lists of inputs), lower-cased. */
export function learnerIdsIn(args: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(args)) for (const a of args) learnerIdsIn(a, out);
  else if (args && typeof args === "object") {
    for (const [k, v] of Object.entries(args)) {
      if (k === "learnerId" && typeof v === "string" && UUID_RE.test(v)) out.add(v.toLowerCase());
      else if (v && typeof v === "object") learnerIdsIn(v, out);
    }
  }
  return out;
}
