/**
 * A production start (NODE_ENV=production) of the compiled server on the embedded database, as an
 * operator runs it: configured secrets, no demo school seeded, no token printed; killed with SIGKILL,
 * it starts again at once on the same folder (the data-folder lock does not outlive its holder); a
 * token without `exp` is UNAUTHENTICATED over real HTTP. Always embedded (its own temporary folder),
 * whatever DATABASE_URL the test run has.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { signToken } from "../../src/api/auth/token.js";
import { PLATFORM_ADMIN } from "../../src/services/auth/actor.js";
import { buildDist, serverUrl, startCli, type RunningProcess } from "../support/compiled-cli.js";

const SECRET = randomBytes(48).toString("base64");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-production-"));
const env = {
  NODE_ENV: "production",
  ZPD_DATA_DIR: dataDir,
  ZPD_JWT_SECRET: SECRET,
  ZPD_PROFILE_KEY: randomBytes(32).toString("base64"),
  ZPD_RETRAIN_CRON: "off",
  LOG_LEVEL: "info",
  HOST: "127.0.0.1",
  PORT: "0",
};
const running: RunningProcess[] = [];

beforeAll(() => buildDist(), 240_000);

afterAll(async () => {
  for (const p of running) await p.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ server: RunningProcess; url: string }> {
  const server = startCli("src/main.js", env);
  running.push(server);
  return { server, url: await serverUrl(server) };
}

async function schools(url: string, token: string): Promise<{ data?: any; errors?: { extensions?: { code?: string } }[] }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ schools(first: 10) { nodes { id } } }" }),
  });
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

test("seeds no demo, prints no token, refuses a token without exp, and starts again at once after a kill -9", async () => {
  const first = await start();
  const platform = await signToken(SECRET, { role: PLATFORM_ADMIN, subject: "operator" }, "1h");
  expect((await schools(first.url, platform)).data.schools.nodes).toEqual([]);
  expect(first.server.output()).not.toMatch(/eyJ|Admin token|seeding the demo/);
  expect(fs.existsSync(path.join(dataDir, "demo.json"))).toBe(false);

  const noExp = await new SignJWT({ role: PLATFORM_ADMIN })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("zpd")
    .setAudience("zpd-api")
    .setIssuedAt()
    .sign(new TextEncoder().encode(SECRET));
  expect((await schools(first.url, noExp)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

  const exited = new Promise((resolve) => first.server.child.once("exit", resolve));
  first.server.child.kill("SIGKILL");
  await exited;
  const second = await start();
  expect((await schools(second.url, platform)).data.schools.nodes).toEqual([]);
  expect(second.server.output()).not.toMatch(/eyJ|Admin token|in use by another live process/);
  expect(await second.server.stop()).toBe(0);
});
