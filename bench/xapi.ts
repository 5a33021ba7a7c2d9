/**
 * `npm run bench:xapi` — the xAPI store's throughput and latency over real HTTP (issue #17, targets):
 *
 *   ≥ 1,000 statements/s sent one per request and ≥ 10,000 statements/s in batches, on PostgreSQL, 2 cores;
 *   statement-to-attempt p99 ≤ 30 ms at 200 requests/s.
 *
 * A fresh PostgreSQL database (dropped after), a school with tasks named by activity ids, a credential that
 * may create learners; the server `node dist/src/main.js` as a separate process; the load from this one.
 * Phases: statements that are not attempts (the store alone) and answers that become attempts (the store
 * and the engine), one per request and in batches, each a closed loop of `--clients` for `--seconds`; then
 * answers one per request at a fixed `--rps` (open loop) for the latency. Prints a table; `--json <file>`
 * writes the figures.
 *
 *   npm run bench:xapi -- [--pg-url postgres://postgres@127.0.0.1:5432/postgres] [--seconds 15] [--clients 8]
 *                         [--batch 100] [--rps 200] [--learners 1000] [--json <file>]
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import pg from "pg";
import { openDatabase, migrate } from "../src/persistence/database.js";
import { openKeyring } from "../src/services/keys/keyring.js";
import { createServices } from "../src/services/index.js";
import { createLogger } from "../src/shared/logger.js";
import { Role } from "../src/services/auth/actor.js";
import { TaskKind } from "../src/persistence/curriculum/task.entity.js";
import { startServer } from "./api/server.js";
import { parseXapiBenchArgs } from "./xapi/args.js";
import { closedLoop, openLoop, type PhaseResult } from "./xapi/load.js";

const log = (msg: string) => process.stderr.write(`[bench:xapi ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const TASKS = 50;
const activityOf = (i: number) => `https://bench.example/tasks/${i}`;

async function main(): Promise<void> {
  const args = parseXapiBenchArgs(process.argv.slice(2));
  const admin = new pg.Client({ connectionString: args.pgUrl });
  await admin.connect();
  const dbName = `zpd_bench_xapi_${process.pid}`;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(args.pgUrl);
  url.pathname = `/${dbName}`;
  const profileKey = randomBytes(32);
  try {
    const db = await openDatabase({ url: url.toString() });
    await migrate(db.dataSource);
    const { cipher } = await openKeyring(db.dataSource, { current: profileKey });
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
    await db.close();

    const server = await startServer(
      {
        DATABASE_URL: url.toString(),
        ZPD_JWT_SECRET: randomBytes(48).toString("base64"),
        ZPD_PROFILE_KEY: profileKey.toString("base64"),
        ZPD_RATE_LIMIT_TOKEN: "0",
        ZPD_RATE_LIMIT_ANONYMOUS: "0",
        ZPD_WORKER: "false",
        LOG_LEVEL: "warn",
      },
      ".bench/xapi-server.log",
    );
    log(`server pid ${server.pid} at ${server.url} after ${server.startSeconds.toFixed(1)} s`);
    const endpoint = server.url.replace(/\/graphql$/, "/xapi/statements");
    const auth = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`;
    const learner = (i: number) => ({ account: { homePage: "https://bench.example", name: `learner-${i % args.learners}` } });
    let n = 0;
    const experienced = () => ({
      actor: learner(n++),
      verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
      object: { id: activityOf(n % TASKS) },
    });
    const answer = () => ({
      actor: learner(n++),
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: activityOf(n % TASKS) },
      result: { success: n % 3 !== 0, duration: "PT40S" },
    });
    const body = (make: () => object, count: number) => JSON.stringify(count === 1 ? make() : Array.from({ length: count }, make));
    const send = { endpoint, auth };
    try {
      // Every learner linked once before the timed phases (a first answer creates it).
      log(`warm-up: ${args.learners} learners' first answers`);
      for (let i = 0; i < args.learners; i += 100)
        await closedLoop(send, () => body(answer, Math.min(100, args.learners - i)), Math.min(100, args.learners - i), 1, 0, 1);
      n = 0;
      const results: PhaseResult[] = [];
      const phase = async (name: string, r: Promise<PhaseResult>) => {
        const res = { ...(await r), name };
        log(
          `${name}: ${res.statementsPerSecond.toFixed(0)} statements/s, p50 ${res.p50Ms.toFixed(1)} ms, p99 ${res.p99Ms.toFixed(1)} ms, errors ${res.errors}`,
        );
        results.push(res);
      };
      await phase(
        "not attempts, 1 per request",
        closedLoop(send, () => body(experienced, 1), 1, args.clients, args.seconds),
      );
      await phase(
        `not attempts, ${args.batch} per request`,
        closedLoop(send, () => body(experienced, args.batch), args.batch, args.clients, args.seconds),
      );
      await phase(
        "answers → attempts, 1 per request",
        closedLoop(send, () => body(answer, 1), 1, args.clients, args.seconds),
      );
      await phase(
        `answers → attempts, ${args.batch} per request`,
        closedLoop(send, () => body(answer, args.batch), args.batch, args.clients, args.seconds),
      );
      await phase(
        `answers → attempts at ${args.rps} requests/s`,
        openLoop(send, () => body(answer, 1), args.rps, args.seconds),
      );
      const table = [
        "| phase | statements/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
        ...results.map(
          (r) => `| ${r.name} | ${r.statementsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} |`,
        ),
      ].join("\n");
      process.stdout.write(
        `${table}\n\n${cpus().length} cores, Node ${process.versions.node}, PostgreSQL, ${args.clients} clients, ${args.seconds} s per phase\n`,
      );
      if (args.json) writeFileSync(args.json, `${JSON.stringify({ at: new Date().toISOString(), args, results }, null, 2)}\n`);
    } finally {
      await server.stop();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
