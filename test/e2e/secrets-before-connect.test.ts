/**
 * Every required secret is checked before the first connection to a database: the compiled server,
 * worker and commands, spawned with DATABASE_URL naming a listener of this test's that counts
 * connections, stop with `zpd…: <message>` and exit code 1 — no stack trace, no connection. Production
 * (NODE_ENV=production) needs both secrets even on the embedded database, and `npm run token` signs no
 * token longer than ZPD_MAX_TOKEN_LIFETIME.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { buildDist, runCli } from "../support/compiled-cli.js";

const SECRET = randomBytes(48).toString("base64");
const KEY = randomBytes(32).toString("base64");
const SOME_ID = "0190aaaa-0000-7000-8000-000000000000";
const NO_STACK = /\n\s+at /;

let listener: net.Server;
let connections = 0;
let databaseUrl: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-secrets-"));

beforeAll(async () => {
  buildDist();
  listener = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  databaseUrl = `postgres://zpd@127.0.0.1:${(listener.address() as net.AddressInfo).port}/zpd`;
}, 240_000);

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  connections = 0;
});

test.each([
  ["the server", "src/main.js", []],
  ["the worker", "src/cli/worker.js", []],
  ["npm run job", "src/cli/job.js", ["retrain", "--school", SOME_ID]],
  ["npm run erase", "src/cli/erase.js", ["--learner", SOME_ID]],
  ["npm run report", "src/cli/report.js", [SOME_ID, "--out", path.join(tmp, "report.html")]],
  ["npm run keys:rotate", "src/cli/keys-rotate.js", []],
])(
  "%s with DATABASE_URL and no ZPD_PROFILE_KEY stops before connecting, saying which secret and how to make one",
  async (_, script, args) => {
    const r = await runCli(script, args as string[], { DATABASE_URL: databaseUrl, ZPD_JWT_SECRET: SECRET });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^zpd[^\n]*: invalid configuration: ZPD_PROFILE_KEY: is required when DATABASE_URL is set; generate one with: openssl rand -base64 32\n/,
    );
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(connections).toBe(0);
  },
);

test("the server refuses a weak JWT secret before connecting", async () => {
  const r = await runCli("src/main.js", [], { DATABASE_URL: databaseUrl, ZPD_JWT_SECRET: "a".repeat(40), ZPD_PROFILE_KEY: KEY });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^zpd: invalid configuration: ZPD_JWT_SECRET: is too weak.*openssl rand -base64 48\n$/);
  expect(connections).toBe(0);
});

test("a production start on the embedded database without configured secrets stops before creating anything", async () => {
  const dataDir = path.join(tmp, "production");
  const none = await runCli("src/main.js", [], { NODE_ENV: "production", ZPD_DATA_DIR: dataDir });
  expect(none.code).toBe(1);
  expect(none.stderr).toMatch(/^zpd: invalid configuration: ZPD_JWT_SECRET: is required in production \(NODE_ENV=production\)/);
  const noKey = await runCli("src/main.js", [], { NODE_ENV: "production", ZPD_DATA_DIR: dataDir, ZPD_JWT_SECRET: SECRET });
  expect(noKey.code).toBe(1);
  expect(noKey.stderr).toMatch(/^zpd: invalid configuration: ZPD_PROFILE_KEY: is required in production/);
  expect(noKey.stderr).not.toMatch(NO_STACK);
  expect(fs.existsSync(dataDir)).toBe(false); // no lock, no generated secret, no database
});

test("npm run token signs no token longer than ZPD_MAX_TOKEN_LIFETIME; its default lifetime is 30 days or the maximum when shorter", async () => {
  const env = { DATABASE_URL: databaseUrl, ZPD_JWT_SECRET: SECRET };
  const lifetime = (token: string) => {
    const { exp, iat } = decodeJwt(token.trim());
    return exp! - iat!;
  };
  const long = await runCli("src/cli/token.js", ["--role", "platform-admin", "--expires", "100d"], env);
  expect(long.code).toBe(2);
  expect(long.stderr).toMatch(/--expires 100d is longer than the maximum token lifetime, 90d \(ZPD_MAX_TOKEN_LIFETIME\)/);
  expect(long.stdout).toBe("");

  const week = await runCli("src/cli/token.js", ["--role", "platform-admin", "--expires", "7d"], env);
  expect(week.code).toBe(0);
  expect(lifetime(week.stdout)).toBe(7 * 86_400);
  const byDefault = await runCli("src/cli/token.js", ["--role", "platform-admin"], env);
  expect(lifetime(byDefault.stdout)).toBe(30 * 86_400);

  const short = { ...env, ZPD_MAX_TOKEN_LIFETIME: "12h" };
  expect((await runCli("src/cli/token.js", ["--role", "platform-admin", "--expires", "1d"], short)).code).toBe(2);
  expect(lifetime((await runCli("src/cli/token.js", ["--role", "platform-admin"], short)).stdout)).toBe(12 * 3600);

  const bad = await runCli("src/cli/token.js", ["--role", "platform-admin", "--expires", "forever"], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--expires must be a lifetime such as 1h, 7d or 2w/);
  // A platform-admin token names no school: nothing was looked up.
  expect(connections).toBe(0);
});
