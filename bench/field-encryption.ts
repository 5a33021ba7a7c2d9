/**
 * `npm run bench:crypto -- [--learners N] [--calls N] [--pg <postgres:// server URL>] [--report <file>|none]`
 *
 * What the encryption of personal fields at rest costs (docs/operations.md, "Personal data at rest"):
 * the field cipher per value (AES-256-GCM with associated data, bench/crypto/measure.ts), its share of a
 * recommendation (in process, embedded database, the demo school), and the re-encryption pass of a
 * rotation (`npm run keys:rotate`) on a school of N learners — on embedded PGlite, and with --pg on a
 * database of its own on that PostgreSQL server (created and dropped). Writes docs/benchmarks/field-encryption.md.
 */
import "reflect-metadata";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import pg from "pg";
import { openDatabase, migrate, type Database } from "../src/persistence/database.js";
import { HEADER_BYTES } from "../src/persistence/crypto/envelope.js";
import { gitCommit } from "./lib/git.js";
import { hotPath, micro, rotation, type RotationFigures } from "./crypto/measure.js";

const USAGE = "usage: npm run bench:crypto -- [--learners N] [--calls N] [--pg <postgres:// server URL>] [--report <file>|none]";

function args(argv: readonly string[]): { learners: number; calls: number; pg?: string; report: string } {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (!k.startsWith("--") || v === undefined) throw new Error(USAGE);
    o[k.slice(2)] = v;
  }
  for (const k of Object.keys(o))
    if (!["learners", "calls", "pg", "report"].includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const int = (k: string, d: number) => {
    const n = o[k] === undefined ? d : Number(o[k]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer\n${USAGE}`);
    return n;
  };
  return {
    learners: int("learners", 20_000),
    calls: int("calls", 2_000),
    pg: o.pg,
    report: o.report ?? "docs/benchmarks/field-encryption.md",
  };
}

async function onPostgres<T>(serverUrl: string, run: (db: Database) => Promise<T>): Promise<T> {
  const u = new URL(serverUrl);
  const name = `zpd_bench_crypto_${process.pid}`;
  u.pathname = "/postgres";
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(u.toString());
    url.pathname = `/${name}`;
    const db = await openDatabase({ url: url.toString(), poolSize: 2 });
    try {
      await migrate(db.dataSource);
      return await run(db);
    } finally {
      await db.close();
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function inMemory<T>(run: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({});
  try {
    await migrate(db.dataSource);
    return await run(db);
  } finally {
    await db.close();
  }
}

const f = (x: number, d = 2) => x.toFixed(d);
const rotationRow = (where: string, r: RotationFigures) =>
  `| ${where} | ${r.learners.toLocaleString("en")} | ${r.values.toLocaleString("en")} | ${f(r.seconds, 1)} s | ${Math.round(r.valuesPerSecond).toLocaleString("en")} |`;

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const load = loadavg()
    .map((x) => f(x))
    .join(", ");
  log("field cipher per value…");
  const m = micro();
  log("recommendations on the demo school (embedded)…");
  const hot = await inMemory((db) => hotPath(db.dataSource, a.calls));
  log(`re-encryption of ${a.learners} learners (embedded)…`);
  const rotations: [string, RotationFigures][] = [["PGlite (in memory)", await inMemory((db) => rotation(db.dataSource, a.learners))]];
  if (a.pg) {
    log(`re-encryption of ${a.learners} learners (PostgreSQL)…`);
    rotations.push(["PostgreSQL", await onPostgres(a.pg, (db) => rotation(db.dataSource, a.learners))]);
  }
  const cpu = cpus();
  const share = (m.decryptInterests / 1000 / hot.recommendP50) * 100;
  const md = `# Personal data at rest: what the encryption costs

Command: \`npm run bench:crypto${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\` · commit ${gitCommit()} ·
${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown cpu"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} ·
${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · load average at start ${load}

## Per value (AES-256-GCM with associated data, a fresh nonce, the envelope)

| operation | µs |
|---|---|
| encrypt a name (18 characters) | ${f(m.encryptName)} |
| decrypt a name | ${f(m.decryptName)} |
| encrypt interests (2 topics, a JSON array) | ${f(m.encryptInterests)} |
| decrypt interests (and parse) | ${f(m.decryptInterests)} |
| a page of 100 learners with interests, name and e-mail (300 values) | ${f(m.learnerPage, 0)} |

Storage: ${HEADER_BYTES} bytes a value over its UTF-8 text (a version byte, key id 4, nonce 12, tag 16); the
previous profile format had 28.

## The hot path

A recommendation reads the learner's interests (they break ties) and decrypts them once: ${f(m.decryptInterests)} µs
against a median \`recommendations(count: 10)\` of ${f(hot.recommendP50)} ms in process (p99 ${f(hot.recommendP99)} ms;
${hot.calls} calls over the demo school's 120 learners, embedded PGlite, a PFA model) — ${f(share, 3)} % of it.
\`recordAttempt\` decrypts nothing, unless the attempt re-plans a path (then once, as a plan does).

## Re-encryption (\`npm run keys:rotate\`, the upgrade at a server's start)

Every learner with a name, an e-mail, interests, two protected attributes and a goal title (6 values),
under one key, re-encrypted under another in batches of 500 rows, each its own transaction.

| database | learners | values | time | values/s |
|---|---|---|---|---|
${rotations.map(([w, r]) => rotationRow(w, r)).join("\n")}
`;
  process.stdout.write(md);
  if (a.report !== "none") {
    mkdirSync(dirname(a.report), { recursive: true });
    writeFileSync(a.report, md);
    log(`written to ${a.report}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
