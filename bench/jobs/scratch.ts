/**
 * The jobs benchmark's scratch resources: the school's trace folder (simulated into a temp folder,
 * or given with --data) and a database of its own, `zpd_bench_jobs_<pid>`, created for the run and
 * dropped at the end (unless --keep), so that a run never touches a real school.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { generateFolder, type GeneratedData } from "./generate.js";
import { log } from "./phase-clock.js";
import type { JobsBenchArgs } from "./args.js";

/** The simulated school's figures, or nulls for a folder given with --data. */
export type BenchData =
  | GeneratedData
  | {
      folder: string;
      learners: null;
      tasks: null;
      skills: null;
      attempts: null;
      simulateSeconds: null;
      writeSeconds: null;
      groups: null;
    };

export interface ScratchData {
  readonly data: BenchData;
  /** The temp folder to remove at the end (null for --data). */
  readonly tmp: string | null;
}

export function prepareData(args: JobsBenchArgs): ScratchData {
  if (args.data) {
    const data: BenchData = {
      folder: resolve(args.data),
      learners: null,
      tasks: null,
      skills: null,
      attempts: null,
      simulateSeconds: null,
      writeSeconds: null,
      groups: null,
    };
    log(`data: ${data.folder} (import only)`);
    return { data, tmp: null };
  }
  const tmp = mkdtempSync(join(tmpdir(), "zpd-bench-jobs-"));
  const folder = join(tmp, `sim-${args.attempts}`);
  log(`simulating a school of ~${args.attempts.toLocaleString("en-US")} attempts into ${folder}`);
  const data = generateFolder(folder, args.attempts, args.seed);
  log(
    `simulated ${data.learners} learners, ${data.tasks} tasks, ${data.skills} skills, ${data.attempts} attempts in ${data.simulateSeconds.toFixed(1)} s; written in ${data.writeSeconds.toFixed(1)} s`,
  );
  return { data, tmp };
}

export function removeData(scratch: ScratchData): void {
  if (scratch.tmp) rmSync(scratch.tmp, { recursive: true, force: true });
}

async function admin<T>(pgUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates the scratch database (dropping a leftover of the same name); returns the server's version. */
export async function createScratchDatabase(pgUrl: string, dbName: string): Promise<string> {
  await admin(pgUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await c.query(`CREATE DATABASE ${dbName}`);
  });
  const serverVersion = await admin(
    pgUrl,
    async (c) => ((await c.query("SHOW server_version")).rows[0] as { server_version: string }).server_version,
  );
  log(`created database ${dbName} (PostgreSQL ${serverVersion})`);
  return serverVersion;
}

/** Drops the scratch database, or says how to when --keep asked to keep it; never throws. */
export async function dropScratchDatabase(args: JobsBenchArgs, dbName: string): Promise<void> {
  if (args.keep) log(`kept database ${dbName} (drop it with: psql ${args.pgUrl}/postgres -c 'DROP DATABASE ${dbName}')`);
  else {
    await admin(args.pgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)).catch((e) =>
      log(`could not drop ${dbName}: ${(e as Error).message}`),
    );
    log(`dropped database ${dbName}`);
  }
}
