/**
 * One database's run of bench:oneroster: the database made as an operator's first import makes it (a
 * fresh embedded folder; on PostgreSQL a database of its own, dropped after), migrated, then the bulk
 * package imported, imported again unchanged, and the delta imported — each through the command's own
 * path (the folder read as `--dir` reads it, planRoster, RosterImportService.import) and each checked
 * against what the package says, so that a figure is never that of a wrong import.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { contextOf, LEARNER_DISPLAY_NAME } from "../../src/persistence/crypto/encrypted-columns.js";
import { type Database, migrate, openDatabase } from "../../src/persistence/database.js";
import { createServices, type Services } from "../../src/services/index.js";
import { openKeyring } from "../../src/services/keys/keyring.js";
import type { RosterCounts, RosterSummary } from "../../src/services/roster/roster-import.service.js";
import { byBaseName } from "../../src/services/roster/roster-package.js";
import { planRoster } from "../../src/services/roster/roster-plan.js";
import { createLogger } from "../../src/shared/logger.js";
import type { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import type { RosterBenchDb } from "./args.js";
import type { GeneratedDelta } from "./delta.js";
import type { RosterExpectation } from "./generate.js";

export interface ImportFigure {
  /** Reading the folder, checking the package (planRoster) and writing it (one transaction). */
  readonly seconds: number;
  readonly readSeconds: number;
  readonly checkSeconds: number;
  readonly writeSeconds: number;
  /** The package's data rows (manifest aside). */
  readonly rows: number;
  readonly rowsPerSecond: number;
  /** SQL statements the import sent. */
  readonly statements: number;
  readonly summary: Record<"schools" | "cohorts" | "learners" | "teachers" | "memberships" | "attributes", RosterCounts>;
}

export interface DatabaseFigures {
  readonly db: RosterBenchDb;
  readonly server: string;
  /** Creating the database (a PGlite folder's cluster; CREATE DATABASE) and opening it. */
  readonly createSeconds: number;
  readonly migrateSeconds: number;
  readonly first: ImportFigure;
  /** The operator's first import: database made, migrated, package imported. */
  readonly firstWithDatabaseSeconds: number;
  readonly again: ImportFigure;
  readonly delta: ImportFigure;
}

export interface RunInput {
  readonly db: RosterBenchDb;
  readonly bulkDir: string;
  readonly deltaDir: string;
  readonly expect: RosterExpectation;
  readonly delta: GeneratedDelta;
  readonly demographics: boolean;
  readonly pgUrl: string;
  /** A scratch folder for the embedded database. */
  readonly scratch: string;
  readonly log: (msg: string) => void;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export async function runDatabase(input: RunInput): Promise<DatabaseFigures> {
  const { db: kind, log } = input;
  const dbName = `zpd_bench_oneroster_${process.pid}`;
  const adminClient = kind === "postgres" ? new pg.Client({ connectionString: input.pgUrl }) : null;
  if (adminClient) await adminClient.connect();
  let database: Database | null = null;
  try {
    let t = performance.now();
    if (adminClient) {
      await adminClient.query(`CREATE DATABASE "${dbName}"`);
      const url = new URL(input.pgUrl);
      url.pathname = `/${dbName}`;
      // As the command opens it (in-process-services.ts): one connection.
      database = await openDatabase({ url: url.toString(), poolSize: 1 });
    } else database = await openDatabase({ dataDir: join(input.scratch, "pglite") });
    const createSeconds = seconds(t);
    t = performance.now();
    await migrate(database.dataSource);
    const migrateSeconds = seconds(t);
    const server = String((await database.dataSource.query(`SHOW server_version`))[0].server_version);
    log(`${kind}: database made in ${createSeconds.toFixed(1)} s, migrated in ${migrateSeconds.toFixed(1)} s (PostgreSQL ${server})`);
    const { cipher } = await openKeyring(database.dataSource, { current: randomBytes(32) });
    const services = createServices({ dataSource: database.dataSource, cipher, logger: createLogger("silent"), maxPageSize: 100 });
    const importFolder = (dir: string, rows: number) => timedImport(database!, services, dir, rows, input.demographics);

    const first = await importFolder(input.bulkDir, input.expect.rows);
    log(`${kind}: first import ${describe(first)}`);
    const e = input.expect;
    expectSummary("first import", first.summary, {
      schools: { created: e.schools },
      cohorts: { created: e.cohorts },
      learners: { created: e.learners },
      teachers: { created: e.teachers },
      memberships: { created: e.studentEnrollments + e.teacherEnrollments },
      attributes: { created: e.attributes },
    });
    const rows = await countRows(database);
    expectRows("first import", rows, e);

    const again = await importFolder(input.bulkDir, input.expect.rows);
    log(`${kind}: same package again ${describe(again)}`);
    expectSummary("second import", again.summary, {
      schools: { unchanged: e.schools, created: 0, updated: 0 },
      cohorts: { unchanged: e.cohorts, created: 0, updated: 0, deleted: 0 },
      learners: { unchanged: e.learners, created: 0, updated: 0 },
      teachers: { unchanged: e.teachers, created: 0, updated: 0 },
      memberships: { unchanged: e.studentEnrollments + e.teacherEnrollments, created: 0, updated: 0, deleted: 0 },
      attributes: { unchanged: e.attributes, created: 0, updated: 0, deleted: 0 },
    });
    expectRows("second import", await countRows(database), e);

    const delta = await importFolder(input.deltaDir, input.delta.expect.rows);
    log(`${kind}: delta ${describe(delta)}`);
    const d = input.delta.expect;
    expectSummary("delta", delta.summary, {
      learners: { updated: d.learnersUpdated, created: d.learnersCreated },
      teachers: { updated: d.teachersUpdated, created: 0 },
      memberships: { deleted: d.membershipsDeleted, created: d.membershipsCreated },
    });
    expectRows("delta", await countRows(database), {
      ...e,
      learners: e.learners + d.learnersCreated,
      studentEnrollments: e.studentEnrollments - d.membershipsDeleted + d.membershipsCreated,
    });
    if (input.delta.sample) await expectName(database, cipher, input.delta.sample);
    return {
      db: kind,
      server,
      createSeconds,
      migrateSeconds,
      first,
      firstWithDatabaseSeconds: createSeconds + migrateSeconds + first.seconds,
      again,
      delta,
    };
  } finally {
    await database?.close();
    if (adminClient) {
      await adminClient.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await adminClient.end();
    }
  }
}

/** The folder read as `import:oneroster --dir` reads it, checked, written; each step timed. */
async function timedImport(
  database: Database,
  services: Services,
  dir: string,
  rows: number,
  demographics: boolean,
): Promise<ImportFigure> {
  const statementsBefore = database.queries.count;
  const t0 = performance.now();
  const files = byBaseName(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))] as const));
  const t1 = performance.now();
  const plan = planRoster(files, { demographics });
  const t2 = performance.now();
  const summary: RosterSummary = await services.roster.import(plan);
  const t3 = performance.now();
  const total = (t3 - t0) / 1000;
  return {
    seconds: total,
    readSeconds: (t1 - t0) / 1000,
    checkSeconds: (t2 - t1) / 1000,
    writeSeconds: (t3 - t2) / 1000,
    rows,
    rowsPerSecond: rows / total,
    statements: database.queries.count - statementsBefore,
    summary: {
      schools: summary.schools,
      cohorts: summary.cohorts,
      learners: summary.learners,
      teachers: summary.teachers,
      memberships: summary.memberships,
      attributes: summary.attributes,
    },
  };
}

