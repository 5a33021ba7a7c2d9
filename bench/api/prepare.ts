/**
 * The benchmark's school: simulated (src/engine/simulator), bulk-loaded with batched `unnest` inserts
 * (as src/services/demo/demo-seed.ts does), then a Meta model is trained on consented traces with
 * `TrainingService.trainAndPublish`, activated, and every learner's state rebuilt under it.
 *
 * Consents: PERSONALISATION and ANALYTICS are granted for every learner. TRAINING is granted for the
 * first `trainLearners` learners only, so that the model trains on that subset's traces (training on
 * all 1,000,000 attempts takes longer than a benchmark should: ~56 s per 100k attempts on 2 cores,
 * docs/benchmarks/kt-assist2009.md); the states of ALL learners are rebuilt under the model.
 *
 * Each learner has one active goal: the two skills 2 and 4 places past the last skill they practised
 * in curriculum order (so a path holds the targets and their unmastered prerequisites, as in class).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DataSource } from "typeorm";
import { simulateSchool } from "../../src/engine/simulator/index.js";
import { createServices } from "../../src/services/index.js";
import type { ServiceDeps } from "../../src/services/service-deps.js";
import { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import {
  ATTRIBUTE_VALUE,
  attributeKey,
  contextOf,
  GOAL_TITLE,
  LEARNER_DISPLAY_NAME,
  LEARNER_EMAIL,
  LEARNER_INTERESTS,
  TEACHER_NAME,
} from "../../src/persistence/crypto/encrypted-columns.js";
import { School } from "../../src/persistence/school/school.entity.js";
import { Teacher } from "../../src/persistence/school/teacher.entity.js";
import { Cohort } from "../../src/persistence/cohort/cohort.entity.js";
import { insertSimulatedCurriculum } from "../../src/services/demo/demo-seed.js";
import { ConsentGrantor, ConsentPurpose } from "../../src/persistence/learner/consent.entity.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import type { ScaleName } from "./args.js";
import { bulkInsert as bulk } from "../../src/persistence/bulk-insert.js";

export interface Scale {
  readonly skills: number;
  readonly tasksPerSkill: number;
  readonly learners: number;
  readonly attemptsPerLearner: readonly [number, number];
  readonly trainLearners: number;
}

export const SCALES: Record<ScaleName, Scale> = {
  // 2,000 tasks, 200 skills, 10,000 learners, ~1,000,000 attempts (uniform 60..140 a learner).
  full: { skills: 200, tasksPerSkill: 10, learners: 10_000, attemptsPerLearner: [60, 140], trainLearners: 1_000 },
  // 1/20 of it: 100 tasks, 10 skills, 500 learners, ~50,000 attempts.
  small: { skills: 10, tasksPerSkill: 10, learners: 500, attemptsPerLearner: [60, 140], trainLearners: 500 },
};

/** What the load generator and the report need about a prepared database (cached beside it). */
export interface PreparedInfo {
  readonly format: 1;
  readonly scale: ScaleName;
  readonly seed: number;
  readonly schoolId: string;
  /** base64 AES key the learner profiles were encrypted with (the server's ZPD_PROFILE_KEY). */
  readonly profileKey: string;
  readonly learners: { id: string; goalId: string }[];
  readonly taskIds: string[];
  readonly counts: {
    skills: number;
    tasks: number;
    learners: number;
    attempts: number;
    trainLearners: number;
    trainAttempts: number;
    goalSkills: number;
  };
  readonly model: { version: number; kind: string; trainSeconds: number | null; backend: string | null };
  /** Seconds of each preparation stage. */
  readonly prepSeconds: { simulate: number; load: number; analyze: number; trainAndPublish: number; total: number };
  readonly preparedAt: string;
}

const BATCH = 10_000;

