/**
 * The job system with real pg-boss (on PGlite through TypeORM's pool, or on PostgreSQL with
 * DATABASE_URL) and simulator data: the retrain job promotes a candidate that is not worse and
 * rejects one trained on shuffled labels; a job that throws mid-training, or is killed by its worker
 * stopping, leaves the active model serving and is retried with backoff; a retraining whose worker dies
 * is retried once its heartbeat lapses, while a healthy job outliving its heartbeat is not; two workers run one cron
 * tick once; promoteModel and rollbackModel are jobs too (gates, retries, one switch of a school's
 * model at a time); job runs over GraphQL.
 * Training uses PFA (seconds) — the subject here is the job system, not the model.
 */
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo } from "../../src/services/demo/demo-seed.js";
import { createLogger } from "../../src/shared/logger.js";
import { JobStatus, type JobRun } from "../../src/services/jobs/job-run.service.js";
import { ATTEMPT_LIMIT_SECONDS, JobName, queueOptions } from "../../src/services/jobs/queues.js";
import { JobQueue } from "../../src/services/jobs/job-queue.js";
import pg from "pg";
import pino from "pino";
import { JOBS, nightlyRetrain, promoteModel, rollbackModel, JobDefinition, payloadObject, uuidField } from "../../jobs/index.js";
import { switchLockKey } from "../../src/services/training/switch-lock.js";
import { executeJob } from "../../jobs/runner.js";
import { Worker, WorkerOptions } from "../../jobs/worker.js";
import { schedules, dueOccurrence, DEFAULT_RETRAIN_CRON } from "../../jobs/schedules.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";

const silent = createLogger("silent");
const KIND = "pfa";

let s: TestServer;
let schoolId: string;
let admin: string;
let firstModelId: string;
const workers: Worker[] = [];

