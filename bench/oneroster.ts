/**
 * `npm run bench:oneroster` — issue #17's target "a 10,000-learner OneRoster export imports in ≤ 30 s".
 *
 * Generates a seeded OneRoster 1.1 bulk package like a SIS's export (oneroster/generate.ts: `--learners`
 * students, a teacher and a class per 25, ~6 classes a student, courses, sessions, quoted fields, BOMs,
 * CRLF) and a delta on it (oneroster/delta.ts: 1 % of the people renamed, 0.5 % of the students leaving,
 * 0.5 % arriving), writes both as folders, then per database (oneroster/run.ts) makes the database as an
 * operator's first import does, imports the bulk package, the same again (the idempotent path) and the
 * delta through the command's path, and checks each import against the package. Prints a table against
 * the target; `--json <file>` writes the figures.
 *
 *   npm run bench:oneroster -- [--learners 10000] [--schools 1] [--seed 7] [--db pglite|postgres|both]
 *                              [--pg-url postgres://postgres@127.0.0.1:5432/postgres] [--demographics] [--json <file>] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gitCommit } from "./lib/git.js";
import { parseRosterBenchArgs } from "./oneroster/args.js";
import { generateDelta } from "./oneroster/delta.js";
import { generateRoster } from "./oneroster/generate.js";
import { type DatabaseFigures, runDatabase } from "./oneroster/run.js";

/** The issue's target: a 10,000-learner export imported in at most this many seconds. */
const TARGET_SECONDS = 30;

const log = (msg: string) => process.stderr.write(`[bench:oneroster ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function writeFolder(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}

async function main(): Promise<void> {
  const args = parseRosterBenchArgs(process.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), "zpd-bench-oneroster-"));
  try {
    let t = performance.now();
    const bulk = generateRoster({ learners: args.learners, schools: args.schools, seed: args.seed, demographics: args.demographics });
    const delta = generateDelta(bulk, { changed: 0.01, deleted: 0.005, arrived: 0.005, seed: args.seed + 1 });
    const bulkDir = join(scratch, "bulk");
    const deltaDir = join(scratch, "delta");
    writeFolder(bulkDir, bulk.files);
    writeFolder(deltaDir, delta.files);
    const bytes = [...bulk.files.values()].reduce((n, b) => n + b.byteLength, 0);
    const e = bulk.expect;
    log(
      `package: ${e.schools} school(s), ${e.learners} students, ${e.teachers} teachers, ${e.cohorts} classes, ` +
        `${e.studentEnrollments} + ${e.teacherEnrollments} enrollments, ${e.rows} rows, ${(bytes / 1e6).toFixed(1)} MB ` +
        `(made in ${((performance.now() - t) / 1000).toFixed(1)} s)${args.keep ? ` in ${scratch}` : ""}`,
    );
    const results: DatabaseFigures[] = [];
    for (const db of args.dbs) {
      t = performance.now();
      results.push(
        await runDatabase({
          db,
          bulkDir,
          deltaDir,
          expect: e,
          delta,
          demographics: args.demographics,
          pgUrl: args.pgUrl,
          scratch: mkdtempSync(join(scratch, `${db}-`)),
          log,
        }),
      );
    }
    const f = (x: number) => x.toFixed(1);
    const table = [
      "| database | database made + migrated | first import | operator's first import (all) | rows/s | same package again | delta | ≤ 30 s |",
      "|---|---|---|---|---|---|---|---|",
      ...results.map(
        (r) =>
          `| ${r.db} | ${f(r.createSeconds)} + ${f(r.migrateSeconds)} s | ${f(r.first.seconds)} s (write ${f(r.first.writeSeconds)}) | ` +
          `${f(r.firstWithDatabaseSeconds)} s | ${Math.round(r.first.rowsPerSecond)} | ${f(r.again.seconds)} s | ${f(r.delta.seconds)} s | ` +
          `${r.firstWithDatabaseSeconds <= TARGET_SECONDS ? "met" : "**not met**"} |`,
      ),
    ].join("\n");
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.versions.node}`;
    const commit = gitCommit();
    process.stdout.write(`${table}\n\n${e.learners} students, ${e.rows} rows; ${machine}; commit ${commit}\n`);
    if (args.json)
      writeFileSync(
        args.json,
        `${JSON.stringify({ at: new Date().toISOString(), commit, machine, args, package: { ...e, bytes }, delta: delta.expect, targetSeconds: TARGET_SECONDS, results }, null, 2)}\n`,
      );
  } finally {
    if (!args.keep) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
