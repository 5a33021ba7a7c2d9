/**
 * The deferred path under a real kill: batches sent to the real server (the compiled `src/main.js`,
 * spawned) by `ingestAttempts`, the server killed with SIGKILL once a few are acknowledged — before its
 * applier has taken them (ZPD_APPLY_DELAY_MS of 10 s) — then restarted, and every batch sent again as a
 * client resends what was not acknowledged (and here also what was). Afterwards every attempt is stored
 * once, none is left pending, and each learner's state counts its attempts exactly once: what was
 * acknowledged before the kill was applied after the restart, once. On embedded PGlite (`npm test`) and on
 * PostgreSQL (the PostgreSQL pass).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { buildDist, runCli, serverUrl, startCli, type RunningProcess } from "../support/compiled-cli.js";
import { openDatabase } from "../../src/persistence/database.js";

const LEARNERS = 5;
const BATCHES = 24;
const PER_BATCH = 10;
let dir: string;
let env: Record<string, string>;
let server: RunningProcess | undefined;

beforeAll(() => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-ingest-crash-"));
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

const start = async (applyDelayMs: number): Promise<string> => {
  server = startCli("src/main.js", { ...env, ZPD_APPLY_DELAY_MS: String(applyDelayMs) });
  return serverUrl(server);
};

test("a server killed after acknowledging ingested attempts, before applying them, applies each once after its restart", async () => {
  const schoolId = (await runCli("src/cli/school.js", ["create", "--name", "Ingest Crash School"], env)).stdout.trim();
  const admin = (await runCli("src/cli/token.js", ["--role", "admin", "--school", schoolId], env)).stdout.trim();
  let url = await start(10_000);
  const post = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: unknown };
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const body = await post(query, variables);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const skill = (await gql(`mutation { createSkill(input: { code: "crash", name: "Crash" }) { id } }`)).createSkill.id;
  const task = (
    await gql(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, {
      i: { code: "crash-1", title: "Crash 1", kind: "EXERCISE", expectedDurationSeconds: 60, skills: [{ skillId: skill }] },
    })
  ).createTask.id;
  const learners: string[] = [];
  for (let i = 0; i < LEARNERS; i++)
    learners.push(
      (await gql(`mutation($r: String) { createLearner(input: { externalRef: $r }) { id } }`, { r: `crash-${i}` })).createLearner.id,
    );

  const batches = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: PER_BATCH }, (_, j) => ({
      learnerId: learners[(b + j) % LEARNERS]!,
      taskId: task,
      correct: (b + j) % 3 !== 0,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 9, b, j)).toISOString(),
      idempotencyKey: `crash-${b}-${j}`,
    })),
  );
  const INGEST = `mutation($i: [RecordAttemptInput!]!) { ingestAttempts(inputs: $i) { duplicate } }`;
  const send = (inputs: object[]) =>
    post(INGEST, { i: inputs }).then(
      (body) => (body.errors ? "error" : "acknowledged"),
      () => "no answer" as const,
    );

  // All at once; the server is killed once a few are acknowledged (nothing applied yet: the delay is 10 s).
  let acknowledged = 0;
  const outcomes = await Promise.all(
    batches.map((inputs) =>
      send(inputs).then((o) => {
        if (o === "acknowledged" && ++acknowledged === 3) server!.child.kill("SIGKILL");
        return o;
      }),
    ),
  );
  await server!.stop();
  expect(acknowledged).toBeGreaterThanOrEqual(3);
  expect(outcomes.filter((o) => o !== "acknowledged").length).toBeGreaterThan(0); // the kill did cut some off

  const dbOptions = process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: dir };
  // What the kill left: the acknowledged attempts written, none applied.
  const killed = await openDatabase(dbOptions);
  try {
    const [{ n }] = await killed.dataSource.query(`SELECT count(*)::int AS n FROM attempt_pending WHERE school_id = $1`, [schoolId]);
    expect(n).toBeGreaterThanOrEqual(acknowledged * PER_BATCH);
    expect(
      await killed.dataSource.query(`SELECT count(*)::int AS n FROM learner_state WHERE school_id = $1 AND attempt_count > 0`, [schoolId]),
    ).toEqual([{ n: 0 }]);
  } finally {
    await killed.close();
  }

  // Restarted at once; it applies what is pending; every batch sent again is acknowledged.
  url = await start(0);
  for (const inputs of batches) expect(await send(inputs)).toBe("acknowledged");
  // A read of each learner applies what is still pending first: its count is every attempt, once.
  for (const [i, learnerId] of learners.entries()) {
    const read = await gql(`query($l: UUID!) { learner(id: $l) { state { attemptCount } } }`, { l: learnerId });
    expect({ i, count: read.learner.state.attemptCount }).toEqual({ i, count: (BATCHES * PER_BATCH) / LEARNERS });
  }
  await server!.stop();
  server = undefined;

  const db = await openDatabase(dbOptions);
  try {
    const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
    expect(
      await q(
        `SELECT idempotency_key, count(*)::int AS n FROM attempt WHERE school_id = $1 GROUP BY idempotency_key HAVING count(*) > 1
         UNION ALL SELECT 'total', count(*)::int FROM attempt WHERE school_id = $1`,
        [schoolId],
      ),
    ).toEqual([{ idempotency_key: "total", n: BATCHES * PER_BATCH }]);
    expect(await q(`SELECT count(*)::int AS n FROM attempt_pending WHERE school_id = $1`, [schoolId])).toEqual([{ n: 0 }]);
    expect(
      await q(
        `SELECT count(*)::int AS n FROM learner_state s WHERE s.school_id = $1
           AND s.attempt_count <> (SELECT count(*) FROM attempt a WHERE a.learner_id = s.learner_id)`,
        [schoolId],
      ),
    ).toEqual([{ n: 0 }]);
  } finally {
    await db.close();
  }
}, 300_000);
