/**
 * `npm run erase` as an operator runs it (the compiled command, spawned): through the running embedded
 * server while it holds the data folder, then in-process once it is stopped — the same receipt both
 * times, with the hash computed here from the configured profile key — and the refusals.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { buildDist, runCli, startCli, RunningProcess, serverUrl } from "../support/compiled-cli.js";

const PROFILE_KEY = randomBytes(32);
const UNKNOWN = "0190ffff-0000-7000-8000-00000000beef";
let dir: string;
let env: Record<string, string>;
let server: RunningProcess | undefined;

beforeAll(() => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-erase-cli-"));
  env = {
    ZPD_DATA_DIR: dir,
    ZPD_PROFILE_KEY: PROFILE_KEY.toString("base64"),
    ZPD_SEED_DEMO: "false",
    ZPD_WORKER: "false",
    ZPD_RETRAIN_CRON: "off",
    ZPD_AUDIT_CRON: "off",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
  };
}, 240_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

test("through the running server, then in-process: one receipt, keyed by the configured key; refusals exit 1 or 2", async () => {
  const created = await runCli("src/cli/school.js", ["create", "--name", "Erasure School"], env);
  expect(created.code).toBe(0);
  const schoolId = created.stdout.trim();
  server = startCli("src/main.js", env);
  const url = await serverUrl(server);
  const admin = (await runCli("src/cli/token.js", ["--role", "admin", "--school", schoolId], env)).stdout.trim();
  const create = `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`;
  const learner = (await gql(url, admin, create, { i: { externalRef: "e-1", profile: { displayName: "Zoé", email: "zoe@example.org" } } }))
    .data.createLearner.id;
  const other = (await gql(url, admin, create, { i: { externalRef: "e-2" } })).data.createLearner.id;
  await gql(
    url,
    admin,
    `mutation($l: UUID!) { setConsent(learnerId: $l, purpose: TRAINING, granted: true, grantedBy: GUARDIAN) { granted } }`,
    {
      l: learner,
    },
  );

  // The server holds the folder, and there is no demo school to default to: the school must be named.
  const unnamed = await runCli("src/cli/erase.js", ["--learner", learner], env);
  expect(unnamed).toMatchObject({ code: 2, stderr: expect.stringContaining("name the learner's school with --school") });

  const viaServer = await runCli("src/cli/erase.js", ["--learner", learner, "--school", schoolId], env);
  expect(viaServer.code).toBe(0);
  expect(viaServer.stderr).toContain("sending the erasure to it");
  const receipt = JSON.parse(viaServer.stdout);
  const key = Buffer.from(hkdfSync("sha256", PROFILE_KEY, Buffer.alloc(0), "zpd:erasure-receipt:v1", 32));
  expect(receipt.learnerHash).toBe(createHmac("sha256", key).update(learner).digest("hex"));
  expect(receipt.erasedBy).toBe("erase-cli");
  expect(receipt.modelsToRetrain).toEqual([]);
  const rows = Object.fromEntries(receipt.rows.map((r: { table: string; rows: number }) => [r.table, r.rows]));
  expect(rows).toMatchObject({ learner: 1, learner_profile: 1, consent: 1, attempt: 0 });
  expect(viaServer.stdout).not.toContain(learner);
  expect(viaServer.stdout).not.toMatch(/zo[eé]/i);
  const read = `query($l: UUID!) { learner(id: $l) { id } }`;
  expect((await gql(url, admin, read, { l: learner })).errors[0].extensions.code).toBe("NOT_FOUND");
  expect((await gql(url, admin, read, { l: other })).data.learner).toEqual({ id: other });
  await server.stop();
  server = undefined;

  // The folder free: the command opens it itself, finds the receipt by the hash, and prints it unchanged.
  const again = await runCli("src/cli/erase.js", ["--learner", learner.toUpperCase()], env);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toEqual(receipt);
  const unknown = await runCli("src/cli/erase.js", ["--learner", UNKNOWN], env);
  expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: expect.stringContaining(`Learner ${UNKNOWN} was not found`) });
  const elsewhere = await runCli("src/cli/erase.js", ["--learner", other, "--school", UNKNOWN], env);
  expect(elsewhere).toMatchObject({ code: 1, stderr: expect.stringContaining("was not found") });
  expect(await runCli("src/cli/erase.js", ["--learner", "nope"], env)).toMatchObject({ code: 2 });
  expect(await runCli("src/cli/erase.js", [], env)).toMatchObject({ code: 2, stderr: expect.stringContaining("usage: npm run erase") });
}, 300_000);
