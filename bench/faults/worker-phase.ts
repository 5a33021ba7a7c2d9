/**
 * Phase 3, the worker killed mid-retraining (PostgreSQL): `npm run worker` (dist/src/cli/worker.js)
 * as its own process; an admin's `triggerRetrain` through the real server; once the run reports that
 * it is training the candidate, the worker is killed with SIGKILL and a new one started at once.
 * Checked: the active model is unchanged until the retraining runs again, the job then completes
 * (pg-boss retries it once the killed attempt's heartbeat lapses: src/services/jobs/queues.ts), and a
 * model version results. Measured: from the kill to the retry starting, and to the job's end, with the
 * job timing the workers ran with (the configuration's defaults, or the ZPD_JOB_* the benchmark was run with).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { Client } from "../api/load.js";
import { freePort } from "../api/server.js";
import { loadConfig } from "../../src/config/config.js";
import type { JobTiming } from "../../src/services/jobs/queues.js";
import { FaultServer } from "./server.js";
import { FAULT_PRIVACY_ENV, type PreparedSchool } from "./school.js";
import type { Log, Session } from "./session.js";

export interface WorkerFigures {
  readonly db: "postgres";
  readonly activeBefore: number | null;
  /** The active version right after the kill, and whether it stayed so until the retry started. */
  readonly activeAfterKill: number | null;
  readonly activeUnchangedUntilRetry: boolean;
  /** Where the run was when the worker was killed. */
  readonly killedAt: { progress: number; message: string; trainingSeconds: number };
  /** From the kill to the retry's start (attempt 2 RUNNING) and to the run's end, seconds; null: not within the wait. */
  readonly retryStartedSeconds: number | null;
  readonly completedSeconds: number | null;
  /** The retry's own duration, seconds. */
  readonly retrySeconds: number | null;
  readonly run: { status: string; attempts: number; message: string; error: string | null };
  /** Model versions created by the retraining (version and status), and the active one at the end. */
  readonly newVersions: { version: number; status: string }[];
  readonly activeAfter: number | null;
  readonly waitLimitSeconds: number;
  /** The heartbeat, supervision and first retry delay the worker processes read from their configuration. */
  readonly timing: JobTiming;
}

interface RunRow {
  status: string;
  progress: number;
  message: string;
  attempts: number;
  error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/**
 * Waits for the retry (attempt 2 on the new worker): the heartbeat's lapse, a supervision pass, the retry
 * delay (with the defaults 10 + 5 + 5–10 s), then the training; generous, so a slow retry is measured
 * rather than cut off.
 */
const WAIT_LIMIT_S = 600;

/** The benchmark's own ZPD_JOB_* settings, if any, handed to the server and the workers (to measure other timings). */
function jobTimingEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("ZPD_JOB_") && e[1] !== undefined),
  );
}

