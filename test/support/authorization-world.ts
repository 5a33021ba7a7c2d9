/**
 * The world the authorization matrix runs in: two schools built alike (home and foreign), every record
 * of them registered with its type, a token for every caller, and what a scoped role (the teacher, the
 * learner) reaches. Each school is a learner world (learner-world.ts) with more in it:
 *
 * - Maple, taught by the teacher T (the teacher token's) and a co-teacher T2; Oak, taught by T3;
 * - learners: `self` (the learner token's, in Maple and Oak), `classmate` (Maple), `oak` (Oak only);
 * - every learner with a consent, an attempt, a goal with a hand-made path of one step, a protected
 *   attribute, and a mastery of A.1 in its state row (written as a model would: none is active);
 * - skills A.1 → A.2 (a prerequisite), B.1; tasks T1 (A.1), T2 (A.2), T3 (B.1), T4 (A.1, B.1);
 * - model versions: 1 retired (it was active: a rollback goes back to it) and 2 a candidate, both with
 *   (dummy) weights, none active; an audit report of version 1; a queued retraining job run (no worker).
 *
 * Fresh records (for the writes that consume their target) are made by `fresh`, through the services.
 */
import { randomUUID } from "node:crypto";
import { PLATFORM_ADMIN, type Actor, Role } from "../../src/services/auth/actor.js";
import { signToken } from "../../src/api/auth/token.js";
import { ModelStatus, ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { AuditKind, AuditReport } from "../../src/persistence/model/audit-report.entity.js";
import { ConsentGrantor, ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";
import { Skill } from "../../src/persistence/curriculum/skill.entity.js";
import { SkillPrerequisite } from "../../src/persistence/curriculum/skill-prerequisite.entity.js";
import { Caller, levelOf, RECORD_DATA, SCHOOL_ROLES, type Scope, type SchoolRole } from "./authorization-rules.js";
import { learnerWorld } from "./learner-world.js";
import { TEST_SECRET, type TestServer } from "./test-server.js";

type LearnerKey = "self" | "classmate" | "oak";
const LEARNERS: readonly LearnerKey[] = ["self", "classmate", "oak"];

/** The learner-level records of one learner. */
export interface LearnerRecords {
  readonly id: string;
  readonly goal: string;
  readonly path: string;
  readonly step: string;
  readonly attempt: string;
  readonly consent: string;
  readonly attribute: string;
}

/** One school of the world. */
export interface SchoolSide {
  readonly schoolId: string;
  readonly admin: Actor;
  readonly adminToken: string;
  readonly cohorts: { readonly maple: string; readonly oak: string };
  readonly teachers: { readonly t: string; readonly t2: string; readonly t3: string };
  readonly learners: Readonly<Record<LearnerKey, LearnerRecords>>;
  readonly skills: Readonly<Record<string, string>>;
  readonly tasks: Readonly<Record<string, string>>;
  readonly models: { readonly retired: string; readonly candidate: string };
  readonly auditReport: string;
  readonly jobRun: string;
  readonly xapiCredential: string;
}

export interface RegisteredRecord {
  readonly type: string;
  readonly schoolId: string;
  /** For messages: e.g. "home Learner oak". */
  readonly label: string;
}

export interface AuthorizationWorld {
  readonly home: SchoolSide;
  readonly foreign: SchoolSide;
  /** The bearer token of each caller (none for the anonymous one). */
  readonly tokens: Readonly<Record<Caller, string | undefined>>;
  /** Every record of both schools, by id. */
  readonly records: ReadonlyMap<string, RegisteredRecord>;
  /** The record of `type` that a cell of `scope` targets for `caller`. */
  target(type: string, scope: Exclude<Scope, "none">, caller: Caller): string;
  /** The record of `type` that an argument of that type holds when it is not the target (of the target's school). */
  companion(type: string, side: SchoolSide): string;
  /** Whether `caller` may see the registered record `id` (in any answer). */
  visible(caller: Caller, id: string): boolean;
  /** The registered records of `type` that `caller` may see. */
  visibleOf(caller: Caller, type: string): Set<string>;
}

/** Record types that have, for a scoped role, a record of the same school out of its reach. */
export const SCOPED_TYPES = new Set(["Learner", "Cohort", "Teacher", "Goal", "LearningPath", "PathStep", "Attempt"]);

async function schoolSide(s: TestServer, name: string): Promise<SchoolSide> {
  const w = await learnerWorld(s, name);
  const sv = s.app.services;
  const admin: Actor = { schoolId: w.schoolId, role: Role.Admin, subject: "authorization-world" };
  const { maple, oak } = w.cohorts;
  const t2 = (await sv.schools.createTeacher(admin, "T. Maple Two")).id;
  const t3 = (await sv.schools.createTeacher(admin, "T. Oak")).id;
  await sv.cohorts.assignTeacher(admin, maple, t2);
  await sv.cohorts.assignTeacher(admin, oak, t3);
  await sv.cohorts.enroll(admin, oak, w.inMaple);
  const classmate = (await sv.learners.create(admin, { externalRef: "maple-2", cohortIds: [maple] })).id;
  for (const id of [w.inMaple, classmate, w.inOak]) await sv.learners.update(admin, id, { profile: { displayName: "A. Learner" } });

  const k = w.skills;
  await sv.skills.addPrerequisite(admin, k["A.2"]!, k["A.1"]!);
  const qMatrix: Record<string, string[]> = { T1: ["A.1"], T2: ["A.2"], T3: ["B.1"], T4: ["A.1", "B.1"] };
  for (const [task, skills] of Object.entries(qMatrix))
    await sv.tasks.update(admin, w.tasks[task]!, { skills: skills.map((c) => ({ skillId: k[c]! })) });

  const learners = {} as Record<LearnerKey, LearnerRecords>;
  const ids: Record<LearnerKey, string> = { self: w.inMaple, classmate, oak: w.inOak };
  for (const key of LEARNERS) {
    const id = ids[key];
    const consent = (await sv.consents.set(admin, id, ConsentPurpose.Personalisation, true, ConsentGrantor.School)).id;
    const attempt = (await sv.attempts.record(admin, { learnerId: id, taskId: w.tasks.T1!, correct: true, idempotencyKey: `world-${id}` }))
      .attempt.id;
    const goal = (await sv.goals.create(admin, { learnerId: id, title: `Goal of ${key}`, skillIds: [k["A.2"]!] })).id;
    const path = (await sv.learningPaths.setSteps(admin, goal, [{ taskId: w.tasks.T2!, skillId: k["A.2"]! }])).id;
    const step = (await sv.learningPaths.stepsOf(admin, [path])).get(path)![0]!.id;
    const attribute = (await sv.learnerAttributes.set(admin, id, "first_language", "fr")).id;
    learners[key] = { id, goal, path, step, attempt, consent, attribute };
  }

  const ds = s.app.db.dataSource;
  await ds.query(
    `UPDATE learner_state SET mastery = jsonb_build_object($2::text, jsonb_build_array(0.6, 0.1, 1, 0.05)) WHERE school_id = $1`,
    [w.schoolId, k["A.1"]],
  );
  const [{ written }] = await ds.query(
    `SELECT count(*)::int AS written FROM learner_state WHERE school_id = $1 AND mastery <> '{}'::jsonb`,
    [w.schoolId],
  );
  if (written !== LEARNERS.length) throw new Error(`expected a state row per learner after its attempt, updated ${written}`);
  const versions = ds.getRepository(ModelVersion);
  const weights = Buffer.from("dummy weights: never loaded, no version is active");
  const retired = await versions.save(
    versions.create({
      schoolId: w.schoolId,
      version: 1,
      kind: "meta",
      status: ModelStatus.Retired,
      weights,
      activatedAt: new Date(Date.now() - 86_400_000),
    }),
  );
  const candidate = await versions.save(
    versions.create({ schoolId: w.schoolId, version: 2, kind: "meta", status: ModelStatus.Candidate, weights }),
  );
  const audits = ds.getRepository(AuditReport);
  const auditReport = await audits.save(
    audits.create({
      schoolId: w.schoolId,
      modelVersionId: retired.id,
      kind: AuditKind.Fairness,
      passed: true,
      checks: [],
      figures: {},
      rendering: "",
    }),
  );
  const jobRun = (await sv.jobs.triggerRetrain(admin)).id;
  const xapiCredential = (await sv.xapiCredentials.create(admin, { label: "Matrix app", scope: "WRITE" })).credential.id;

  return {
    schoolId: w.schoolId,
    admin,
    adminToken: w.admin,
    cohorts: { maple, oak },
    teachers: { t: w.teacherId, t2, t3 },
    learners,
    skills: k,
    tasks: w.tasks,
    models: { retired: retired.id, candidate: candidate.id },
    auditReport: auditReport.id,
    jobRun,
    xapiCredential,
  };
}

/** Every record of a side, by id, with its type. */
function recordsOf(side: SchoolSide, name: string): [string, RegisteredRecord][] {
  const out: [string, RegisteredRecord][] = [];
  const add = (type: string, id: string, what: string) =>
    out.push([id, { type, schoolId: side.schoolId, label: `${name} ${type} ${what}` }]);
  add("School", side.schoolId, "");
  for (const [k, id] of Object.entries(side.cohorts)) add("Cohort", id, k);
  for (const [k, id] of Object.entries(side.teachers)) add("Teacher", id, k);
  for (const [k, l] of Object.entries(side.learners)) {
    add("Learner", l.id, k);
    add("Goal", l.goal, `of ${k}`);
    add("LearningPath", l.path, `of ${k}`);
    add("PathStep", l.step, `of ${k}`);
    add("Attempt", l.attempt, `of ${k}`);
    add("Consent", l.consent, `of ${k}`);
    add("LearnerAttribute", l.attribute, `of ${k}`);
  }
  for (const [k, id] of Object.entries(side.skills)) add("Skill", id, k);
  for (const [k, id] of Object.entries(side.tasks)) add("Task", id, k);
  add("ModelVersion", side.models.retired, "1");
  add("ModelVersion", side.models.candidate, "2");
  add("AuditReport", side.auditReport, "");
  add("JobRun", side.jobRun, "");
  add("XapiCredential", side.xapiCredential, "");
  return out;
}

/** What a scoped role reaches of its school: the teacher T (Maple) and the learner `self`. */
function scopedReach(side: SchoolSide): Record<Caller.Teacher | Caller.Learner, Set<string>> {
  const of = (l: LearnerRecords) => [l.id, l.goal, l.path, l.step, l.attempt, l.consent];
  const { self, classmate } = side.learners;
  return {
    [Caller.Teacher]: new Set([side.cohorts.maple, side.teachers.t, side.teachers.t2, ...of(self), ...of(classmate)]),
    // Its own cohorts, through its enrolments (not their teachers: "cohorts, teachers" is "–" for it).
    [Caller.Learner]: new Set([side.cohorts.maple, side.cohorts.oak, ...of(self)]),
  };
}

export async function authorizationWorld(s: TestServer): Promise<AuthorizationWorld> {
  const home = await schoolSide(s, "Matrix home");
  const foreign = await schoolSide(s, "Matrix elsewhere");
  const records = new Map([...recordsOf(home, "home"), ...recordsOf(foreign, "foreign")]);
  const reach = scopedReach(home);
  const nobody = randomUUID();
  const tokens: Record<Caller, string | undefined> = {
    [Caller.Admin]: home.adminToken,
    [Caller.Service]: await s.token({ schoolId: home.schoolId, role: Role.Service }),
    [Caller.Teacher]: await s.token({ schoolId: home.schoolId, role: Role.Teacher, teacherId: home.teachers.t }),
    [Caller.Learner]: await s.token({ schoolId: home.schoolId, role: Role.Learner, learnerId: home.learners.self.id }),
    [Caller.Analyst]: await s.token({ schoolId: home.schoolId, role: Role.Analyst }),
    [Caller.PlatformAdmin]: await signToken(TEST_SECRET, { role: PLATFORM_ADMIN, subject: "operator" }, "1h"),
    [Caller.Anonymous]: undefined,
    // Signed with another secret: its signature does not verify.
    [Caller.ForgedToken]: await signToken(`${TEST_SECRET}-forged`, { schoolId: home.schoolId, role: Role.Admin, subject: "forger" }, "1h"),
    [Caller.MissingSchool]: await s.token({ schoolId: nobody, role: Role.Admin }),
    [Caller.MissingLearner]: await s.token({ schoolId: home.schoolId, role: Role.Learner, learnerId: nobody }),
    [Caller.MissingTeacher]: await s.token({ schoolId: home.schoolId, role: Role.Teacher, teacherId: nobody }),
  };

  /** The learner a cell of `scope` is about: out of reach for a learner is another learner of its cohort. */
  const learnerOf = (side: SchoolSide, scope: Exclude<Scope, "none">, caller: Caller): LearnerRecords =>
    scope === "other" ? (caller === Caller.Learner ? side.learners.classmate : side.learners.oak) : side.learners.self;

  const companion = (type: string, side: SchoolSide): string => {
    const self = side.learners.self;
    const byType: Record<string, string> = {
      Learner: self.id,
      Goal: self.goal,
      LearningPath: self.path,
      PathStep: self.step,
      Attempt: self.attempt,
      Cohort: side.cohorts.maple,
      Teacher: side.teachers.t2,
      Skill: side.skills["A.1"]!,
      Task: side.tasks.T1!,
      ModelVersion: side.models.retired,
      AuditReport: side.auditReport,
      JobRun: side.jobRun,
      XapiCredential: side.xapiCredential,
    };
    if (!(type in byType)) throw new Error(`the matrix's world has no ${type}: add one (test/support/authorization-world.ts)`);
    return byType[type]!;
  };

  const target = (type: string, scope: Exclude<Scope, "none">, caller: Caller): string => {
    const side = scope === "foreign" ? foreign : home;
    if (scope !== "other") return companion(type, side);
    if (!SCOPED_TYPES.has(type)) throw new Error(`${type} has no record out of a role's reach in the same school`);
    const l = learnerOf(side, scope, caller);
    const other: Record<string, string> = {
      Learner: l.id,
      Goal: l.goal,
      LearningPath: l.path,
      PathStep: l.step,
      Attempt: l.attempt,
      Cohort: side.cohorts.oak,
      Teacher: side.teachers.t3,
    };
    return other[type]!;
  };

  const visible = (caller: Caller, id: string): boolean => {
    const r = records.get(id);
    if (!r) return true; // not a record of the world (made by a write)
    if (caller === Caller.PlatformAdmin) return r.type === "School";
    if (!(SCHOOL_ROLES as readonly Caller[]).includes(caller) || r.schoolId !== home.schoolId) return false;
    const kinds = RECORD_DATA[r.type];
    if (!kinds) throw new Error(`no RECORD_DATA for ${r.type} (test/support/authorization-rules.ts)`);
    return kinds.some((kind) => {
      const level = levelOf(kind, caller as SchoolRole, "read");
      if (level === "all") return true;
      if (level === "none") return false;
      return reach[caller as Caller.Teacher | Caller.Learner]?.has(id) ?? false;
    });
  };

  const visibleOf = (caller: Caller, type: string) =>
    new Set([...records].filter(([id, r]) => r.type === type && visible(caller, id)).map(([id]) => id));

  return { home, foreign, tokens, records, target, companion, visible, visibleOf };
}

/** Fresh records for the writes that consume their target (a learner to erase, an edge to remove …), made through the services. */
export function freshRecords(s: TestServer) {
  const sv = s.app.services;
  const ds = s.app.db.dataSource;
  return {
    learner: async (side: SchoolSide, cohortId?: string) =>
      (await sv.learners.create(side.admin, { cohortIds: cohortId ? [cohortId] : [] })).id,
    teacher: async (side: SchoolSide) => (await sv.schools.createTeacher(side.admin, "T. Fresh")).id,
    goal: async (side: SchoolSide, learnerId: string) =>
      (await sv.goals.create(side.admin, { learnerId, title: "Fresh goal", skillIds: [side.skills["B.1"]!] })).id,
    /** Two new skills, neither on any path (no edge can close a cycle). */
    skillPair: async (side: SchoolSide, linked: boolean) => {
      const repo = ds.getRepository(Skill);
      const [a, b] = await repo.save(
        [1, 2].map(() => repo.create({ schoolId: side.schoolId, code: `fresh-${randomUUID()}`, name: "Fresh", description: "" })),
      );
      const edges = ds.getRepository(SkillPrerequisite);
      if (linked) await edges.save(edges.create({ schoolId: side.schoolId, skillId: a!.id, prerequisiteId: b!.id }));
      return { skillId: a!.id, prerequisiteId: b!.id };
    },
    attribute: async (side: SchoolSide, learnerId: string) =>
      (await sv.learnerAttributes.set(side.admin, learnerId, `fresh_${randomUUID().slice(0, 8)}`, "x")).name,
  };
}
