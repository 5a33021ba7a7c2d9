/**
 * The demo school seeded into an empty embedded database on first start, so that a newcomer can
 * query at once: a skill DAG of fractions and proportional reasoning, three tasks per skill, two
 * cohorts, a teacher, a dozen learners with consents and a few weeks of attempts. Deterministic
 * (seeded) so that every machine shows the same data.
 */
import { DataSource } from "typeorm";
import { School } from "../../persistence/school/school.entity.js";
import { Teacher } from "../../persistence/school/teacher.entity.js";
import { Cohort } from "../../persistence/cohort/cohort.entity.js";
import { CohortTeacher } from "../../persistence/cohort/cohort-teacher.entity.js";
import { Enrollment } from "../../persistence/cohort/enrollment.entity.js";
import { Learner } from "../../persistence/learner/learner.entity.js";
import { LearnerProfile } from "../../persistence/learner/learner-profile.entity.js";
import { Consent, ConsentGrantor, ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { Skill } from "../../persistence/curriculum/skill.entity.js";
import { SkillPrerequisite } from "../../persistence/curriculum/skill-prerequisite.entity.js";
import { Task, TaskKind } from "../../persistence/curriculum/task.entity.js";
import { TaskSkill } from "../../persistence/curriculum/task-skill.entity.js";
import { Goal } from "../../persistence/goal/goal.entity.js";
import { GoalSkill } from "../../persistence/goal/goal-skill.entity.js";
import { Attempt } from "../../persistence/attempt/attempt.entity.js";
import { ProfileCipher } from "../learner/profile-cipher.js";
import { DEMO_SKILLS } from "./demo-curriculum.js";
import { mulberry32 } from "./seeded-random.js";

export interface DemoSchool {
  readonly schoolId: string;
  readonly teacherId: string;
  readonly cohortIds: string[];
  readonly learnerIds: string[];
}

const FIRST_NAMES = ["Ada", "Bea", "Cyril", "Dana", "Emil", "Fatou", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Lior"];
const KINDS = [TaskKind.Exercise, TaskKind.QuizItem, TaskKind.Exercise];

/** Whether the database holds no school yet. */
export async function isEmpty(ds: DataSource): Promise<boolean> {
  return (await ds.getRepository(School).count()) === 0;
}

export async function seedDemo(ds: DataSource, cipher: ProfileCipher, now: Date = new Date(), seed = 42): Promise<DemoSchool> {
  const rand = mulberry32(seed);
  return ds.transaction(async (m) => {
    const school = await m.save(m.create(School, { name: "ZPD Demo School", timeZone: "UTC" }));
    const schoolId = school.id;
    const teacher = await m.save(m.create(Teacher, { schoolId, displayName: "Ms. Rivera" }));

    const skills = new Map<string, Skill>();
    for (const s of DEMO_SKILLS) skills.set(s.code, await m.save(m.create(Skill, { schoolId, code: s.code, name: s.name, description: "" })));
    for (const s of DEMO_SKILLS) {
      for (const p of s.prerequisites) {
        await m.save(m.create(SkillPrerequisite, { schoolId, skillId: skills.get(s.code)!.id, prerequisiteId: skills.get(p)!.id }));
      }
    }

    // Three tasks per skill (easier to harder); every fourth task also touches a prerequisite.
    const tasks: { task: Task; skill: string; difficulty: number }[] = [];
    for (const [si, s] of DEMO_SKILLS.entries()) {
      for (let k = 0; k < 3; k++) {
        const difficulty = -1 + k + 0.15 * s.prerequisites.length;
        const task = await m.save(m.create(Task, {
          schoolId, code: `${s.code}.${k + 1}`, title: `${s.name} — ${["warm-up", "practice", "challenge"][k]}`,
          kind: KINDS[k]!, topics: [...s.topics], expectedDurationSeconds: 60 + 60 * k, difficulty: null,
        }));
        await m.save(m.create(TaskSkill, { schoolId, taskId: task.id, skillId: skills.get(s.code)!.id, weight: 1 }));
        if ((si * 3 + k) % 4 === 3 && s.prerequisites.length) {
          await m.save(m.create(TaskSkill, { schoolId, taskId: task.id, skillId: skills.get(s.prerequisites[0]!)!.id, weight: 0.5 }));
        }
        tasks.push({ task, skill: s.code, difficulty });
      }
    }

    const cohorts = [
      await m.save(m.create(Cohort, { schoolId, name: "Year 6 — Maple" })),
      await m.save(m.create(Cohort, { schoolId, name: "Year 6 — Oak" })),
    ];
    await m.save(m.create(CohortTeacher, { schoolId, cohortId: cohorts[0]!.id, teacherId: teacher.id }));

    const learnerIds: string[] = [];
    const start = now.getTime() - 21 * 86_400_000;
    for (const [i, name] of FIRST_NAMES.entries()) {
      const learner = await m.save(m.create(Learner, { schoolId, externalRef: `demo-${String(i + 1).padStart(2, "0")}` }));
      learnerIds.push(learner.id);
      await m.save(m.create(LearnerProfile, {
        learnerId: learner.id, schoolId,
        displayNameEnc: cipher.encrypt(name), emailEnc: cipher.encrypt(`${name.toLowerCase()}@demo.invalid`),
      }));
      await m.save(m.create(Enrollment, { schoolId, cohortId: cohorts[i % 2]!.id, learnerId: learner.id }));
      for (const purpose of Object.values(ConsentPurpose)) {
        await m.save(m.create(Consent, { schoolId, learnerId: learner.id, purpose, granted: i !== 11 || purpose === ConsentPurpose.Analytics, grantedBy: ConsentGrantor.Guardian }));
      }
      const goal = await m.save(m.create(Goal, { schoolId, learnerId: learner.id, title: "Master fractions", masteryThreshold: 0.8, deadline: new Date(now.getTime() + 30 * 86_400_000) }));
      for (const code of ["FRAC.ADD.UNLIKE", "FRAC.COMPARE"]) await m.save(m.create(GoalSkill, { schoolId, goalId: goal.id, skillId: skills.get(code)!.id }));

      // A learner with ability θ works through the curriculum in order and improves with practice.
      const ability = (rand() - 0.5) * 2;
      const n = 15 + Math.floor(rand() * 25);
      const attempts: Partial<Attempt>[] = [];
      for (let a = 0; a < n; a++) {
        const t = tasks[Math.min(tasks.length - 1, Math.floor((a / n) * tasks.length * 0.6 + rand() * 4))]!;
        const p = 1 / (1 + Math.exp(-(ability + 0.08 * a - t.difficulty)));
        const correct = rand() < p;
        attempts.push({
          schoolId, learnerId: learner.id, taskId: t.task.id, correct, score: correct ? 1 : Math.round(rand() * 50) / 100,
          durationSeconds: Math.round(t.task.expectedDurationSeconds * (0.5 + rand())), hintsUsed: correct ? 0 : Math.floor(rand() * 3),
          occurredAt: new Date(start + a * (21 * 86_400_000) / n + Math.floor(rand() * 3_600_000)), source: "demo",
          idempotencyKey: `demo-${i}-${a}`,
        });
      }
      await m.save(attempts.map((a) => m.create(Attempt, a)));
    }
    return { schoolId, teacherId: teacher.id, cohortIds: cohorts.map((c) => c.id), learnerIds };
  });
}
