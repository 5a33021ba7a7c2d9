/**
 * Automatic persisted queries over real HTTP: the round trip (PERSISTED_QUERY_NOT_FOUND, then the query
 * with its hash, then the hash alone) by POST and by GET, GET guarded against cross-site requests and
 * limited to queries, a hash that does not match its query, the per-operation limits and the caller's
 * cost budget applied to persisted queries (a refused query is not stored), and the entries' time to live.
 */
import { createHash } from "node:crypto";
import { QUERY_COST_BY_ROLE_DEFAULTS, QUERY_LIMIT_DEFAULTS } from "../../src/config/config.js";
import { Role } from "../../src/services/auth/actor.js";
import { startTestServer, TestServer } from "../support/test-server.js";

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const sha256 = (query: string) => createHash("sha256").update(query).digest("hex");
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(s: TestServer, body: Record<string, unknown>, token?: string): Promise<Answer> {
  const res = await fetch(s.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

async function get(s: TestServer, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  const res = await fetch(`${s.url}?${search}`, { headers });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

const codeOf = (a: Answer) => a.body.errors?.[0]?.extensions?.code;

describe("with the default configuration", () => {
  let s: TestServer;
  let admin: string;
  let learner: string;
  let learnerId: string;
  beforeAll(async () => {
    s = await startTestServer();
    const school = await s.newSchool("APQ School");
    admin = school.admin;
    const created = await s.gql(`mutation { createLearner(input: { externalRef: "apq-1" }) { id } }`, {}, admin);
    expect(created.errors).toBeUndefined();
    learnerId = created.data.createLearner.id;
    learner = await s.token({ schoolId: school.schoolId, role: Role.Learner, learnerId });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const LEARNER = `query Learner($id: UUID!) { learner(id: $id) { id externalRef } }`;

  test("by POST: not found, then registered with its query, then answered from its hash alone", async () => {
    const hash = sha256(LEARNER);
    const unknown = await post(s, { extensions: persisted(hash), variables: { id: learnerId } }, admin);
    expect(unknown.body.data).toBeUndefined();
    expect(unknown.body.errors).toEqual([{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }]);

    const registered = await post(s, { query: LEARNER, extensions: persisted(hash), variables: { id: learnerId } }, admin);
    expect(registered.status).toBe(200);
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toEqual({ learner: { id: learnerId, externalRef: "apq-1" } });

    const byHash = await post(s, { extensions: persisted(hash), variables: { id: learnerId } }, admin);
    expect(byHash.status).toBe(200);
    expect(byHash.body).toEqual(registered.body);
    // Another caller uses the same entry, under its own rights: a learner reads itself.
    const asLearner = await post(s, { extensions: persisted(hash), variables: { id: learnerId } }, learner);
    expect(asLearner.body.data).toEqual(registered.body.data);
  });

  test("by GET (cacheable): the hash alone, with a header a cross-site form cannot send; without it, refused as CSRF", async () => {
    const query = `query SchoolName { school { name } }`;
    const hash = sha256(query);
    const params = { extensions: persisted(hash), operationName: "SchoolName" };
    const preflight = { "apollo-require-preflight": "true", authorization: `Bearer ${admin}` };
    expect(codeOf(await get(s, params, preflight))).toBe("PERSISTED_QUERY_NOT_FOUND");
    const registered = await get(s, { ...params, query }, preflight);
    expect(registered.body).toEqual({ data: { school: { name: "APQ School" } } });
    const byHash = await get(s, params, preflight);
    expect(byHash.status).toBe(200);
    expect(byHash.body).toEqual({ data: { school: { name: "APQ School" } } });

    // A browser's cross-site GET (no such header, no JSON content type) runs nothing.
    const crossSite = await get(s, params, { authorization: `Bearer ${admin}` });
    expect(crossSite.status).toBe(400);
    expect(crossSite.body.data).toBeUndefined();
    expect(codeOf(crossSite)).toBe("BAD_REQUEST");
    expect(crossSite.body.errors![0]!.message).toMatch(/Cross-Site Request Forgery/);
  });

  test("a persisted mutation cannot run by GET: 405, nothing written", async () => {
    const mutation = `mutation { createCohort(input: { name: "APQ cohort" }) { id } }`;
    const hash = sha256(mutation);
    const registered = await post(s, { query: mutation, extensions: persisted(hash) }, admin);
    expect(registered.body.errors).toBeUndefined();
    const byGet = await get(s, { extensions: persisted(hash) }, { "apollo-require-preflight": "true", authorization: `Bearer ${admin}` });
    expect(byGet.status).toBe(405);
    expect(byGet.body.data).toBeUndefined();
    expect(codeOf(byGet)).toBe("BAD_REQUEST");
    const cohorts = await s.gql(`{ cohorts(first: 100) { nodes { name } } }`, {}, admin);
    expect(cohorts.data.cohorts.nodes.filter((c: { name: string }) => c.name === "APQ cohort")).toHaveLength(1);
  });

  test("a hash that does not match its query is BAD_REQUEST, and stores nothing", async () => {
    const query = `{ school { id } }`;
    const wrong = sha256("something else");
    const r = await post(s, { query, extensions: persisted(wrong) }, admin);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [{ message: "provided sha does not match query", extensions: { code: "BAD_REQUEST" } }] });
    expect(codeOf(await post(s, { extensions: persisted(wrong) }, admin))).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  test("the per-operation limits apply when a query is registered: a persisted alias bomb is refused, and not stored", async () => {
    const n = QUERY_LIMIT_DEFAULTS.aliases + 1;
    const bomb = `{ ${Array.from({ length: n }, (_, i) => `a${i}: learners(first: 100) { nodes { id profile { displayName } } }`).join(" ")} }`;
    const hash = sha256(bomb);
    const r = await post(s, { query: bomb, extensions: persisted(hash) }, admin);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_MANY_ALIASES", limit: QUERY_LIMIT_DEFAULTS.aliases, measured: n });
    expect(codeOf(await post(s, { extensions: persisted(hash) }, admin))).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  test("a stored query is checked against each caller's cost budget every time it is used", async () => {
    // 18,801: within an admin's budget, above a learner's (and that of a caller without a token).
    const heavy = `{ skills(first: 100) { nodes { id prerequisites { id dependents { id prerequisites { id } } } } } }`;
    const hash = sha256(heavy);
    const registered = await post(s, { query: heavy, extensions: persisted(hash) }, admin);
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toEqual({ skills: { nodes: [] } });
    for (const token of [learner, undefined]) {
      const r = await post(s, { extensions: persisted(hash) }, token);
      expect(r.status).toBe(400);
      expect(r.body.data).toBeUndefined();
      expect(r.body.errors![0]!.extensions).toEqual({
        code: "QUERY_TOO_COMPLEX",
        limit: QUERY_COST_BY_ROLE_DEFAULTS.LEARNER,
        measured: 18801,
      });
    }
    expect((await post(s, { extensions: persisted(hash) }, admin)).body).toEqual(registered.body);
  });
});

describe("with ZPD_APQ_TTL_SECONDS=2", () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer({ ZPD_APQ_TTL_SECONDS: "2" });
    admin = (await s.newSchool("APQ TTL School")).admin;
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("an entry expires: the client is told PERSISTED_QUERY_NOT_FOUND and registers it again", async () => {
    const query = `query Ttl { school { name } }`;
    const hash = sha256(query);
    expect((await post(s, { query, extensions: persisted(hash) }, admin)).body.errors).toBeUndefined();
    expect((await post(s, { extensions: persisted(hash) }, admin)).body).toEqual({ data: { school: { name: "APQ TTL School" } } });
    await new Promise((r) => setTimeout(r, 2_200));
    expect(codeOf(await post(s, { extensions: persisted(hash) }, admin))).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((await post(s, { query, extensions: persisted(hash) }, admin)).body.errors).toBeUndefined();
    expect((await post(s, { extensions: persisted(hash) }, admin)).body.errors).toBeUndefined();
  });
});
