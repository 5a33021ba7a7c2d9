/**
 * Issue #17's crash test: statements sent to the real server (the compiled `src/main.js`, spawned) when
 * it is killed with SIGKILL while answering them, then sent again to the restarted server, as a client
 * resends what was not acknowledged (and here also what was). Afterwards every statement is stored once
 * and has exactly one attempt, and every actor is exactly one learner: nothing acknowledged is lost, nothing
 * is doubled, and a learner's creation cut short leaves no learner without its agent. On embedded PGlite
 * (`npm test`) and on PostgreSQL (the PostgreSQL pass).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { buildDist, runCli, serverUrl, startCli, type RunningProcess } from "../support/compiled-cli.js";
import { openDatabase } from "../../src/persistence/database.js";

const ACTIVITY = "https://quiz.example/tasks/crash-1";
const ACTORS = 6;
const PER_ACTOR = 10;
let dir: string;
let env: Record<string, string>;
let server: RunningProcess | undefined;

beforeAll(() => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-xapi-crash-"));
  env = {
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { ZPD_DATA_DIR: dir }),
    ZPD_PROFILE_KEY: randomBytes(32).toString("base64"),
    ZPD_JWT_SECRET: randomBytes(48).toString("base64"),
    ZPD_SEED_DEMO: "false",
    ZPD_WORKER: "false",
    ZPD_RETRAIN_CRON: "off",
    ZPD_AUDIT_CRON: "off",
    ZPD_RATE_LIMIT_TOKEN: "0",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
  };
}, 240_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const start = async (): Promise<string> => {
  server = startCli("src/main.js", env);
  return serverUrl(server);
};

test("a server killed while answering statements loses none and doubles none once they are sent again", async () => {
  const schoolId = (await runCli("src/cli/school.js", ["create", "--name", "Crash School"], env)).stdout.trim();
  const issued = await runCli(
    "src/cli/xapi-credential.js",
    ["--school", schoolId, "--label", "quiz", "--scope", "all", "--create-learners"],
    env,
  );
  expect(issued.code).toBe(0);
  const key = /key \(Basic user\):\s+(\S+)/.exec(issued.stdout)![1]!;
  const secret = /secret \(Basic password\):\s+(\S+)/.exec(issued.stdout)![1]!;
  const admin = (await runCli("src/cli/token.js", ["--role", "admin", "--school", schoolId], env)).stdout.trim();

  let url = await start();
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const skill = (await gql(`mutation { createSkill(input: { code: "crash", name: "Crash" }) { id } }`, {})).createSkill.id;
  await gql(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
    i: {
      code: "crash-1",
      title: "Crash 1",
      kind: "EXERCISE",
      expectedDurationSeconds: 60,
      skills: [{ skillId: skill }],
      activityId: ACTIVITY,
    },
  });

  const statements = Array.from({ length: ACTORS * PER_ACTOR }, (_, i) => ({
    id: randomUUID(),
    actor: { account: { homePage: "https://quiz.example", name: `pupil-${i % ACTORS}` } },
    verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
    object: { id: ACTIVITY },
    result: { success: i % 3 !== 0 },
    timestamp: new Date(Date.UTC(2026, 10, 1, 9, 0, i)).toISOString(),
  }));
  const auth = `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}`;
  const send = (st: object) =>
    fetch(url.replace(/\/graphql$/, "/xapi/statements"), {
      method: "POST",
      headers: { authorization: auth, "x-experience-api-version": "1.0.3", "content-type": "application/json" },
      body: JSON.stringify(st),
    }).then(
      (r) => r.status,
      () => "no answer" as const,
    );

  // All at once; the server is killed once a few are answered, the rest cut off mid-request.
  let answered = 0;
  const first = statements.map((st) =>
    send(st).then((status) => {
      if (status === 200 && ++answered === 5) server!.child.kill("SIGKILL");
      return status;
    }),
  );
  const outcomes = await Promise.all(first);
  await server!.stop();
  const acknowledged = outcomes.filter((o) => o === 200).length;
  expect(acknowledged).toBeGreaterThanOrEqual(5);
  expect(outcomes.filter((o) => o !== 200).length).toBeGreaterThan(0); // the kill did cut some off

  // Restarted at once (a kill -9 leaves the embedded folder's lock behind: it must not refuse the restart).
  url = await start();
  for (const st of statements) expect(await send(st)).toBe(200);
  await server!.stop();
  server = undefined;

  const db = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: dir });
  try {
    const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
    const ids = statements.map((s) => s.id);
    expect(await q(`SELECT count(*)::int AS n FROM xapi_statement WHERE school_id = $1 AND id = ANY($2::uuid[])`, [schoolId, ids])).toEqual(
      [{ n: ids.length }],
    );
    expect(await q(`SELECT mapping, count(*)::int AS n FROM xapi_statement WHERE school_id = $1 GROUP BY mapping`, [schoolId])).toEqual([
      { mapping: "mapped", n: ids.length },
    ]);
    const attempts = await q(
      `SELECT idempotency_key, count(*)::int AS n FROM attempt WHERE school_id = $1 GROUP BY idempotency_key HAVING count(*) > 1
       UNION ALL SELECT 'total', count(*)::int FROM attempt WHERE school_id = $1`,
      [schoolId],
    );
    expect(attempts).toEqual([{ idempotency_key: "total", n: ids.length }]);
    expect(await q(`SELECT count(*)::int AS n FROM learner WHERE school_id = $1`, [schoolId])).toEqual([{ n: ACTORS }]);
    expect(await q(`SELECT count(*)::int AS n FROM xapi_agent_learner WHERE school_id = $1`, [schoolId])).toEqual([{ n: ACTORS }]);
  } finally {
    await db.close();
  }
}, 300_000);
