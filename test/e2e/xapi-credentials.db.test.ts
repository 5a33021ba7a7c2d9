/**
 * xAPI credentials (services/xapi/xapi-credential.service.ts): issued by a school's admin through the
 * API (and by the operator's command), the secret shown once and kept only hashed, checked in constant
 * time, revoked at once in the revoking process and within CREDENTIAL_RECHECK_MS in another; another
 * school's credential is out of reach.
 */
import { randomUUID } from "node:crypto";
import { runCli } from "../support/compiled-cli.js";
import { startTestServer, TEST_PROFILE_KEY, TestServer } from "../support/test-server.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CREDENTIAL_RECHECK_MS, XapiCredentialService } from "../../src/services/xapi/xapi-credential.service.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const CREATE = `mutation($i: CreateXapiCredentialInput!) {
  createXapiCredential(input: $i) { secret credential { id key label scope createLearners createdAt revokedAt } }
}`;
const LIST = `{ xapiCredentials { id key label scope revokedAt } }`;
const REVOKE = `mutation($id: UUID!) { revokeXapiCredential(id: $id) { id revokedAt } }`;

test("an admin issues a credential: its key and secret authenticate, the secret is never stored nor listed", async () => {
  const { schoolId, admin } = await s.newSchool("xAPI school");
  const r = await s.gql(CREATE, { i: { label: "Maths quiz app", scope: "ALL", createLearners: true } }, admin);
  expect(r.errors).toBeUndefined();
  const { secret, credential } = r.data.createXapiCredential;
  expect(credential).toMatchObject({ label: "Maths quiz app", scope: "ALL", createLearners: true, revokedAt: null });
  expect(credential.key).toMatch(/^zpdx_[A-Za-z0-9_-]{20}$/);
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await s.app.services.xapiCredentials.authenticate(credential.key, secret)).toEqual({
    credentialId: credential.id,
    schoolId,
    scope: "ALL",
    createLearners: true,
  });
  // Kept only as a hash: the secret is nowhere in the row, and the list does not show it.
  const row = JSON.stringify(
    await s.app.db.dataSource.query(`SELECT to_jsonb(c) AS c FROM xapi_credential c WHERE id = $1`, [credential.id]),
  );
  expect(row).not.toContain(secret);
  const listed = await s.gql(LIST, {}, admin);
  expect(listed.data.xapiCredentials).toEqual([
    { id: credential.id, key: credential.key, label: "Maths quiz app", scope: "ALL", revokedAt: null },
  ]);
  expect(JSON.stringify(listed)).not.toContain(secret);
});

test("a wrong secret, an unknown key and a revoked credential authenticate nobody", async () => {
  const { admin } = await s.newSchool("xAPI revoking school");
  const { secret, credential } = (await s.gql(CREATE, { i: { label: "LMS" } }, admin)).data.createXapiCredential;
  expect(credential.scope).toBe("WRITE"); // the default
  const auth = (key: string, pass: string) => s.app.services.xapiCredentials.authenticate(key, pass);
  expect(await auth(credential.key, `${secret}x`)).toBeNull();
  expect(await auth(credential.key, "")).toBeNull();
  expect(await auth("zpdx_AAAAAAAAAAAAAAAAAAAA", secret)).toBeNull();
  expect(await auth("not-a-key", secret)).toBeNull();
  expect(await auth(credential.key, secret)).not.toBeNull();
  const revoked = await s.gql(REVOKE, { id: credential.id }, admin);
  expect(revoked.data.revokeXapiCredential.revokedAt).not.toBeNull();
  expect(await auth(credential.key, secret)).toBeNull();
  // Revoking again keeps the first time.
  expect((await s.gql(REVOKE, { id: credential.id }, admin)).data.revokeXapiCredential.revokedAt).toBe(
    revoked.data.revokeXapiCredential.revokedAt,
  );
});

test("a credential revoked by another server process is refused once it is read again, within CREDENTIAL_RECHECK_MS", async () => {
  const { admin } = await s.newSchool("xAPI two processes");
  const { secret, credential } = (await s.gql(CREATE, { i: { label: "LMS" } }, admin)).data.createXapiCredential;
  let clock = Date.parse("2026-12-01T10:00:00Z");
  const other = new XapiCredentialService(s.app.services.deps, () => clock);
  expect(await other.authenticate(credential.key, secret)).toMatchObject({ credentialId: credential.id });
  await s.gql(REVOKE, { id: credential.id }, admin);
  // Remembered: its secret is still compared (a wrong one is refused), the row not read again yet.
  expect(await other.authenticate(credential.key, `${secret}x`)).toBeNull();
  clock += CREDENTIAL_RECHECK_MS - 1;
  expect(await other.authenticate(credential.key, secret)).not.toBeNull();
  clock += 2;
  expect(await other.authenticate(credential.key, secret)).toBeNull();
  clock += 60_000;
  expect(await other.authenticate(credential.key, secret)).toBeNull();
});

test("another school's credential is NOT_FOUND and stays valid; a blank or long label is refused", async () => {
  const mine = await s.newSchool("xAPI school A");
  const theirs = await s.newSchool("xAPI school B");
  const { secret, credential } = (await s.gql(CREATE, { i: { label: "B's app" } }, theirs.admin)).data.createXapiCredential;
  const r = await s.gql(REVOKE, { id: credential.id }, mine.admin);
  expect(r.errors![0]!.extensions!.code).toBe("NOT_FOUND");
  expect(await s.app.services.xapiCredentials.authenticate(credential.key, secret)).not.toBeNull();
  expect((await s.gql(REVOKE, { id: randomUUID() }, mine.admin)).errors![0]!.extensions!.code).toBe("NOT_FOUND");
  for (const label of ["", "x".repeat(201)])
    expect((await s.gql(CREATE, { i: { label } }, mine.admin)).errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");
  expect((await s.gql(LIST, {}, mine.admin)).data.xapiCredentials).toEqual([]);
});

test("npm run xapi:credential issues one for a school, printing the key and the secret once", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-xapi-"));
  const env = { ZPD_DATA_DIR: dataDir, ZPD_PROFILE_KEY: TEST_PROFILE_KEY.toString("base64") };
  const missing = await runCli("src/cli/xapi-credential.js", ["--school", randomUUID(), "--label", "x"], env);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/School [0-9a-f-]+ was not found/);
  const usage = await runCli("src/cli/xapi-credential.js", ["--label", "x"], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/usage: npm run xapi:credential/);
  const school = (await runCli("src/cli/school.js", ["create", "--name", "CLI xAPI School"], env)).stdout.trim();
  const issued = await runCli("src/cli/xapi-credential.js", ["--school", school, "--label", "Quiz", "--scope", "read"], env);
  expect(issued.stderr).toBe("");
  expect(issued.code).toBe(0);
  expect(issued.stdout).toMatch(new RegExp(`for school ${school} \\(READ\\)`));
  expect(issued.stdout).toMatch(/key \(Basic user\): +zpdx_[A-Za-z0-9_-]{20}\n/);
  expect(issued.stdout).toMatch(/secret \(Basic password\): [A-Za-z0-9_-]{43}\n/);
});