function startWorker(env: Record<string, string>, logFile: string): { child: ChildProcess; exited: Promise<void> } {
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ["--max-semi-space-size=64", resolve("dist/src/cli/worker.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      ZPD_RETRAIN_CRON: "off",
      ZPD_AUDIT_CRON: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((res) => child.once("close", () => log.end(res)));
  return { child, exited };
}

async function waitForLog(file: string, text: string, exited: () => boolean, timeoutMs: number, session: Session): Promise<void> {
  const t = Date.now();
  for (;;) {
    let content = "";
    try {
      content = readFileSync(file, "utf8");
    } catch {
      /* not yet */
    }
    if (content.includes(text)) return;
    if (exited()) throw new Error(`the worker exited before "${text}" (log: ${file})`);
    if (Date.now() - t > timeoutMs) throw new Error(`no "${text}" in ${file} after ${timeoutMs / 1000} s`);
    await session.sleep(200);
  }
}

export async function workerPhase(session: Session, school: PreparedSchool, log: Log): Promise<WorkerFigures> {
  const copy = await school.copy("worker");
  const env = { ...copy.env, ...FAULT_PRIVACY_ENV, ZPD_PROFILE_KEY: school.info.profileKey, ...jobTimingEnv() };
  const server = new FaultServer({
    env: { ...copy.env, ...session.serverEnv(school), ...jobTimingEnv() },
    port: await freePort(),
    pid1: false,
    logDir: join(session.scratch, "logs"),
    label: "worker-api",
  });
  const db = new pg.Client({ connectionString: copy.env.DATABASE_URL });
  const workers: { child: ChildProcess; exited: Promise<void> }[] = [];
  const logDir = join(session.scratch, "logs");
  const activeVersion = async () =>
    ((await db.query(`SELECT version FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [school.info.schoolId])).rows[0]
      ?.version as number | undefined) ?? null;
  try {
    await db.connect();
    await server.start();
    const first = startWorker(env, join(logDir, "worker-1.log"));
    workers.push(first);
    await waitForLog(join(logDir, "worker-1.log"), "worker started", () => first.child.exitCode !== null, 120_000, session);
    const activeBefore = await activeVersion();
    const maxBefore = (
      await db.query(`SELECT coalesce(max(version), 0) AS v FROM model_version WHERE school_id = $1`, [school.info.schoolId])
    ).rows[0].v as number;

    const client = new Client(server.url, await session.adminToken(school));
    const answer = await client.post(`mutation { triggerRetrain(seed: 2) { id status } }`, {}, 30_000);
    client.close();
    if (!answer.ok) throw new Error(`triggerRetrain failed: ${answer.error}`);
    const runId = (answer.data!.triggerRetrain as { id: string }).id;
    log(`retraining enqueued (run ${runId}); waiting for it to train the candidate`);
    const run = async () =>
      (await db.query(`SELECT status, progress, message, attempts, error, started_at, finished_at FROM job_run WHERE id = $1`, [runId]))
        .rows[0] as RunRow | undefined;

    let r: RunRow | undefined;
    const tWait = Date.now();
    for (;;) {
      r = await run();
      if (r?.status === "RUNNING" && r.message.startsWith("training the candidate") && r.progress >= 0.1) break;
      if (r && ["SUCCEEDED", "FAILED"].includes(r.status)) throw new Error(`the retraining ended (${r.status}) before it could be killed`);
      if (Date.now() - tWait > 300_000) throw new Error(`the retraining was not training after 300 s (${r?.status} ${r?.message})`);
      await session.sleep(250);
    }
    const killedAt = {
      progress: r.progress,
      message: r.message,
      trainingSeconds: r.started_at ? (Date.now() - r.started_at.getTime()) / 1000 : 0,
    };
    first.child.kill("SIGKILL");
    await first.exited;
    const tKill = Date.now();
    const activeAfterKill = await activeVersion();
    log(
      `worker killed at ${(killedAt.progress * 100).toFixed(0)} % ("${killedAt.message}"); active model v${activeAfterKill}; new worker started`,
    );
    const second = startWorker(env, join(logDir, "worker-2.log"));
    workers.push(second);

    let activeUnchangedUntilRetry = activeAfterKill === activeBefore;
    let retryStartedAt: number | null = null;
    let retryStartedMs: number | null = null;
    let lastShown = 0;
    for (;;) {
      r = (await run())!;
      if (retryStartedAt === null) {
        if (r.attempts > 1) {
          retryStartedAt = Date.now();
          retryStartedMs = r.started_at?.getTime() ?? retryStartedAt;
          log(`the retry started ${((retryStartedMs - tKill) / 1000).toFixed(0)} s after the kill`);
        } else if ((await activeVersion()) !== activeBefore) activeUnchangedUntilRetry = false;
      }
      if (["SUCCEEDED", "FAILED"].includes(r.status) && r.attempts > 1) break;
      if (Date.now() - tKill > WAIT_LIMIT_S * 1000) break;
      if (Date.now() - lastShown > 30_000) {
        lastShown = Date.now();
        log(`  ${((Date.now() - tKill) / 1000).toFixed(0)} s after the kill: run ${r.status}, attempt ${r.attempts}, ${r.message}`);
      }
      await session.sleep(1000);
    }
    const done = r.finished_at && r.attempts > 1 ? r.finished_at.getTime() : null;
    const newVersions = (
      await db.query(`SELECT version, status FROM model_version WHERE school_id = $1 AND version > $2 ORDER BY version`, [
        school.info.schoolId,
        maxBefore,
      ])
    ).rows as { version: number; status: string }[];
    const figures: WorkerFigures = {
      db: "postgres",
      activeBefore,
      activeAfterKill,
      activeUnchangedUntilRetry,
      killedAt,
      retryStartedSeconds: retryStartedMs === null ? null : (retryStartedMs - tKill) / 1000,
      completedSeconds: done === null ? null : (done - tKill) / 1000,
      retrySeconds: done === null || retryStartedMs === null ? null : (done - retryStartedMs) / 1000,
      run: { status: r.status, attempts: r.attempts, message: r.message, error: r.error },
      newVersions,
      activeAfter: await activeVersion(),
      waitLimitSeconds: WAIT_LIMIT_S,
      timing: loadConfig(env, { uses: { jwtSecret: false } }).jobTiming,
    };
    log(
      `worker: run ${r.status} after ${r.attempts} attempts, ${figures.completedSeconds?.toFixed(0) ?? "not"} s after the kill; versions ${JSON.stringify(newVersions)}`,
    );
    return figures;
  } finally {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      const timer = setTimeout(() => w.child.kill("SIGKILL"), 30_000);
      await w.exited;
      clearTimeout(timer);
    }
    await server.stop().catch(() => {});
    await db.end().catch(() => {});
    await copy.dispose().catch((e) => log(`could not drop the worker database: ${(e as Error).message}`));
  }
}