/** Test-only jobs: a retraining on shuffled labels, one that throws mid-training, one that runs until its worker stops. */
const schoolPayload = (name: string) => (raw: unknown) => ({
  schoolId: uuidField(name, payloadObject(name, raw, ["schoolId"]), "schoolId"),
});
const shuffledRetrain: JobDefinition<{ schoolId: string }> = {
  name: "test-retrain-shuffled",
  description: "retrain on shuffled labels",
  parse: schoolPayload("test-retrain-shuffled"),
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    const r = await ctx.services.retraining.retrain(p.schoolId, {
      kind: KIND,
      seed: 3,
      shuffleLabels: true,
      onProgress: (f, m) => ctx.progress(f, m),
    });
    return { message: r.status, result: { ...r } };
  },
};
const crashingRetrain: JobDefinition<{ schoolId: string }> = {
  name: "test-retrain-crash",
  description: "a retraining whose trainer crashes at 30 %",
  parse: schoolPayload("test-retrain-crash"),
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    const r = await ctx.services.retraining.retrain(p.schoolId, {
      kind: KIND,
      seed: 4,
      onProgress: (f, m) => {
        if (f >= 0.3) throw new Error(`trainer crashed at ${Math.round(f * 100)} % (attempt ${ctx.attempt})`);
        ctx.progress(f, m);
      },
    });
    return { message: r.status, result: { ...r } };
  },
};
let sleeperStarted = false;
const sleeper: JobDefinition<{ schoolId: string }> = {
  name: "test-sleeper",
  description: "runs until its worker stops (a kill mid-training)",
  parse: schoolPayload("test-sleeper"),
  schoolId: (p) => p.schoolId,
  async run(_p, ctx) {
    sleeperStarted = true;
    ctx.progress(0.4, "training the candidate");
    await new Promise<void>((resolve) =>
      ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    ctx.signal.throwIfAborted();
    return { message: "never" };
  },
};
let longRuns = 0;
/**
 * A healthy job that runs past its heartbeat (the product's, from the configuration) with steps that
 * hold the event loop for 3 s each, as a training step on a busy machine may: its worker's heartbeat
 * must keep it alive, so supervision never fails it and it is never run twice.
 */
const longRun: JobDefinition<{ schoolId: string }> = {
  name: "test-long-run",
  description: "runs past its heartbeat, holding the event loop for seconds at a time",
  parse: schoolPayload("test-long-run"),
  schoolId: (p) => p.schoolId,
  async run(_p, ctx) {
    longRuns++;
    const runFor = (s.app.config.jobTiming.heartbeatSeconds + 4) * 1000;
    const t0 = Date.now();
    for (let step = 1; Date.now() - t0 < runFor; step++) {
      const holdUntil = Date.now() + 3_000;
      while (Date.now() < holdUntil) {} // a step that does not yield
      ctx.signal.throwIfAborted();
      ctx.progress(Math.min(0.99, (Date.now() - t0) / runFor), `step ${step}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { message: "done" };
  },
};
const TEST_JOBS = [shuffledRetrain, crashingRetrain, sleeper, longRun];
const TEST_QUEUES = Object.fromEntries(
  [shuffledRetrain, crashingRetrain, sleeper].map((j) => [
    j.name,
    { retryLimit: 2, retryDelay: 1, retryBackoff: true, retryDelayMax: 4, expireInSeconds: 600, heartbeatSeconds: 10 },
  ]),
);
/** The test queues, and the long job's on the product's options for a retraining (heartbeat, supervision and retries as configured). */
const testQueues = () => ({ ...TEST_QUEUES, [longRun.name]: queueOptions(s.app.config.jobTiming)[JobName.Retrain] });

async function startWorker(o: Partial<WorkerOptions> = {}): Promise<Worker> {
  const w = new Worker({
    services: s.app.services,
    logger: silent,
    settings: { retrainCron: null, retrainKind: KIND, schoolIds: [] },
    jobs: [...JOBS, shuffledRetrain, crashingRetrain],
    extraQueues: testQueues(),
    schedule: false,
    pollingIntervalSeconds: 0.5,
    progressIntervalMs: 100,
    ...o,
  });
  workers.push(w);
  await w.start();
  return w;
}

async function stopWorkers(): Promise<void> {
  while (workers.length) await workers.pop()!.stop(10_000);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * The pg-boss job once pg-boss has recorded its outcome: the runner writes the run's row first, and
 * pg-boss marks the job failed (or retrying) only after the handler has returned or thrown.
 */
const settledJob = (
  queue: { boss(): Promise<{ findJobs(name: string, opts: { id: string }): Promise<{ state: string }[]> }> },
  name: string,
  id: string,
) =>
  waitFor(`pg-boss to settle job ${id}`, async () => {
    const [job] = await (await queue.boss()).findJobs(name, { id });
    return job && job.state !== "active" ? job : null;
  });
const runOf = (id: string) => s.app.services.jobs.find(id);
const finished = (id: string) =>
  waitFor(`run ${id} to finish`, async () => {
    const r = await runOf(id);
    return r && (r.status === JobStatus.Succeeded || r.status === JobStatus.Failed) ? r : null;
  });

async function activeModel(school = schoolId): Promise<{ id: string; version: number }> {
  const [row] = await s.app.db.dataSource.query(`SELECT id, version FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [
    school,
  ]);
  return row;
}
async function versionCount(school = schoolId): Promise<number> {
  const [{ n }] = await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM model_version WHERE school_id = $1`, [school]);
  return n;
}
async function stateModels(school = schoolId): Promise<string[]> {
  const rows: { m: string }[] = await s.app.db.dataSource.query(
    `SELECT DISTINCT model_version_id AS m FROM learner_state WHERE school_id = $1 AND model_version_id IS NOT NULL`,
    [school],
  );
  return rows.map((r) => r.m);
}

beforeAll(async () => {
  // The job timing through the configuration, as in production: the shortest heartbeat pg-boss accepts
  // (these jobs hold the event loop 3 s at most), supervision every second and a first retry after one,
  // so a dead worker's job is retried about 12 s after its last heartbeat.
  s = await startTestServer({ ZPD_JOB_HEARTBEAT_SECONDS: "10", ZPD_JOB_SUPERVISE_SECONDS: "1", ZPD_JOB_RETRY_DELAY_SECONDS: "1" });
  const now = new Date();
  const demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, now, { learners: 60, idLabel: "jobs" });
  schoolId = demo.schoolId;
  admin = await s.token({ schoolId, role: Role.Admin });
  // The first active model, on the first three days of the traces: the retrained candidate sees more.
  const first = await s.app.services.training.trainAndPublish(schoolId, {
    kind: KIND,
    seed: 1,
    cutoff: new Date(now.getTime() - 11 * 86_400_000),
  });
  firstModelId = first.id;
}, 90_000);

afterEach(async () => {
  await stopWorkers();
});

afterAll(async () => {
  await stopWorkers();
  await s?.stop();
});

describe("schedules", () => {
  test("nightly retraining: one minute tick in pg-boss, 02:00 in each school's zone, off with no tick", async () => {
    expect(schedules({ retrainCron: DEFAULT_RETRAIN_CRON })).toEqual([
      expect.objectContaining({ name: JobName.NightlyRetrain, cron: "* * * * *", tz: "UTC" }),
    ]);
    expect(schedules({ retrainCron: null })).toEqual([]);
    // 02:00 in Paris (winter, UTC+1) is 01:00 UTC; in Kolkata (UTC+5:30) 20:30 UTC the day before.
    expect(await dueOccurrence(DEFAULT_RETRAIN_CRON, "Europe/Paris", new Date("2026-12-01T01:03:00Z"))).toEqual(
      new Date("2026-12-01T01:00:00Z"),
    );
    expect(await dueOccurrence(DEFAULT_RETRAIN_CRON, "Europe/Paris", new Date("2026-12-01T02:03:00Z"))).toBeNull();
    expect(await dueOccurrence(DEFAULT_RETRAIN_CRON, "Asia/Kolkata", new Date("2026-11-30T20:30:00Z"))).toEqual(
      new Date("2026-11-30T20:30:00Z"),
    );
    expect(await dueOccurrence(DEFAULT_RETRAIN_CRON, "UTC", new Date("2026-12-01T01:59:59Z"))).toBeNull();
  });
});

describe("the retrain job", () => {
  test("promotes a candidate that is not worse: a new ACTIVE version with the gates' verdicts, progress and run recorded", async () => {
    const before = await activeModel();
    expect(before.id).toBe(firstModelId);
    const w = await startWorker();
    const { id } = await s.app.services.jobs.enqueue(JobName.Retrain, { schoolId, seed: 2 }, { schoolId, queue: w.queue });
    const run = await finished(id);
    expect(run).toMatchObject({ status: JobStatus.Succeeded, name: "retrain", schoolId, progress: 1, attempts: 1, error: null });
    expect({ promoted: run.result?.promoted, status: run.result?.status, reasons: run.result?.reasons }).toEqual({
      promoted: true,
      status: "ACTIVE",
      reasons: [],
    });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    const after = await activeModel();
    expect(after.id).toBe(run.result!.modelVersionId);
    expect(after.version).toBe(before.version + 1);
    const [mv] = await s.app.db.dataSource.query(`SELECT metrics, kind FROM model_version WHERE id = $1`, [after.id]);
    expect(mv.kind).toBe(KIND);
    // The fairness audit of a school this small has no group of 30 held-out learners: it says so, and lets the candidate pass.
    expect(mv.metrics.gates).toEqual([
      expect.objectContaining({ gate: "metrics", passed: true }),
      expect.objectContaining({ gate: "fairness", passed: true, detail: expect.stringMatching(/^NOT_AUDITABLE: /) }),
      // Too few held-out learners to attack (10 < 20): stated, and it lets the candidate pass.
      expect.objectContaining({
        gate: "privacy",
        passed: true,
        detail: expect.stringMatching(/^NOT_AUDITABLE: MEMBERSHIP: too few learners/),
      }),
    ]);
    expect(mv.metrics.comparedWith).toEqual({ modelVersionId: before.id, version: before.version });
    expect(await stateModels()).toEqual([after.id]);
  }, 90_000);

  test("a candidate trained on shuffled labels is REJECTED with the reasons and the active model stays", async () => {
    const before = await activeModel();
    const w = await startWorker();
    const { id } = await s.app.services.jobs.enqueue(shuffledRetrain.name, { schoolId }, { schoolId, queue: w.queue });
    const run = await finished(id);
    expect(run.status).toBe(JobStatus.Succeeded);
    expect(run.result).toMatchObject({ promoted: false, status: "REJECTED" });
    expect((run.result!.reasons as string[]).join()).toMatch(/^metrics: /);
    expect(await activeModel()).toEqual(before);
    const [mv] = await s.app.db.dataSource.query(`SELECT status, notes, metrics FROM model_version WHERE id = $1`, [
      run.result!.modelVersionId,
    ]);
    expect(mv.status).toBe("REJECTED");
    expect(mv.notes).toMatch(/^rejected: metrics: /);
    expect(mv.metrics.gates[0]).toMatchObject({ gate: "metrics", passed: false });
    expect(await stateModels()).toEqual([before.id]);
  }, 90_000);

  test("a job that throws mid-training is retried with backoff and leaves the active model untouched", async () => {
    const before = await activeModel();
    const versions = await versionCount();
    const w = await startWorker();
    const { id } = await s.app.services.jobs.enqueue(crashingRetrain.name, { schoolId }, { schoolId, queue: w.queue });
    const seen = new Set<JobStatus>();
    const run = await waitFor("the crashing job to give up", async () => {
      const r = await runOf(id);
      if (r) seen.add(r.status);
      return r?.status === JobStatus.Failed ? r : null;
    });
    expect(run.attempts).toBe(3); // the first attempt and retryLimit 2
    expect(run.error).toMatch(/trainer crashed at \d+ % \(attempt 3\)/);
    expect(seen.has(JobStatus.Retrying) || seen.has(JobStatus.Running)).toBe(true);
    const job = await settledJob(w.queue, crashingRetrain.name, id);
    expect(job).toMatchObject({ state: "failed", retryCount: 2, retryBackoff: true });
    expect(await activeModel()).toEqual(before);
    expect(await versionCount()).toBe(versions);
  }, 90_000);

  test("a job killed by its worker stopping leaves the active model serving and is retried by another worker", async () => {
    const before = await activeModel();
    sleeperStarted = false;
    const w1 = await startWorker({ jobs: [sleeper] });
    const { id } = await s.app.services.jobs.enqueue(sleeper.name, { schoolId }, { schoolId, queue: w1.queue });
    await waitFor("the job to start", async () => sleeperStarted);
    await waitFor("its progress", async () => ((await runOf(id))?.progress ?? 0) >= 0.4);
    await w1.stop(10_000);
    const killed = await runOf(id);
    expect(killed).toMatchObject({ status: JobStatus.Retrying, attempts: 1 });
    expect(killed!.error).toMatch(/stopping/);
    expect(await activeModel()).toEqual(before);
    sleeperStarted = false;
    await startWorker({ jobs: [sleeper] });
    await waitFor("another worker to retry it", async () => sleeperStarted && ((await runOf(id))?.attempts ?? 0) >= 2);
    expect(await activeModel()).toEqual(before);
  }, 60_000);

  test("a retraining whose worker dies mid-job (no stop, no heartbeat) is retried once its heartbeat lapses and completes, while a healthy job that outlives its heartbeat is never failed", async () => {
    const timing = s.app.config.jobTiming;
    const versions = await versionCount();
    // The dying worker: it claims the retraining as a worker does, then is never heard from again (a SIGKILL).
    const dying = new JobQueue({ dataSource: s.app.services.deps.dataSource, logger: silent, role: "client", timing });
    let id: string;
    try {
      ({ id } = await s.app.services.jobs.enqueue(JobName.Retrain, { schoolId, seed: 8 }, { schoolId, queue: dying }));
      const [claimed] = await (await dying.boss()).fetch(JobName.Retrain, { includeMetadata: true });
      // Only the heartbeat can bring it back soon: the attempt's own bound is a day.
      expect(claimed).toMatchObject({ id, state: "active", retryCount: 0, heartbeatSeconds: timing.heartbeatSeconds });
      expect(claimed!.expireInSeconds).toBe(ATTEMPT_LIMIT_SECONDS);
    } finally {
      await dying.stop(1_000);
    }
    longRuns = 0;
    const w = await startWorker({ jobs: [...JOBS.filter((j) => j.name === JobName.Retrain), longRun] });
    const healthy = await s.app.services.jobs.enqueue(longRun.name, { schoolId }, { schoolId, queue: w.queue });
    const [retrained, long] = await Promise.all([finished(id), finished(healthy.id)]);

    expect(retrained).toMatchObject({ status: JobStatus.Succeeded, attempts: 2, progress: 1 });
    expect(await settledJob(w.queue, JobName.Retrain, id)).toMatchObject({ state: "completed", retryCount: 1 });
    // Trained once: by the retry (the dead worker's attempt made nothing).
    expect(await versionCount()).toBe(versions + 1);
    expect(retrained.result!.modelVersionId).toEqual(expect.any(String));

    expect(long).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, error: null });
    expect(await settledJob(w.queue, longRun.name, healthy.id)).toMatchObject({ state: "completed", retryCount: 0 });
    expect(longRuns).toBe(1);
  }, 90_000);

  test("a bad payload fails at once, without retries, with a clear error", async () => {
    const w = await startWorker();
    const { id } = await s.app.services.jobs.enqueue(
      JobName.Retrain,
      { schoolId: "not-a-school", seed: -1 },
      { schoolId: null, queue: w.queue },
    );
    const run = await finished(id);
    expect(run).toMatchObject({ status: JobStatus.Failed, attempts: 1 });
    expect(run.error).toMatch(/retrain: schoolId must be a UUID, got "not-a-school"/);
    const unknownSchool = await s.app.services.jobs.enqueue(
      JobName.RebuildStates,
      { schoolId: "0190aaaa-0000-7000-8000-000000000000" },
      { schoolId: null, queue: w.queue },
    );
    expect((await finished(unknownSchool.id)).error).toMatch(/school 0190aaaa-0000-7000-8000-000000000000 does not exist/);
    const job = await settledJob(w.queue, JobName.Retrain, id);
    expect(job).toMatchObject({ state: "failed", retryCount: 0 });
  }, 60_000);
});

describe("two workers on one database", () => {
  test("run each cron tick once, and a tick's fan-out enqueues each school's retraining once", async () => {
    const { schoolId: tickSchool } = await s.newSchool("Tick School");
    await s.app.db.dataSource.query(`UPDATE school SET time_zone = 'Asia/Kolkata' WHERE id = $1`, [tickSchool]);
    const o: Partial<WorkerOptions> = {
      jobs: [nightlyRetrain], // the retrain jobs stay queued, to be counted
      settings: { retrainCron: "* * * * *", retrainKind: KIND, schoolIds: [tickSchool] },
      schedule: true,
      cronIntervalSeconds: 1,
    };
    await Promise.all([startWorker(o), startWorker(o)]);
    const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
    await waitFor(
      "a tick to fan out",
      async () => (await q(`SELECT 1 FROM job_run WHERE school_id = $1 AND name = 'retrain'`, [tickSchool])).length > 0,
    );
    await new Promise((r) => setTimeout(r, 3_000)); // both workers' cron passes and pollers had their chance
    await stopWorkers(); // counted at rest: no tick of the next minute lands between two counts
    // pg-boss files each cron occurrence once (a unique slot in its internal send-it queue) and forwards
    // it as one tick job: as many ticks as forwarded occurrences, however many workers ran the cron pass.
    // (Not one per wall-clock minute: a pass running late forwards the previous minute's occurrence in the
    // same minute as the next one.)
    const [{ ticks }] = await q(`SELECT count(*)::int AS ticks FROM pgboss.job WHERE name = $1`, [JobName.NightlyRetrain]);
    const [{ occurrences, slots }] = await q(
      `SELECT count(*)::int AS occurrences, count(DISTINCT singleton_on)::int AS slots FROM pgboss.job
       WHERE name = '__pgboss__send-it' AND data->>'name' = $1 AND state = 'completed'`,
      [JobName.NightlyRetrain],
    );
    expect(occurrences).toBeGreaterThanOrEqual(1);
    expect(slots).toBe(occurrences);
    expect(ticks).toBe(occurrences);
    const retrains: { cutoff: string; n: number }[] = await q(
      `SELECT payload->>'cutoff' AS cutoff, count(*)::int AS n FROM job_run WHERE school_id = $1 AND name = 'retrain' GROUP BY 1`,
      [tickSchool],
    );
    for (const r of retrains) expect(r.n).toBe(1);
    const queued: { n: number }[] = await q(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'retrain' AND data->>'schoolId' = $1`, [
      tickSchool,
    ]);
    expect(queued[0]!.n).toBe(retrains.length);
    const fanOuts: JobRun[] = await q(`SELECT id FROM job_run WHERE name = $1 AND school_id IS NULL AND result->'enqueued' @> $2::jsonb`, [
      JobName.NightlyRetrain,
      JSON.stringify([{ schoolId: tickSchool }]),
    ]);
    expect(fanOuts.length).toBe(retrains.length);

    // The same tick fanned out by two workers at once (a race the cron claim normally prevents): one retraining.
    const [w1, w2] = await Promise.all([startWorker({ jobs: [], schedule: false }), startWorker({ jobs: [], schedule: false })]);
    const boss = await w1.queue.boss();
    const at = new Date(Date.UTC(2026, 10, 30, 20, 30, 5)); // 02:00 in Kolkata, with the default schedule
    // The runs' log lines, to check their levels: an idle tick logs at debug, one that enqueued at info.
    const logged: { level: number; msg: string; jobId?: string; outcome?: string }[] = [];
    const capture = pino({ level: "debug" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const doneLevel = (id: string) => logged.filter((l) => l.msg === "job done" && l.jobId === id).map((l) => l.level);
    const run = (w: Worker, id: string) =>
      executeJob(
        nightlyRetrain,
        { at: at.toISOString() },
        {
          id,
          attempt: 1,
          retryLimit: 0,
          services: s.app.services,
          logger: capture,
          queue: w.queue,
          settings: { retrainCron: DEFAULT_RETRAIN_CRON, retrainKind: KIND, schoolIds: [tickSchool] },
        },
      );
    const [a, b] = await Promise.all([run(w1, "0190bbbb-0000-7000-8000-000000000001"), run(w2, "0190bbbb-0000-7000-8000-000000000002")]);
    const enqueued = [a, b].map((x) => (x.result!.enqueued as unknown[]).length);
    expect(enqueued.sort()).toEqual([0, 1]);
    expect([a, b].map((x) => x.result!.alreadyEnqueued).sort()).toEqual([0, 1]);
    const [enqueuer, idler] =
      (a.result!.enqueued as unknown[]).length === 1
        ? ["0190bbbb-0000-7000-8000-000000000001", "0190bbbb-0000-7000-8000-000000000002"]
        : ["0190bbbb-0000-7000-8000-000000000002", "0190bbbb-0000-7000-8000-000000000001"];
    expect(doneLevel(enqueuer)).toEqual([30]);
    expect(doneLevel(idler)).toEqual([20]);
    const nightly: { n: number }[] = await q(
      `SELECT count(*)::int AS n FROM job_run WHERE school_id = $1 AND name = 'retrain' AND payload->>'cutoff' = $2`,
      [tickSchool, "2026-11-30T20:30:00.000Z"],
    );
    expect(nightly[0]!.n).toBe(1);
    // A tick that finds nothing due leaves no run behind.
    await run(w1, "0190bbbb-0000-7000-8000-000000000003").then(() => run(w1, "0190bbbb-0000-7000-8000-000000000004"));
    expect(await runOf("0190bbbb-0000-7000-8000-000000000004")).toBeNull();
    expect(doneLevel("0190bbbb-0000-7000-8000-000000000004")).toEqual([20]);
    await boss.deleteQueuedJobs(JobName.Retrain);
  }, 90_000);
});

describe("one school's retrainings", () => {
  test("never run two at a time, even with two idle workers (a singleton queue keyed by school)", async () => {
    const o: Partial<WorkerOptions> = { jobs: JOBS.filter((j) => j.name === JobName.Retrain) };
    const [w1] = await Promise.all([startWorker(o), startWorker(o)]);
    const ids = [];
    for (const seed of [6, 7])
      ids.push((await s.app.services.jobs.enqueue(JobName.Retrain, { schoolId, seed }, { schoolId, queue: w1.queue })).id);
    const [a, b] = await Promise.all(ids.map(finished));
    expect([a!.status, b!.status]).toEqual([JobStatus.Succeeded, JobStatus.Succeeded]);
    const [first, second] = [a!, b!].sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    expect(second!.startedAt!.getTime()).toBeGreaterThanOrEqual(first!.finishedAt!.getTime());
  }, 90_000);
});

describe("GraphQL: job runs, triggerRetrain, promoteModel and rollbackModel as jobs (admins)", () => {
  const RUNS = `query($first: Int, $after: String, $name: String, $status: JobStatus) { jobRuns(first: $first, after: $after, name: $name, status: $status) {
    nodes { id name payload status progress message error result attempts startedAt finishedAt createdAt } pageInfo { hasNextPage endCursor } } }`;
  const TRIGGER = `mutation($seed: Int) { triggerRetrain(seed: $seed) { id name status payload attempts progress } }`;
  const ROLLBACK = `mutation { rollbackModel { id name status payload attempts progress } }`;
  const PROMOTE = `mutation($id: UUID!) { promoteModel(versionId: $id) { id name status payload attempts progress } }`;

  test("triggerRetrain enqueues a retrain the worker runs; jobRuns lists, filters and pages the school's runs", async () => {
    const t = await s.gql(TRIGGER, { seed: 5 }, admin);
    expect(t.errors).toBeUndefined();
    expect(t.data!.triggerRetrain).toMatchObject({
      name: "retrain",
      status: "QUEUED",
      payload: { schoolId, seed: 5 },
      attempts: 0,
      progress: 0,
    });
    await startWorker();
    const run = await finished(t.data!.triggerRetrain.id);
    expect(run.status).toBe(JobStatus.Succeeded);
    const all = await s.gql(RUNS, { first: 100 }, admin);
    expect(all.errors).toBeUndefined();
    const nodes = all.data!.jobRuns.nodes as { id: string; name: string; status: string }[];
    expect(nodes.map((n) => n.id)).toContain(run.id);
    expect(new Set(nodes.map((n) => n.name))).toEqual(new Set(["retrain", ...TEST_JOBS.map((j) => j.name)]));
    expect(nodes.map((n) => n.id)).toEqual([...nodes.map((n) => n.id)].sort());
    const failed = await s.gql(RUNS, { status: "FAILED" }, admin);
    expect(failed.data!.jobRuns.nodes.map((n: { name: string }) => n.name)).toEqual([crashingRetrain.name]);
    const retrains = await s.gql(RUNS, { name: "retrain", first: 1 }, admin);
    expect(retrains.data!.jobRuns.pageInfo.hasNextPage).toBe(true);
    const next = await s.gql(RUNS, { name: "retrain", first: 100, after: retrains.data!.jobRuns.pageInfo.endCursor }, admin);
    expect(next.data!.jobRuns.nodes.map((n: { id: string }) => n.id)).toEqual(
      nodes
        .filter((n) => n.name === "retrain")
        .slice(1)
        .map((n) => n.id),
    );
    expect(codeOf(await s.gql(RUNS, { after: "garbage" }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(TRIGGER, { seed: -1 }, admin))).toBe("BAD_USER_INPUT");
  }, 90_000);

  const switchRuns = async () =>
    (
      await s.app.db.dataSource.query(
        `SELECT count(*)::int AS n FROM job_run WHERE school_id = $1 AND name IN ('promote-model', 'rollback-model')`,
        [schoolId],
      )
    )[0].n as number;
  const switchJobs = async () =>
    (
      await s.app.db.dataSource.query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name IN ('promote-model', 'rollback-model') AND data->>'schoolId' = $1`,
        [schoolId],
      )
    )[0].n as number;
  const consenting = async () =>
    (
      await s.app.db.dataSource.query(
        `SELECT count(*)::int AS n FROM consent WHERE school_id = $1 AND purpose = 'PERSONALISATION' AND granted`,
        [schoolId],
      )
    )[0].n as number;
  const previousModel = async (): Promise<{ id: string; version: number }> =>
    (
      await s.app.db.dataSource.query(
        `SELECT id, version FROM model_version WHERE school_id = $1 AND status = 'RETIRED' AND activated_at IS NOT NULL ORDER BY activated_at DESC LIMIT 1`,
        [schoolId],
      )
    )[0];
  /** A switch's figures: every consenting learner staged and adopted, or caught up after the switch. */
  const expectFullRebuild = async (result: Record<string, unknown> | null) => {
    const r = result as { staged: number; adopted: number; caughtUp: number };
    expect(r.staged + r.caughtUp).toBe(await consenting());
    expect(r.adopted).toBe(r.staged);
  };

  test("rollbackModel and promoteModel enqueue a run (QUEUED) that the worker runs: the switch, the states, the figures; a second promotion of the same version waits, then finds it active", async () => {
    const current = await activeModel();
    const previous = await previousModel();
    const r = await s.gql(ROLLBACK, {}, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data!.rollbackModel).toMatchObject({
      name: "rollback-model",
      status: "QUEUED",
      payload: { schoolId, versionId: previous.id },
      attempts: 0,
      progress: 0,
    });
    expect(await activeModel()).toEqual(current); // the request switched nothing
    await startWorker();
    const rolledBack = await finished(r.data!.rollbackModel.id);
    expect(rolledBack).toMatchObject({
      status: JobStatus.Succeeded,
      progress: 1,
      attempts: 1,
      error: null,
      message: expect.stringMatching(new RegExp(`^version ${previous.version} active: `)),
    });
    expect(rolledBack.result).toMatchObject({ modelVersionId: previous.id, version: previous.version, alreadyActive: false });
    await expectFullRebuild(rolledBack.result);
    expect(await activeModel()).toEqual(previous);
    expect(await stateModels()).toEqual([previous.id]);

    // Two promotions of one school enqueued together (a double click): one after the other (a singleton
    // queue, and the switch lock); the first re-checks the gates and switches, the second finds the version active.
    // Enqueued with no worker running: a worker could otherwise finish the first before the second is asked,
    // which the API then refuses (the version is active).
    await stopWorkers();
    const p1 = await s.gql(PROMOTE, { id: current.id }, admin);
    const p2 = await s.gql(PROMOTE, { id: current.id }, admin);
    expect([p1.errors, p2.errors]).toEqual([undefined, undefined]);
    await startWorker();
    expect(p1.data!.promoteModel).toMatchObject({ name: "promote-model", status: "QUEUED", payload: { schoolId, versionId: current.id } });
    const [a, b] = await Promise.all([finished(p1.data!.promoteModel.id), finished(p2.data!.promoteModel.id)]);
    expect([a.status, b.status]).toEqual([JobStatus.Succeeded, JobStatus.Succeeded]);
    const [first, second] = [a, b].sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    expect(second!.startedAt!.getTime()).toBeGreaterThanOrEqual(first!.finishedAt!.getTime());
    expect(first!.result).toMatchObject({
      modelVersionId: current.id,
      alreadyActive: false,
      gates: [
        expect.objectContaining({ gate: "metrics", passed: true }),
        expect.objectContaining({ gate: "fairness", passed: true, detail: expect.stringMatching(/^NOT_AUDITABLE: /) }),
        // Too few held-out learners to attack (10 < 20): stated, and it lets the candidate pass.
        expect.objectContaining({
          gate: "privacy",
          passed: true,
          detail: expect.stringMatching(/^NOT_AUDITABLE: MEMBERSHIP: too few learners/),
        }),
      ],
    });
    await expectFullRebuild(first!.result);
    expect(second!.result).toMatchObject({ modelVersionId: current.id, alreadyActive: true, staged: 0, adopted: 0, caughtUp: 0 });
    expect(await activeModel()).toEqual(current);
    expect(await stateModels()).toEqual([current.id]);
    const [mv] = await s.app.db.dataSource.query(`SELECT metrics FROM model_version WHERE id = $1`, [current.id]);
    expect(mv.metrics.promotionGates).toEqual([
      expect.objectContaining({ gate: "metrics", passed: true }),
      expect.objectContaining({ gate: "fairness", passed: true, detail: expect.stringMatching(/^NOT_AUDITABLE: /) }),
      // Too few held-out learners to attack (10 < 20): stated, and it lets the candidate pass.
      expect.objectContaining({
        gate: "privacy",
        passed: true,
        detail: expect.stringMatching(/^NOT_AUDITABLE: MEMBERSHIP: too few learners/),
      }),
    ]);
    // One run each in jobRuns: the job system records them (no second, hand-made row).
    for (const [name, ids] of [
      ["rollback-model", [rolledBack.id]],
      ["promote-model", [a.id, b.id]],
    ] as const) {
      const runs = await s.gql(RUNS, { name }, admin);
      expect(runs.errors).toBeUndefined();
      expect(runs.data!.jobRuns.nodes.map((n: { id: string }) => n.id).sort()).toEqual([...ids].sort());
    }
  }, 90_000);

  test("a promotion the gates refuse ends FAILED with their verdicts, at once (no retry); the active model stays", async () => {
    const before = await activeModel();
    const [rejected] = await s.app.db.dataSource.query(
      `SELECT id, version FROM model_version WHERE school_id = $1 AND status = 'REJECTED' ORDER BY version DESC LIMIT 1`,
      [schoolId],
    );
    const p = await s.gql(PROMOTE, { id: rejected.id }, admin);
    expect(p.errors).toBeUndefined();
    const w = await startWorker();
    const run = await finished(p.data!.promoteModel.id);
    expect(run).toMatchObject({ status: JobStatus.Failed, attempts: 1 });
    expect(run.error).toMatch(new RegExp(`^JobFailure: the gates refuse version ${rejected.version}: metrics: `));
    expect(run.result).toMatchObject({
      modelVersionId: rejected.id,
      version: rejected.version,
      gates: [
        expect.objectContaining({ gate: "metrics", passed: false }),
        expect.objectContaining({ gate: "fairness", passed: true, detail: expect.stringMatching(/^NOT_AUDITABLE: /) }),
        // Too few held-out learners to attack (10 < 20): stated, and it lets the candidate pass.
        expect.objectContaining({
          gate: "privacy",
          passed: true,
          detail: expect.stringMatching(/^NOT_AUDITABLE: MEMBERSHIP: too few learners/),
        }),
      ],
    });
    const job = await settledJob(w.queue, JobName.PromoteModel, run.id);
    expect(job).toMatchObject({ state: "failed", retryCount: 0 });
    expect(await activeModel()).toEqual(before);
    expect(await stateModels()).toEqual([before.id]);
    expect((await s.app.db.dataSource.query(`SELECT status FROM model_version WHERE id = $1`, [rejected.id]))[0].status).toBe("REJECTED");
  }, 60_000);

  test("bad input is refused in the request with its code, and nothing is enqueued", async () => {
    const active = await activeModel();
    const [runs, jobs] = [await switchRuns(), await switchJobs()];
    const conflict = await s.gql(PROMOTE, { id: active.id }, admin);
    expect(codeOf(conflict)).toBe("CONFLICT");
    expect(conflict.errors![0]!.message).toBe(`version ${active.version} is already active`);
    expect(codeOf(await s.gql(PROMOTE, { id: "0190aaaa-0000-7000-8000-00000000abcd" }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(PROMOTE, { id: "not-a-uuid" }, admin))).toBe("BAD_USER_INPUT");
    expect([await switchRuns(), await switchJobs()]).toEqual([runs, jobs]);
  });

  test("a switch that crashes is retried with backoff, and the retry resumes: the staged states are adopted, none staged again", async () => {
    const previous = await previousModel();
    const states = s.app.services.training.states;
    const commit = states.commit;
    let crashes = 0;
    // The first attempt dies after staging every learner, before its switch (the worker's process, say).
    states.commit = async function (...args: Parameters<typeof commit>) {
      if (crashes++ === 0) throw new Error("connection lost before the switch");
      return commit.apply(this, args);
    };
    try {
      const r = await s.gql(ROLLBACK, {}, admin);
      expect(r.errors).toBeUndefined();
      await startWorker();
      const run = await finished(r.data!.rollbackModel.id);
      expect(run).toMatchObject({ status: JobStatus.Succeeded, attempts: 2, error: null });
      expect(run.result).toMatchObject({
        modelVersionId: previous.id,
        alreadyActive: false,
        staged: 0,
        adopted: await consenting(),
        caughtUp: 0,
      });
      expect(await activeModel()).toEqual(previous);
      expect(await stateModels()).toEqual([previous.id]);
    } finally {
      states.commit = commit;
    }
  }, 60_000);

  test("one switch of a school's model at a time, whoever runs it: a job waits (saying so) while another holds the school's switch, then they run one after the other; the later switch is the active model", async () => {
    // A third version that served once: two rollbacks, to two versions, are then possible.
    await s.app.services.training.trainAndPublish(schoolId, { kind: KIND, seed: 9, cutoff: new Date(Date.now() - 5 * 86_400_000) });
    const active = await activeModel();
    const retired: { id: string; version: number }[] = await s.app.db.dataSource.query(
      `SELECT id, version FROM model_version WHERE school_id = $1 AND status = 'RETIRED' AND activated_at IS NOT NULL ORDER BY version DESC LIMIT 2`,
      [schoolId],
    );
    expect(retired).toHaveLength(2);
    const [x, y] = retired as [{ id: string; version: number }, { id: string; version: number }];
    const states = s.app.services.training.states;
    const switchTo = states.switchTo;
    const windows: { versionId: string; start: number; end: number }[] = [];
    states.switchTo = async function (...args: Parameters<typeof switchTo>) {
      const w = { versionId: args[1], start: Date.now(), end: Infinity };
      windows.push(w);
      try {
        return await switchTo.apply(this, args);
      } finally {
        w.end = Date.now();
      }
    };
    // Another holder of the school's switch: on PostgreSQL another process (its own session's advisory
    // lock), embedded (one process per data folder) another switch of this process.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holder: Promise<unknown>;
    const url = (s.app.db.dataSource.options as { url?: string }).url;
    if (url) {
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      await other.query(`SELECT pg_advisory_lock(hashtext($1))`, [switchLockKey(schoolId)]);
      holder = held.then(() => other.end());
    } else {
      holder = s.app.services.training.switchLock.hold(schoolId, {}, () => held);
    }
    try {
      const w = await startWorker();
      // A rollback from the worker, and one run in-process (`npm run job -- rollback-model`), which no queue orders.
      const queued = await s.app.services.jobs.enqueue(JobName.RollbackModel, { schoolId, versionId: x.id }, { schoolId, queue: w.queue });
      const reports: { f: number; m?: string }[] = [];
      const cli = executeJob(
        rollbackModel,
        { schoolId, versionId: y.id },
        {
          id: "0190cccc-0000-7000-8000-000000000001",
          attempt: 1,
          retryLimit: 0,
          services: s.app.services,
          logger: silent,
          settings: { retrainCron: null },
          onProgress: (f, m) => reports.push({ f, m }),
        },
      );
      const waiting = "waiting for another switch of the school's model";
      await waitFor("the queued rollback to wait", async () => (await runOf(queued.id))?.message === waiting);
      await waitFor("the in-process rollback to wait", async () => reports.some((r) => r.m === waiting));
      expect(windows).toEqual([]);
      expect(await activeModel()).toEqual(active);
      release();
      await holder;
      const [a, b] = [await finished(queued.id), await cli];
      expect(a.status).toBe(JobStatus.Succeeded);
      expect(b.status).toBe("completed");
      await expectFullRebuild(a.result);
      await expectFullRebuild(b.result!);
      expect(windows.map((w) => w.versionId).sort()).toEqual([x.id, y.id].sort());
      const [first, second] = [...windows].sort((p, q) => p.start - q.start);
      expect(second!.start).toBeGreaterThanOrEqual(first!.end);
      expect(await activeModel()).toEqual(retired.find((r) => r.id === second!.versionId));
      expect(await stateModels()).toEqual([second!.versionId]);
      const fractions = reports.map((r) => r.f);
      expect(fractions).toEqual([...fractions].sort((p, q) => p - q));
      expect(reports.at(-1)).toEqual({ f: 1, m: "done" });
      expect(reports.some((r) => r.m === "rebuilding learner states")).toBe(true);
    } finally {
      states.switchTo = switchTo;
      release();
      await holder;
    }
  }, 90_000);

  test("a job waiting for the school's switch gives up when its worker stops and is retried later; a bad payload is refused", async () => {
    let release!: () => void;
    const holder = s.app.services.training.switchLock.hold(schoolId, {}, () => new Promise<void>((r) => (release = r)));
    const before = await activeModel();
    const w = await startWorker();
    const { id } = await s.app.services.jobs.enqueue(JobName.RollbackModel, { schoolId }, { schoolId, queue: w.queue });
    await waitFor("the rollback to wait", async () => (await runOf(id))?.message === "waiting for another switch of the school's model");
    await w.stop(10_000);
    const stopped = await runOf(id);
    expect(stopped).toMatchObject({ status: JobStatus.Retrying, attempts: 1 });
    expect(stopped!.error).toMatch(/the worker is stopping/);
    expect(await activeModel()).toEqual(before);
    release();
    await holder;
    // Without a pinned version the rollback reads the previous version when it runs (here: its retry).
    const previous = await previousModel();
    await startWorker();
    const retried = await finished(id);
    expect(retried).toMatchObject({
      status: JobStatus.Succeeded,
      attempts: 2,
      result: expect.objectContaining({ modelVersionId: previous.id }),
    });
    expect(await activeModel()).toEqual(previous);
    const [rejected] = await s.app.db.dataSource.query(
      `SELECT id, version FROM model_version WHERE school_id = $1 AND status = 'REJECTED' LIMIT 1`,
      [schoolId],
    );
    const never = await executeJob(
      rollbackModel,
      { schoolId, versionId: rejected.id },
      {
        id: "0190cccc-0000-7000-8000-000000000003",
        attempt: 1,
        retryLimit: 3,
        services: s.app.services,
        logger: silent,
        settings: { retrainCron: null },
      },
    );
    expect(never).toMatchObject({
      status: "deadletter",
      error: `JobFailure: version ${rejected.version} was never active: promote it instead`,
    });
    expect(await activeModel()).toEqual(previous);
    const bad = await executeJob(
      promoteModel,
      { schoolId, versionId: "v1" },
      {
        id: "0190cccc-0000-7000-8000-000000000002",
        attempt: 1,
        retryLimit: 3,
        services: s.app.services,
        logger: silent,
        settings: { retrainCron: null },
      },
    );
    expect(bad).toMatchObject({ status: "deadletter", error: expect.stringMatching(/promote-model: versionId must be a UUID, got "v1"/) });
  }, 60_000);

  test("teachers are FORBIDDEN; another school's admin sees none of these runs", async () => {
    const [{ id: teacherId }] = await s.app.db.dataSource.query(`SELECT id FROM teacher WHERE school_id = $1 LIMIT 1`, [schoolId]);
    const teacher = await s.token({ schoolId, role: Role.Teacher, teacherId });
    const analyst = await s.token({ schoolId, role: Role.Analyst });
    const active = await activeModel();
    for (const t of [teacher, analyst]) {
      expect(codeOf(await s.gql(RUNS, {}, t))).toBe("FORBIDDEN");
      expect(codeOf(await s.gql(TRIGGER, {}, t))).toBe("FORBIDDEN");
      expect(codeOf(await s.gql(ROLLBACK, {}, t))).toBe("FORBIDDEN");
      expect(codeOf(await s.gql(PROMOTE, { id: active.id }, t))).toBe("FORBIDDEN");
    }
    expect(codeOf(await s.gql(RUNS, {}))).toBe("UNAUTHENTICATED");
    const other = await s.newSchool("Other");
    expect((await s.gql(RUNS, {}, other.admin)).data!.jobRuns.nodes).toEqual([]);
    expect(codeOf(await s.gql(PROMOTE, { id: active.id }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ROLLBACK, {}, other.admin))).toBe("CONFLICT");
    expect(await activeModel()).toEqual(active);
  });
});