export async function prepareSchool(
  ds: DataSource,
  scaleName: ScaleName,
  scale: Scale,
  seed: number,
  log: (msg: string) => void,
  /** The privacy audit's settings for the first model's training (bench:faults: one κ, no shadow models); default the product's. */
  privacy?: ServiceDeps["privacy"],
): Promise<PreparedInfo> {
  const tAll = performance.now();
  const now = new Date();
  let t = performance.now();
  const sim = simulateSchool(
    { skills: scale.skills, tasksPerSkill: scale.tasksPerSkill, learners: scale.learners, attemptsPerLearner: scale.attemptsPerLearner },
    seed,
    now.getTime() - 10 * 86_400_000,
  );
  const simulate = (performance.now() - t) / 1000;
  log(
    `simulated ${sim.skills.length} skills, ${sim.tasks.length} tasks, ${sim.learners.length} learners, ${sim.traces.length} attempts in ${simulate.toFixed(1)} s`,
  );

  t = performance.now();
  const profileKey = randomBytes(32);
  const cipher = FieldCipher.single(profileKey);
  const m = ds.manager;
  const school = await m.save(m.create(School, { name: "ZPD Benchmark School", timeZone: "UTC" }));
  const schoolId = school.id;
  const teacherId = uuidv7();
  const teacher = await m.save(
    m.create(Teacher, { id: teacherId, schoolId, displayNameEnc: cipher.encrypt("Bench Teacher", contextOf(TEACHER_NAME, teacherId)) }),
  );
  const cohorts = await m.save(["A", "B", "C", "D"].map((n) => m.create(Cohort, { schoolId, name: `Cohort ${n}` })));
  await m.query(`INSERT INTO cohort_teacher (id, school_id, cohort_id, teacher_id) VALUES ($1, $2, $3, $4)`, [
    uuidv7(),
    schoolId,
    cohorts[0]!.id,
    teacher.id,
  ]);

  const { skillId, taskId } = await insertSimulatedCurriculum(m, schoolId, sim);
  const learnerIds = sim.learners.map(() => uuidv7());
  const learnerIdOf = new Map(sim.learners.map((l, i) => [l.learnerId, learnerIds[i]!]));
  const id = (map: ReadonlyMap<string, string>, key: string) => map.get(key)!;

  for (let i = 0; i < learnerIds.length; i += BATCH) {
    const slice = sim.learners.slice(i, i + BATCH);
    const ids = learnerIds.slice(i, i + BATCH);
    await bulk(
      m,
      "learner",
      ["id", "school_id", "external_ref", "interests_enc"],
      ["uuid", "uuid", "text", "bytea"],
      slice.map((l, j) => [
        ids[j]!,
        schoolId,
        `bench-${i + j + 1}`,
        cipher.encryptList(l.interests, contextOf(LEARNER_INTERESTS, ids[j]!)),
      ]),
    );
    await bulk(
      m,
      "learner_profile",
      ["learner_id", "school_id", "display_name_enc", "email_enc"],
      ["uuid", "uuid", "bytea", "bytea"],
      ids.map((l, j) => [
        l,
        schoolId,
        cipher.encrypt(`Learner ${i + j + 1}`, contextOf(LEARNER_DISPLAY_NAME, l)),
        cipher.encrypt(`bench-${i + j + 1}@example.invalid`, contextOf(LEARNER_EMAIL, l)),
      ]),
    );
    await bulk(
      m,
      "enrollment",
      ["id", "school_id", "cohort_id", "learner_id"],
      ["uuid", "uuid", "uuid", "uuid"],
      ids.map((l, j) => [uuidv7(), schoolId, cohorts[(i + j) % cohorts.length]!.id, l]),
    );
    await bulk(
      m,
      "consent",
      ["id", "school_id", "learner_id", "purpose", "granted", "granted_by"],
      ["uuid", "uuid", "uuid", "text", "bool", "text"],
      ids.flatMap((l, j) =>
        Object.values(ConsentPurpose).map((purpose) => [
          uuidv7(),
          schoolId,
          l,
          purpose,
          purpose !== ConsentPurpose.Training || i + j < scale.trainLearners,
          ConsentGrantor.Guardian,
        ]),
      ),
    );
    await bulk(
      m,
      "learner_attribute",
      ["id", "school_id", "learner_id", "name", "value_enc"],
      ["uuid", "uuid", "uuid", "text", "bytea"],
      slice.map((l, j) => [
        uuidv7(),
        schoolId,
        ids[j]!,
        "group",
        cipher.encrypt(l.group, contextOf(ATTRIBUTE_VALUE, attributeKey(ids[j]!, "group"))),
      ]),
    );
  }

  // One goal a learner: the skills 2 and 4 places past the last one practised (curriculum order).
  const positionOf = new Map(sim.skills.map((s) => [s.skillId, s.position]));
  const primaryOf = new Map(sim.tasks.map((x) => [x.taskId, x.primarySkillId]));
  const lastPosition = new Map<string, number>();
  for (const a of sim.traces) lastPosition.set(a.learnerId, positionOf.get(primaryOf.get(a.taskId)!)!);
  const goals = sim.learners.map((l, i) => {
    const p = lastPosition.get(l.learnerId) ?? 0;
    const targets = [...new Set([Math.min(p + 2, sim.skills.length - 1), Math.min(p + 4, sim.skills.length - 1)])].map((k) =>
      id(skillId, sim.skills[k]!.skillId),
    );
    return { goalId: uuidv7(), learnerId: learnerIds[i]!, targets };
  });
  const deadline = new Date(now.getTime() + 30 * 86_400_000);
  for (let i = 0; i < goals.length; i += BATCH) {
    const slice = goals.slice(i, i + BATCH);
    await bulk(
      m,
      "goal",
      ["id", "school_id", "learner_id", "title_enc", "mastery_threshold", "deadline", "status"],
      ["uuid", "uuid", "uuid", "bytea", "float8", "timestamptz", "text"],
      slice.map((g) => [
        g.goalId,
        schoolId,
        g.learnerId,
        cipher.encrypt("Next skills", contextOf(GOAL_TITLE, g.goalId)),
        0.8,
        deadline,
        "ACTIVE",
      ]),
    );
    await bulk(
      m,
      "goal_skill",
      ["id", "school_id", "goal_id", "skill_id"],
      ["uuid", "uuid", "uuid", "uuid"],
      slice.flatMap((g) => g.targets.map((s) => [uuidv7(), schoolId, g.goalId, s])),
    );
  }

  const traces = sim.traces;
  // The simulator's study days run on past `now` for learners with many sessions; the API refuses an
  // attempt dated in the future, and a learner whose history ends in the future would take every new
  // attempt as out of time order (a full replay). Shift the whole history back so that it ends a minute ago.
  let lastAt = 0;
  for (const a of traces) if (a.at > lastAt) lastAt = a.at;
  const shift = Math.max(0, lastAt - (now.getTime() - 60_000));
  for (let i = 0; i < traces.length; i += BATCH) {
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
      traces
        .slice(i, i + BATCH)
        .map((a, j) => [
          uuidv7(),
          schoolId,
          id(learnerIdOf, a.learnerId),
          id(taskId, a.taskId),
          a.correct === 1,
          a.correct,
          Math.round(a.durationSec),
          0,
          new Date(a.at - shift),
          "bench",
          `sim-${i + j}`,
        ]),
    );
    if ((i / BATCH) % 10 === 9) log(`  attempts ${i + BATCH} / ${traces.length}`);
  }
  const load = (performance.now() - t) / 1000;
  log(`loaded in ${load.toFixed(1)} s`);

  t = performance.now();
  await ds.query("ANALYZE");
  const analyze = (performance.now() - t) / 1000;

  const trainLearnerSet = new Set(sim.learners.slice(0, scale.trainLearners).map((l) => l.learnerId));
  const trainAttempts = traces.filter((a) => trainLearnerSet.has(a.learnerId)).length;
  const counts = {
    skills: sim.skills.length,
    tasks: sim.tasks.length,
    learners: sim.learners.length,
    attempts: traces.length,
    trainLearners: Math.min(scale.trainLearners, sim.learners.length),
    trainAttempts,
    goalSkills: goals.reduce((n, g) => n + g.targets.length, 0),
  };
  const learners = goals.map((g) => ({ id: g.learnerId, goalId: g.goalId }));
  const taskIds = sim.tasks.map((x) => id(taskId, x.taskId));

  t = performance.now();
  log(
    `training a Meta model on ${counts.trainLearners} learners' traces (${trainAttempts} attempts), then rebuilding ${counts.learners} learner states…`,
  );
  const services = createServices({
    dataSource: ds,
    cipher,
    logger: createLogger("warn"),
    maxPageSize: 100,
    ...(privacy ? { privacy } : {}),
  });
  let lastShown = -1;
  const version = await services.training.trainAndPublish(schoolId, {
    kind: "meta",
    seed: 1,
    cutoff: new Date(now.getTime() + 60_000),
    onProgress: (f) => {
      const pct = Math.floor(f * 10) * 10;
      if (pct !== lastShown) {
        lastShown = pct;
        log(`  training ${pct}%`);
      }
    },
  });
  const trainAndPublish = (performance.now() - t) / 1000;
  const metrics = (version.metrics ?? {}) as { trainSeconds?: number; backend?: string };
  log(
    `model v${version.version} (${version.status}) trained in ${metrics.trainSeconds?.toFixed(1) ?? "?"} s; train + publish + rebuild ${trainAndPublish.toFixed(1)} s`,
  );
  await ds.query("ANALYZE");
  return {
    format: 1,
    scale: scaleName,
    seed,
    schoolId,
    profileKey: profileKey.toString("base64"),
    learners,
    taskIds,
    counts,
    model: { version: version.version, kind: version.kind, trainSeconds: metrics.trainSeconds ?? null, backend: metrics.backend ?? null },
    prepSeconds: { simulate, load, analyze, trainAndPublish, total: (performance.now() - tAll) / 1000 },
    preparedAt: new Date().toISOString(),
  };
}
