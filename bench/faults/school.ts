/**
 * The faults benchmark's school: a small simulated one (bench/api/prepare.ts: 10 skills, 100 tasks,
 * 200 learners, ~20,000 attempts, a Meta model trained on all of them and active), prepared once per
 * database and then copied for each phase, so that phases never see each other's writes.
 *
 * Embedded: a PGlite folder under the run's scratch folder, copied with its files. PostgreSQL: a
 * template database on the benchmark's own cluster, copied with CREATE DATABASE … TEMPLATE.
 */
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrate, openDatabase, type DatabaseOptions } from "../../src/persistence/database.js";
import type { DbKind } from "../api/args.js";
import { prepareSchool, type PreparedInfo, type Scale } from "../api/prepare.js";

export const FAULT_SCALE: Scale = { skills: 10, tasksPerSkill: 10, learners: 200, attemptsPerLearner: [60, 140], trainLearners: 200 };

/**
 * The privacy settings of every training here (the school's first model, the worker's retraining): one
 * task-influence bound instead of the ladder and the loss-threshold attack without shadow models, so a
 * training is one fit, not up to four plus eight shadow fits. What the phases test is what a fault does
 * to ingestion and to a job, not what the training costs (bench:jobs measures that).
 */
export const FAULT_PRIVACY = { taskInfluenceLadder: [250], shadows: 0 } as const;
/** The same, as the worker's environment (src/config/config.ts). */
export const FAULT_PRIVACY_ENV = { ZPD_PRIVACY_TASK_INFLUENCE: "250", ZPD_PRIVACY_SHADOWS: "0" } as const;

/** Where one copy of the school lives: the server's environment for it and how to open it here. */
export interface SchoolCopy {
  readonly db: DbKind;
  readonly env: Record<string, string>;
  readonly open: DatabaseOptions;
  readonly dispose: () => Promise<void>;
}

export interface PreparedSchool {
  readonly db: DbKind;
  readonly info: PreparedInfo;
  readonly seconds: number;
  copy(name: string): Promise<SchoolCopy>;
}

async function onServer<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Prepares the school on one database: `scratch` is the run's folder (embedded), `serverUrl` the
 * benchmark's own PostgreSQL cluster (no database part).
 */
export async function prepare(
  db: DbKind,
  where: { scratch: string; serverUrl?: string },
  seed: number,
  log: (msg: string) => void,
): Promise<PreparedSchool> {
  const t = performance.now();
  const template = db === "pglite" ? join(where.scratch, "school-template") : "faults_school";
  if (db === "postgres") await onServer(where.serverUrl!, async (c) => void (await c.query(`CREATE DATABASE ${template}`)));
  const options: DatabaseOptions = db === "pglite" ? { dataDir: template } : { url: `${where.serverUrl}/${template}` };
  const database = await openDatabase(options);
  let info: PreparedInfo;
  try {
    await migrate(database.dataSource);
    info = await prepareSchool(database.dataSource, "small", FAULT_SCALE, seed, (m) => log(`  ${m}`), FAULT_PRIVACY);
    await database.dataSource.query("CHECKPOINT");
  } finally {
    await database.close();
  }
  return {
    db,
    info,
    seconds: (performance.now() - t) / 1000,
    async copy(name): Promise<SchoolCopy> {
      if (db === "pglite") {
        const dir = join(where.scratch, name);
        rmSync(dir, { recursive: true, force: true });
        cpSync(template, dir, { recursive: true });
        rmSync(join(dir, "zpd.lock"), { force: true });
        return {
          db,
          env: { ZPD_DATA_DIR: dir },
          open: { dataDir: dir },
          dispose: async () => rmSync(dir, { recursive: true, force: true }),
        };
      }
      const dbName = `faults_${name.replace(/[^a-z0-9_]/g, "_")}`;
      await onServer(where.serverUrl!, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${dbName} TEMPLATE ${template}`);
      });
      const url = `${where.serverUrl}/${dbName}`;
      return {
        db,
        env: { DATABASE_URL: url },
        open: { url },
        dispose: () => onServer(where.serverUrl!, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`))),
      };
    },
  };
}
