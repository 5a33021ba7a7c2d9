/**
 * The school of `bench:xapi`, made in this process on the bench's fresh database before the server starts
 * (PGlite's folder is then the server's alone): tasks named by activity ids, a credential that may create
 * learners, and every learner's first answers sent through the LRS service itself (each learner created,
 * linked to its actor and given its attempts as the server would). With a model, the learners consent to
 * personalisation and training, and a model is trained on those answers and published — its switch
 * rebuilds every learner's state — so that the timed answers take the production path (one guarded
 * statement, AttemptService.recordOptimistically), as in a school with an active model.
 */
import "reflect-metadata";
import { performance } from "node:perf_hooks";
import { openDatabase, migrate, type DatabaseOptions } from "../../src/persistence/database.js";
import { openKeyring } from "../../src/services/keys/keyring.js";
import { createServices } from "../../src/services/index.js";
import { createLogger } from "../../src/shared/logger.js";
import { Role } from "../../src/services/auth/actor.js";
import { TaskKind } from "../../src/persistence/curriculum/task.entity.js";

export const TASKS = 50;
export const activityOf = (i: number) => `https://bench.example/tasks/${i}`;
export const learnerAgent = (i: number) => ({ account: { homePage: "https://bench.example", name: `learner-${i}` } });

export interface BenchSchool {
  readonly key: string;
  readonly secret: string;
  /** Attempts recorded by the warm-up. */
  readonly warmupAttempts: number;
  readonly warmupSeconds: number;
  /** The published model (null without one) and how long training, publishing and the states' rebuild took. */
  readonly model: { kind: string; version: number; seconds: number } | null;
}

export interface SchoolPlan {
  readonly learners: number;
  /** Answers per learner. */
  readonly warmup: number;
  readonly model: boolean;
  readonly profileKey: Buffer;
}

export async function prepareXapiSchool(options: DatabaseOptions, plan: SchoolPlan, log: (m: string) => void): Promise<BenchSchool> {
  const db = await openDatabase(options);
  try {
    await migrate(db.dataSource);
    const { cipher } = await openKeyring(db.dataSource, { current: plan.profileKey });
    const services = createServices({ dataSource: db.dataSource, cipher, logger: createLogger("silent"), maxPageSize: 100 });
    const school = await services.schools.create("xAPI bench school");
    const actor = { schoolId: school.id, role: Role.Admin, subject: "bench-xapi" };
    const skill = await services.skills.create(actor, { code: "s", name: "Skill" });
    for (let i = 0; i < TASKS; i++)
      await services.tasks.create(actor, {
        code: `t${i}`,
        title: `Task ${i}`,
        kind: TaskKind.Exercise,
        expectedDurationSeconds: 60,
        skills: [{ skillId: skill.id }],
        activityId: activityOf(i),
      });
    const { credential, secret } = await services.xapiCredentials.issue(
      school.id,
      { label: "bench", scope: "ALL", createLearners: true },
      "bench",
    );
    const client = { credentialId: credential.id, schoolId: school.id, scope: "ALL" as const, createLearners: true };
    // Answers a minute apart, ending a minute ago: each learner's history in time order, before the timed answers.
    let t = performance.now();
    const total = plan.learners * plan.warmup;
    const start = Date.now() - (plan.warmup + 1) * 60_000;
    const answers = Array.from({ length: total }, (_, n) => ({
      actor: learnerAgent(n % plan.learners),
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: activityOf((n * 7 + Math.floor(n / plan.learners)) % TASKS) },
      result: { success: (n * 2654435761) % 7 < 4, duration: "PT40S" },
      timestamp: new Date(start + Math.floor(n / plan.learners) * 60_000).toISOString(),
    }));
    for (let i = 0; i < total; i += 100) await services.xapiStatements.store(client, answers.slice(i, i + 100), []);
    const [{ n: warmupAttempts }] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM attempt WHERE school_id = $1`, [
      school.id,
    ])) as [{ n: number }];
    if (warmupAttempts !== total) throw new Error(`the warm-up recorded ${warmupAttempts} attempts of ${total}`);
    const warmupSeconds = (performance.now() - t) / 1000;
    log(`warm-up: ${plan.learners} learners, ${warmupAttempts} attempts in ${warmupSeconds.toFixed(1)} s`);
    let model: BenchSchool["model"] = null;
    if (plan.model) {
      t = performance.now();
      await db.dataSource.query(
        `INSERT INTO consent (id, school_id, learner_id, purpose, granted, granted_by)
         SELECT gen_random_uuid(), l.school_id, l.learner_id, p.purpose, true, 'GUARDIAN'
         FROM xapi_agent_learner l CROSS JOIN (VALUES ('PERSONALISATION'), ('TRAINING')) AS p(purpose)
         WHERE l.school_id = $1`,
        [school.id],
      );
      const version = await services.training.trainAndPublish(school.id, { kind: "meta", seed: 1 });
      if (version.status !== "ACTIVE") throw new Error(`the bench model is ${version.status}, not ACTIVE`);
      const [{ n: states }] = (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM learner_state s JOIN learner l ON l.id = s.learner_id
         WHERE l.school_id = $1 AND s.model_version_id = $2`,
        [school.id, version.id],
      )) as [{ n: number }];
      if (states !== plan.learners) throw new Error(`${states} learner states of ${plan.learners} are under the bench model`);
      model = { kind: version.kind, version: version.version, seconds: (performance.now() - t) / 1000 };
      log(`model: ${version.kind} v${version.version} trained, published and every state rebuilt in ${model.seconds.toFixed(1)} s`);
    }
    await db.dataSource.query("ANALYZE");
    await db.dataSource.query("CHECKPOINT").catch(() => {});
    return { key: credential.key, secret, warmupAttempts, warmupSeconds, model };
  } finally {
    await db.close();
  }
}