const describe = (f: ImportFigure) =>
  `${f.seconds.toFixed(1)} s (read ${f.readSeconds.toFixed(2)}, check ${f.checkSeconds.toFixed(2)}, write ${f.writeSeconds.toFixed(1)}), ` +
  `${Math.round(f.rowsPerSecond)} rows/s, ${f.statements} statements`;

type Partial2<T> = { [K in keyof T]?: Partial<T[K]> };

function expectSummary(when: string, got: ImportFigure["summary"], want: Partial2<ImportFigure["summary"]>): void {
  for (const [kind, counts] of Object.entries(want))
    for (const [k, v] of Object.entries(counts ?? {})) {
      const actual = got[kind as keyof ImportFigure["summary"]][k as keyof RosterCounts];
      if (actual !== v) throw new Error(`${when}: the summary says ${kind}.${k} = ${actual}, the package means ${v}`);
    }
}

interface RowCounts {
  readonly schools: number;
  readonly cohorts: number;
  readonly learners: number;
  readonly profiles: number;
  readonly teachers: number;
  readonly studentEnrollments: number;
  readonly teacherEnrollments: number;
}

async function countRows(database: Database): Promise<RowCounts> {
  const n = async (table: string) => Number((await database.dataSource.query(`SELECT count(*) AS n FROM "${table}"`))[0].n);
  return {
    schools: await n("roster_org"),
    cohorts: await n("cohort"),
    learners: await n("learner"),
    profiles: await n("learner_profile"),
    teachers: await n("teacher"),
    studentEnrollments: await n("enrollment"),
    teacherEnrollments: await n("cohort_teacher"),
  };
}

function expectRows(when: string, got: RowCounts, want: RosterExpectation): void {
  const pairs: [string, number, number][] = [
    ["schools", got.schools, want.schools],
    ["cohorts", got.cohorts, want.cohorts],
    ["learners", got.learners, want.learners],
    ["learner profiles", got.profiles, want.learners],
    ["teachers", got.teachers, want.teachers],
    ["students' enrollments", got.studentEnrollments, want.studentEnrollments],
    ["teachers' assignments", got.teacherEnrollments, want.teacherEnrollments],
  ];
  for (const [what, g, w] of pairs) if (g !== w) throw new Error(`${when}: the database holds ${g} ${what}, the package means ${w}`);
}

/** A renamed student's profile decrypts to its new name. */
async function expectName(database: Database, cipher: FieldCipher, sample: NonNullable<GeneratedDelta["sample"]>): Promise<void> {
  const [row] = await database.dataSource.query(
    `SELECT p.learner_id, p.display_name_enc FROM roster_learner r JOIN roster_org o ON o.school_id = r.school_id
       JOIN learner_profile p ON p.learner_id = r.learner_id WHERE o.sourced_id = $1 AND r.sourced_id = $2`,
    [sample.school, sample.sourcedId],
  );
  const name = row ? cipher.decryptOptional(row.display_name_enc, contextOf(LEARNER_DISPLAY_NAME, row.learner_id)) : null;
  if (name !== sample.displayName)
    throw new Error(`delta: student ${sample.sourcedId} is named ${name}, the package says ${sample.displayName}`);
}
