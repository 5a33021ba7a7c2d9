/**
 * The demo school of the embedded quickstart, built with the engine's simulator (src/engine/simulator):
 * a fractions and proportional-reasoning skill DAG, a dozen tasks per skill with a Q-matrix, and
 * learners who learn as they practise, in three cohorts (the demo teacher teaches one). Then a first
 * Meta model is trained on the consented traces, made active, and every learner's state is built
 * under it — so that recommendation queries answer at once. Deterministic for a seed.
 */
import { DataSource, EntityManager } from "typeorm";
import { simulateSchool, type SimulatedSchool } from "../../engine/simulator/index.js";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import { CohortTeacher } from "../../persistence/cohort/cohort-teacher.entity.js";
import { TaskKind } from "../../persistence/curriculum/task.entity.js";
import { ConsentGrantor, ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import type { FieldCipher } from "../../persistence/crypto/field-cipher.js";
import {
  ATTRIBUTE_VALUE,
  attributeKey,
  contextOf,
  GOAL_TITLE,
  LEARNER_DISPLAY_NAME,
  LEARNER_EMAIL,
  LEARNER_INTERESTS,
  TEACHER_NAME,
} from "../../persistence/crypto/encrypted-columns.js";
import { namedUuidv7, uuidv7 } from "../../shared/ids.js";
import { bulkInsert as bulk } from "../../persistence/bulk-insert.js";

export interface DemoSchool {
  readonly schoolId: string;
  readonly teacherId: string;
  readonly cohortIds: string[];
  readonly learnerIds: string[];
  /** The learner who did not consent to personalisation (the non-personalised path). */
  readonly noConsentLearnerId: string;
}

export interface DemoOptions {
  /** Learners in the school (split into three cohorts). */
  readonly learners?: number;
  readonly seed?: number;
  /**
   * Names the school's and the learners' ids: with a label they are derived from (label, seed),
   * so the demo is the same school on every run — the same learners in its evaluation set, the same
   * models trained. Demos that share a database need distinct labels. Without one, the ids are random.
   */
  readonly idLabel?: string;
}

const FIRST_NAMES = [
  "Ada",
  "Bea",
  "Cyril",
  "Dana",
  "Emil",
  "Fatou",
  "Gus",
  "Hana",
  "Ivo",
  "Jun",
  "Kemi",
  "Lior",
  "Mara",
  "Nils",
  "Oona",
  "Pavel",
];
/** The demo's personal data, in plain text (tests look for it where it must not be: logs, errors). */
export const DEMO_TEACHER = "Ms. Rivera";
export const DEMO_GOAL_TITLE = "Proportional reasoning";

/** The display name and e-mail of the demo's i-th learner. */
export function demoProfile(i: number): { displayName: string; email: string } {
  const displayName = `${FIRST_NAMES[i % FIRST_NAMES.length]}${i >= FIRST_NAMES.length ? ` ${Math.floor(i / FIRST_NAMES.length) + 1}` : ""}`;
  return { displayName, email: `demo-${i + 1}@example.invalid` };
}

const COHORTS = ["Year 6 — Maple", "Year 6 — Oak", "Year 6 — Birch"];
const KINDS: Record<string, TaskKind> = { exercise: TaskKind.Exercise, quiz: TaskKind.QuizItem, "word-problem": TaskKind.Exercise };
/** The time field of a labelled demo's ids: fixed, so that they do not depend on when it was seeded. */
const LABELLED_ID_TIME = Date.UTC(2026, 0, 1);
/** The learner (by index) who has not consented to personalisation. */
const NO_CONSENT_INDEX = 11;

/**
 * Inserts a simulated school's curriculum — skills, their prerequisites, tasks and their Q-matrix —
 * into `schoolId`, and returns the database id given to each simulator id. Shared by the demo and the
 * API benchmark.
 */
export async function insertSimulatedCurriculum(
  m: EntityManager,
  schoolId: string,
  sim: SimulatedSchool,
): Promise<{ skillId: ReadonlyMap<string, string>; taskId: ReadonlyMap<string, string> }> {
  const skillId = new Map(sim.skills.map((s) => [s.skillId, uuidv7()]));
  const taskId = new Map(sim.tasks.map((t) => [t.taskId, uuidv7()]));
  const id = (map: Map<string, string>, key: string) => map.get(key)!;
  await bulk(
    m,
    "skill",
    ["id", "school_id", "code", "name", "description"],
    ["uuid", "uuid", "text", "text", "text"],
    sim.skills.map((s) => [id(skillId, s.skillId), schoolId, s.skillId, s.name, ""]),
  );
  await bulk(
    m,
    "skill_prerequisite",
    ["id", "school_id", "skill_id", "prerequisite_id"],
    ["uuid", "uuid", "uuid", "uuid"],
    sim.skills.flatMap((s) => s.prerequisites.map((p) => [uuidv7(), schoolId, id(skillId, s.skillId), id(skillId, p)])),
  );
  await bulk(
    m,
    "task",
    ["id", "school_id", "code", "title", "kind", "topics", "expected_duration_seconds"],
    ["uuid", "uuid", "text", "text", "text", "text", "int"],
    sim.tasks.map((t) => [
      id(taskId, t.taskId),
      schoolId,
      t.taskId,
      t.title,
      KINDS[t.kind] ?? TaskKind.Exercise,
      `{${t.topics.join(",")}}`,
      Math.round(t.expectedDurationSec),
    ]),
  );
  await bulk(
    m,
    "task_skill",
    ["id", "school_id", "task_id", "skill_id", "weight"],
    ["uuid", "uuid", "uuid", "uuid", "float8"],
    sim.tasks.flatMap((t) => t.skills.map((s) => [uuidv7(), schoolId, id(taskId, t.taskId), id(skillId, s.skillId), s.weight])),
  );
  return { skillId, taskId };
}

/** Whether the database holds no school yet. */
export async function isEmpty(ds: DataSource): Promise<boolean> {
  return (await ds.getRepository(School).count()) === 0;
}

/** Inserts the simulated school; returns the ids. Training the first model is `trainFirstModel`'s job. */
export async function seedDemo(
  ds: DataSource,
  cipher: FieldCipher,
  now: Date = new Date(),
  options: DemoOptions = {},
): Promise<DemoSchool> {
  const sim = simulateSchool({ learners: options.learners ?? 120 }, options.seed ?? 42, now.getTime() - 14 * 86_400_000);
  const label = options.idLabel;
  const ids =
    label === undefined
      ? () => uuidv7()
      : (kind: string, i: number) => namedUuidv7(LABELLED_ID_TIME, `${label}:${options.seed ?? 42}:${kind}`, i);
  return ds.transaction((m) => insertSchool(m, sim, cipher, now, ids));
}

async function insertSchool(
  m: EntityManager,
  sim: SimulatedSchool,
  cipher: FieldCipher,
  now: Date,
  ids: (kind: string, index: number) => string,
): Promise<DemoSchool> {
  const school = await m.save(m.create(School, { id: ids("school", 0), name: "ZPD Demo School", timeZone: "UTC" }));
  const schoolId = school.id;
  const teacherId = uuidv7();
  const teacher = await m.save(
    m.create(Teacher, { id: teacherId, schoolId, displayNameEnc: cipher.encrypt(DEMO_TEACHER, contextOf(TEACHER_NAME, teacherId)) }),
  );
  const cohorts = await m.save(COHORTS.map((name) => m.create(Cohort, { schoolId, name })));
  await m.save(m.create(CohortTeacher, { schoolId, cohortId: cohorts[0]!.id, teacherId: teacher.id }));

  const { skillId, taskId } = await insertSimulatedCurriculum(m, schoolId, sim);
  const learnerId = new Map(sim.learners.map((l, i) => [l.learnerId, ids("learner", i)]));
  const id = (map: ReadonlyMap<string, string>, key: string) => map.get(key)!;

  const learnerIds = sim.learners.map((l) => id(learnerId, l.learnerId));
  await bulk(
    m,
    "learner",
    ["id", "school_id", "external_ref", "interests_enc"],
    ["uuid", "uuid", "text", "bytea"],
    sim.learners.map((l, i) => [
      learnerIds[i]!,
      schoolId,
      `demo-${String(i + 1).padStart(3, "0")}`,
      cipher.encryptList(l.interests, contextOf(LEARNER_INTERESTS, learnerIds[i]!)),
    ]),
  );
  await bulk(
    m,
    "learner_profile",
    ["learner_id", "school_id", "display_name_enc", "email_enc"],
    ["uuid", "uuid", "bytea", "bytea"],
    sim.learners.map((_, i) => {
      const { displayName, email } = demoProfile(i);
      const l = learnerIds[i]!;
      return [
        l,
        schoolId,
        cipher.encrypt(displayName, contextOf(LEARNER_DISPLAY_NAME, l)),
        cipher.encrypt(email, contextOf(LEARNER_EMAIL, l)),
      ];
    }),
  );
  await bulk(
    m,
    "enrollment",
    ["id", "school_id", "cohort_id", "learner_id"],
    ["uuid", "uuid", "uuid", "uuid"],
    learnerIds.map((l, i) => [uuidv7(), schoolId, cohorts[i % cohorts.length]!.id, l]),
  );
  await bulk(
    m,
    "consent",
    ["id", "school_id", "learner_id", "purpose", "granted", "granted_by"],
    ["uuid", "uuid", "uuid", "text", "bool", "text"],
    learnerIds.flatMap((l, i) =>
      Object.values(ConsentPurpose).map((purpose) => [
        uuidv7(),
        schoolId,
        l,
        purpose,
        i !== NO_CONSENT_INDEX || purpose === ConsentPurpose.Analytics,
        ConsentGrantor.Guardian,
      ]),
    ),
  );
  // The simulator's group is a protected attribute: stored for the fairness audit only.
  await bulk(
    m,
    "learner_attribute",
    ["id", "school_id", "learner_id", "name", "value_enc"],
    ["uuid", "uuid", "uuid", "text", "bytea"],
    sim.learners.map((l, i) => [
      uuidv7(),
      schoolId,
      learnerIds[i]!,
      "group",
      cipher.encrypt(l.group, contextOf(ATTRIBUTE_VALUE, attributeKey(learnerIds[i]!, "group"))),
    ]),
  );

  const goalIds = learnerIds.map(() => uuidv7());
  const targets = sim.skills
    .slice(-Math.min(3, sim.skills.length))
    .slice(0, 2)
    .map((s) => id(skillId, s.skillId));
  await bulk(
    m,
    "goal",
    ["id", "school_id", "learner_id", "title_enc", "mastery_threshold", "deadline", "status"],
    ["uuid", "uuid", "uuid", "bytea", "float8", "timestamptz", "text"],
    learnerIds.map((l, i) => [
      goalIds[i]!,
      schoolId,
      l,
      cipher.encrypt(DEMO_GOAL_TITLE, contextOf(GOAL_TITLE, goalIds[i]!)),
      0.8,
      new Date(now.getTime() + 30 * 86_400_000),
      "ACTIVE",
    ]),
  );
  await bulk(
    m,
    "goal_skill",
    ["id", "school_id", "goal_id", "skill_id"],
    ["uuid", "uuid", "uuid", "uuid"],
    goalIds.flatMap((g) => targets.map((s) => [uuidv7(), schoolId, g, s])),
  );

  const attempts = sim.traces.filter((t) => t.at <= now.getTime());
  for (let i = 0; i < attempts.length; i += 5000) {
    await bulk(
      m,
      "attempt",
      [
        "id",
        "school_id",
        "learner_id",
        "task_id",
        "correct",
        "score",
        "duration_seconds",
        "hints_used",
        "occurred_at",
        "source",
        "idempotency_key",
      ],
      ["uuid", "uuid", "uuid", "uuid", "bool", "float8", "int", "int", "timestamptz", "text", "text"],
      attempts
        .slice(i, i + 5000)
        .map((t, j) => [
          uuidv7(),
          schoolId,
          id(learnerId, t.learnerId),
          id(taskId, t.taskId),
          t.correct === 1,
          t.correct,
          Math.round(t.durationSec),
          0,
          new Date(t.at),
          "demo",
          `demo-${i + j}`,
        ]),
    );
  }
  await m.query(
    `INSERT INTO learner_state (learner_id, school_id, model_version_id, state, attempt_count, version, updated_at)
     SELECT learner_id, $1, NULL, '{}', count(*), 1, now() FROM attempt WHERE school_id = $1 GROUP BY learner_id`,
    [schoolId],
  );
  return {
    schoolId,
    teacherId: teacher.id,
    cohortIds: cohorts.map((c) => c.id),
    learnerIds,
    noConsentLearnerId: learnerIds[NO_CONSENT_INDEX] ?? learnerIds[0]!,
  };
}
