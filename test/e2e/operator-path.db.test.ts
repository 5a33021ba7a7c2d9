/**
 * The operator's path as the README tells it, with the compiled commands spawned as a user runs them
 * and the API over real HTTP: migrate a fresh database → school:create → token → the server (and the
 * worker) → a curriculum, learners, consents and attempts through the API → triggerRetrain → the run
 * finishes with a model version registered.
 *
 * With DATABASE_URL (CI's PostgreSQL pass): a database of its own on that server, created empty and
 * dropped; the server runs no worker there (ZPD_WORKER defaults to off), so triggerRetrain stays QUEUED
 * until `npm run worker`'s process is started. Without (npm test): a fresh embedded data folder, where
 * the server runs the worker itself (a worker process cannot open the folder the server holds).
 * The data: a small simulated school (the project's simulator), sent through the public mutations.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { simulateSchool } from "../../src/engine/simulator/index.js";
import { buildDist, runCli, startCli, RunningProcess, serverUrl } from "../support/compiled-cli.js";
import { createServerDatabase } from "../support/scratch-database.js";

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const SECRET = randomBytes(32).toString("base64url");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let env: Record<string, string>;
let cleanup: (() => Promise<void>)[] = [];
const processes: RunningProcess[] = [];

beforeAll(async () => {
  buildDist();
  const common = {
    ZPD_JWT_SECRET: SECRET,
    ZPD_PROFILE_KEY: randomBytes(32).toString("base64"),
    ZPD_RETRAIN_CRON: "off",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
  };
  if (ON_POSTGRES) {
    const db = await createServerDatabase(process.env.DATABASE_URL!, "operator_path");
    cleanup.push(() => db.drop());
    env = { ...common, DATABASE_URL: db.url };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-operator-path-"));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    // The operator's own school, not the demo: nothing is seeded.
    env = { ...common, ZPD_DATA_DIR: dir, ZPD_SEED_DEMO: "false" };
  }
}, 240_000);

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop();
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function startServer(): Promise<{ url: string; server: RunningProcess }> {
  const server = startCli("src/main.js", env);
  processes.push(server);
  return { url: await serverUrl(server), server };
}

async function gql<T = any>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** The data of a successful call, or a failure naming the errors. */
async function ok<T = any>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gql<T>(url, token, query, variables);
  if (r.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(r.errors)}`);
  return r.data!;
}

test(`migrate → school:create → token → server${ON_POSTGRES ? " + worker" : ""} → data through the API → triggerRetrain → a model version (${ON_POSTGRES ? "PostgreSQL" : "embedded PGlite"})`, async () => {
  // 1. A fresh database, migrated by the command.
  const migrated = await runCli("src/cli/migrate.js", [], env);
  expect(migrated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^applied: Initial/) });

  // 2. No school yet: a token needs one. On PostgreSQL the command looks; embedded, it has no demo to fall back on.
  const noSchool = await runCli("src/cli/token.js", ["--role", "admin"], env);
  expect(noSchool.code).toBe(1);
  expect(noSchool.stderr).toMatch(
    ON_POSTGRES ? /holds no school yet: create one with npm run school:create/ : /no demo school .*pass --school <id>/,
  );

  // 3. The school, by the command: bad input is refused with nothing written; the id comes out on stdout.
  const badZone = await runCli("src/cli/school.js", ["create", "--name", "Lycée Opérateur", "--timezone", "Mars/Olympus"], env);
  expect(badZone).toMatchObject({ code: 2, stdout: "", stderr: expect.stringContaining(`unknown time zone "Mars/Olympus"`) });
  const blank = await runCli("src/cli/school.js", ["create", "--name", "   "], env);
  expect(blank).toMatchObject({ code: 2, stderr: expect.stringContaining("the school name must have 1 to 200 characters") });
  const created = await runCli("src/cli/school.js", ["create", "--name", "Lycée Opérateur", "--timezone", "europe/paris"], env);
  expect(created.code).toBe(0);
  const schoolId = created.stdout.trim();
  expect(schoolId).toMatch(UUID);
  expect(created.stderr).toContain(`npm run token -- --role admin --school ${schoolId}`);
  const listed = await runCli("src/cli/school.js", ["list"], env);
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split("\n").slice(1)).toEqual([
    expect.stringMatching(new RegExp(`^${schoolId}  Europe/Paris  \\S+Z  Lycée Opérateur$`)),
  ]);

  // 4. Tokens: the only school is used (and said) on PostgreSQL; a school that does not exist is refused there.
  const help = await runCli("src/cli/token.js", ["--help"], env);
  expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: npm run token --/) });
  let admin: string;
  if (ON_POSTGRES) {
    const only = await runCli("src/cli/token.js", ["--role", "admin"], env);
    expect(only).toMatchObject({
      code: 0,
      stderr: expect.stringContaining(`using the database's only school, "Lycée Opérateur" (${schoolId})`),
    });
    admin = only.stdout.trim();
    const unknown = await runCli("src/cli/token.js", ["--role", "admin", "--school", "0190aaaa-0000-7000-8000-000000000000"], env);
    expect(unknown).toMatchObject({
      code: 1,
      stdout: "",
      stderr: expect.stringContaining("school 0190aaaa-0000-7000-8000-000000000000 does not exist in this database"),
    });
  } else {
    const named = await runCli("src/cli/token.js", ["--role", "admin", "--school", schoolId], env);
    expect(named.code).toBe(0);
    admin = named.stdout.trim();
  }
  const platform = await runCli("src/cli/token.js", ["--role", "platform-admin"], env);
  expect(platform.code).toBe(0);

  // 5. The server, over HTTP: the admin token reaches its school; the platform token lists schools and reads none.
  const { url } = await startServer();
  expect((await ok(url, admin, `{ school { id name timeZone } }`)).school).toEqual({
    id: schoolId,
    name: "Lycée Opérateur",
    timeZone: "Europe/Paris",
  });
  expect((await ok(url, platform.stdout.trim(), `{ schools { nodes { id } } }`)).schools.nodes).toEqual([{ id: schoolId }]);
  expect((await gql(url, platform.stdout.trim(), `{ learners { nodes { id } } }`)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

  // 6. A small simulated school through the public mutations: curriculum, learners with consent, attempts.
  const now = Date.now();
  const sim = simulateSchool({ skills: 6, tasksPerSkill: 4, learners: 30, attemptsPerLearner: [20, 40] }, 11, now - 14 * 86_400_000);
  const skillId = new Map<string, string>();
  for (const s of sim.skills) {
    skillId.set(
      s.skillId,
      (await ok(url, admin, `mutation($i: CreateSkillInput!) { createSkill(input: $i) { id } }`, { i: { code: s.skillId, name: s.name } }))
        .createSkill.id,
    );
  }
  for (const s of sim.skills)
    for (const p of s.prerequisites) {
      await ok(url, admin, `mutation($s: UUID!, $p: UUID!) { addPrerequisite(skillId: $s, prerequisiteId: $p) { id } }`, {
        s: skillId.get(s.skillId),
        p: skillId.get(p),
      });
    }
  const taskId = new Map<string, string>();
  for (const t of sim.tasks) {
    const input = {
      code: t.taskId,
      title: t.title,
      kind: "EXERCISE",
      expectedDurationSeconds: Math.round(t.expectedDurationSec),
      topics: t.topics,
      skills: t.skills.map((s) => ({ skillId: skillId.get(s.skillId), weight: s.weight })),
    };
    taskId.set(
      t.taskId,
      (await ok(url, admin, `mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, { i: input })).createTask.id,
    );
  }
  const learnerId = new Map<string, string>();
  for (const l of sim.learners) {
    const id = (
      await ok(url, admin, `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`, { i: { externalRef: l.learnerId } })
    ).createLearner.id;
    learnerId.set(l.learnerId, id);
    for (const purpose of ["TRAINING", "PERSONALISATION"]) {
      await ok(
        url,
        admin,
        `mutation($l: UUID!, $p: ConsentPurpose!) { setConsent(learnerId: $l, purpose: $p, granted: true, grantedBy: GUARDIAN) { granted } }`,
        { l: id, p: purpose },
      );
    }
  }
  const attempts = sim.traces
    .filter((t) => t.at <= now)
    .map((t, i) => ({
      learnerId: learnerId.get(t.learnerId),
      taskId: taskId.get(t.taskId),
      correct: t.correct === 1,
      occurredAt: new Date(t.at).toISOString(),
      durationSeconds: Math.round(t.durationSec),
      idempotencyKey: `operator-path-${i}`,
    }));
  for (let i = 0; i < attempts.length; i += 500) {
    expect(
      (
        await ok(url, admin, `mutation($a: [RecordAttemptInput!]!) { recordAttempts(inputs: $a) { attempt { id } } }`, {
          a: attempts.slice(i, i + 500),
        })
      ).recordAttempts,
    ).toHaveLength(Math.min(500, attempts.length - i));
  }
  expect(new Set(attempts.map((a) => a.learnerId)).size).toBeGreaterThanOrEqual(20); // enough for a retraining

  // 7. triggerRetrain: QUEUED; on PostgreSQL it stays so until a worker runs.
  const { triggerRetrain: queued } = await ok(url, admin, `mutation { triggerRetrain { id status } }`);
  expect(queued.status).toBe("QUEUED");
  const runOf = async () =>
    (await ok(url, admin, `query($id: UUID!) { jobRun(id: $id) { status message error result } }`, { id: queued.id })).jobRun;
  if (ON_POSTGRES) {
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await runOf()).status).toBe("QUEUED");
    const worker = startCli("src/cli/worker.js", env);
    processes.push(worker);
  }
  let run: {
    status: string;
    message: string;
    error: string | null;
    result: { modelVersionId?: string; version?: number; status?: string } | null;
  };
  const t0 = Date.now();
  for (;;) {
    run = await runOf();
    if (run.status === "SUCCEEDED" || run.status === "FAILED") break;
    if (Date.now() - t0 > 280_000)
      throw new Error(
        `the retraining did not finish: ${JSON.stringify(run)}\n${processes.map((p) => p.output().slice(-2000)).join("\n---\n")}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(run).toMatchObject({ status: "SUCCEEDED", error: null });

  // 8. The model version it registered: the school's first, judged by its gates (promoted or rejected, with reasons), served when promoted.
  const versionId = run.result!.modelVersionId!;
  expect(versionId).toMatch(UUID);
  const { modelVersions, activeModel } = await ok(url, admin, `{ modelVersions { nodes { id version status } } activeModel { id } }`);
  expect(modelVersions.nodes).toEqual([{ id: versionId, version: 1, status: expect.stringMatching(/^(ACTIVE|REJECTED)$/) }]);
  expect(run.result!.status).toBe(modelVersions.nodes[0].status);
  expect(activeModel).toEqual(modelVersions.nodes[0].status === "ACTIVE" ? { id: versionId } : null);
}, 600_000);
