/**
 * The per-operation limits over real HTTP, with the default configuration: the attacks of issue 13
 * (the alias bomb — refused by its body's size before it is read —, a smaller one of many tokens, 60
 * nested levels, an exponential nesting under the depth limit, aliased writes) are
 * refused before execution with their codes, quickly, and the server answers normally right after;
 * documented-size operations and GraphiQL's introspection query pass.
 */
import http from "node:http";
import { getIntrospectionQuery } from "graphql";
import { bodyLimit, VARIABLES_ALLOWANCE_BYTES } from "../../src/api/common/body-limit.js";
import { QUERY_COST_BY_ROLE_DEFAULTS, QUERY_LIMIT_DEFAULTS } from "../../src/config/config.js";
import { Role } from "../../src/services/auth/actor.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { GRAPHIQL_INTROSPECTION } from "../support/doc-operations.js";
// The corpus's builders, as bench:load sends them (bench/load/hostile-corpus.ts).
import { aliased, nestedLearners, nestedSkills } from "../../bench/load/hostile-corpus.js";

let s: TestServer;
let admin: string;
let learner: string;
let teacher: string;
let analyst: string;
beforeAll(async () => {
  s = await startTestServer();
  const school = await s.newSchool("Limits School");
  admin = school.admin;
  analyst = await s.token({ schoolId: school.schoolId, role: Role.Analyst });
  const t = await s.gql(`mutation { createTeacher(input: { displayName: "T. Limits" }) { id } }`, {}, admin);
  expect(t.errors).toBeUndefined();
  teacher = await s.token({ schoolId: school.schoolId, role: Role.Teacher, teacherId: t.data.createTeacher.id });
  const created = await s.gql(
    `mutation { createLearner(input: { externalRef: "limits-1", profile: { displayName: "Lim" } }) { id } }`,
    {},
    admin,
  );
  expect(created.errors).toBeUndefined();
  learner = await s.token({ schoolId: school.schoolId, role: Role.Learner, learnerId: created.data.createLearner.id });
});
afterAll(async () => {
  await s?.stop();
});

const PAGE = `learners(first: 100) { nodes { id profile { displayName } } }`;

async function timed<T>(f: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await f();
  return { result, ms: performance.now() - started };
}

async function stillServing() {
  const health = await fetch(s.url.replace(/\/graphql$/, "/healthz"));
  expect(health.status).toBe(200);
  const r = await s.gql(`{ learners(first: 5) { nodes { id profile { displayName } } } }`, {}, admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.learners.nodes).toHaveLength(1);
}

/** A raw POST of `body` (a string, or chunks sent without a Content-Length): status and JSON answer. */
async function postRaw(body: string | string[], token: string, declaredLength?: number) {
  const { port } = new URL(s.url);
  const headers: Record<string, string | number> = { "content-type": "application/json", authorization: `Bearer ${token}` };
  if (typeof body === "string") headers["content-length"] = declaredLength ?? Buffer.byteLength(body);
  return new Promise<{ status: number; body: { errors?: { message: string; extensions?: Record<string, unknown> }[] } }>(
    (resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        });
      });
      req.on("error", reject);
      if (typeof body === "string" && declaredLength === undefined) req.end(body);
      else if (typeof body === "string")
        req.flushHeaders(); // declared, never sent
      else {
        for (const chunk of body) req.write(chunk);
        req.end();
      }
    },
  );
}

const BODY_LIMIT = bodyLimit(QUERY_LIMIT_DEFAULTS.bytes);

test("the issue's alias bomb (6,000 aliased learner pages, a 413 kB body) is refused by its Content-Length, before it is read", async () => {
  const body = JSON.stringify({ query: aliased(6000, PAGE) });
  expect(Buffer.byteLength(body)).toBeGreaterThan(BODY_LIMIT);
  const { result: r, ms } = await timed(() => s.gql(aliased(6000, PAGE), undefined, learner));
  expect(r.status).toBe(413);
  expect(r.data).toBeUndefined();
  expect(r.errors).toEqual([
    {
      message: `the request body's size in bytes ${Buffer.byteLength(body)} exceeds the limit of ${BODY_LIMIT} (ZPD_MAX_QUERY_BYTES ${QUERY_LIMIT_DEFAULTS.bytes} + ${VARIABLES_ALLOWANCE_BYTES} for the variables)`,
      extensions: { code: "QUERY_TOO_LARGE", limit: BODY_LIMIT, measured: Buffer.byteLength(body) },
    },
  ]);
  expect(ms).toBeLessThan(1000);
  // Declared and never sent: the answer does not wait for it.
  const unsent = await postRaw("x", learner, 10_000_000);
  expect(unsent.status).toBe(413);
  expect(unsent.body.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_LARGE", limit: BODY_LIMIT, measured: 10_000_000 });
  await stillServing();
});

test("a body sent in chunks, without a Content-Length, is refused the same way once it passes the limit", async () => {
  const body = JSON.stringify({ query: aliased(6000, PAGE) });
  const r = await postRaw([body.slice(0, 200_000), body.slice(200_000)], learner);
  expect(r.status).toBe(413);
  expect(r.body.errors).toEqual([
    {
      message: `the request body exceeds the limit of ${BODY_LIMIT} (ZPD_MAX_QUERY_BYTES ${QUERY_LIMIT_DEFAULTS.bytes} + ${VARIABLES_ALLOWANCE_BYTES} for the variables)`,
      extensions: { code: "QUERY_TOO_LARGE", limit: BODY_LIMIT },
    },
  ]);
  await stillServing();
});

test("a document over the byte limit in a body within it is refused exactly, on the parsed query, before parsing the document", async () => {
  const query = aliased(2000, PAGE);
  const bytes = Buffer.byteLength(query);
  expect(bytes).toBeGreaterThan(QUERY_LIMIT_DEFAULTS.bytes);
  expect(bytes).toBeLessThan(BODY_LIMIT);
  const r = await s.gql(query, {}, learner);
  expect(r.status).toBe(400);
  expect(r.data).toBeUndefined();
  expect(r.errors).toHaveLength(1);
  expect(r.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_LARGE", limit: QUERY_LIMIT_DEFAULTS.bytes, measured: bytes });
  expect(r.errors![0]!.message).toMatch(/ZPD_MAX_QUERY_BYTES/);
  await stillServing();
});

test("aliases over the limit are refused, cheap fields included, for every role", async () => {
  const n = QUERY_LIMIT_DEFAULTS.aliases + 1;
  for (const token of [admin, learner]) {
    const r = await s.gql(aliased(n, "__typename"), {}, token);
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_MANY_ALIASES", limit: QUERY_LIMIT_DEFAULTS.aliases, measured: n });
  }
  // At the limit, answered.
  const ok = await s.gql(aliased(QUERY_LIMIT_DEFAULTS.aliases, "__typename"), {}, learner);
  expect(ok.errors).toBeUndefined();
  expect(Object.keys(ok.data)).toHaveLength(QUERY_LIMIT_DEFAULTS.aliases);
});

test("1,000 aliased learner pages (45 kB, under the byte limit) are refused quickly by the token limit, while parsing", async () => {
  const query = aliased(1000, PAGE);
  expect(Buffer.byteLength(query)).toBeLessThan(QUERY_LIMIT_DEFAULTS.bytes);
  const { result: r, ms } = await timed(() => s.gql(query, {}, admin));
  expect(r.status).toBe(400);
  expect(r.data).toBeUndefined();
  expect(r.errors).toEqual([
    {
      message: `the query's number of tokens exceeds the limit of ${QUERY_LIMIT_DEFAULTS.tokens} (ZPD_MAX_QUERY_TOKENS); parsing stopped there`,
      extensions: { code: "QUERY_TOO_LARGE", limit: QUERY_LIMIT_DEFAULTS.tokens },
    },
  ]);
  expect(ms).toBeLessThan(1000);
  await stillServing();
});

test("aliased writes over the limit write nothing", async () => {
  const n = QUERY_LIMIT_DEFAULTS.aliases + 1;
  const mutation = `mutation { ${Array.from({ length: n }, (_, i) => `c${i}: createCohort(input: { name: "bomb ${i}" }) { id }`).join(" ")} }`;
  const r = await s.gql(mutation, {}, admin);
  expect(r.status).toBe(400);
  expect(r.errors![0]!.extensions?.code).toBe("QUERY_TOO_MANY_ALIASES");
  const cohorts = await s.gql(`{ cohorts(first: 100) { nodes { name } } }`, {}, admin);
  expect(cohorts.errors).toBeUndefined();
  expect(cohorts.data.cohorts.nodes.filter((c: { name: string }) => c.name.startsWith("bomb "))).toEqual([]);
});

test("60 levels of learners { nodes { cohorts { learners … are refused by the depth limit", async () => {
  // As deep as the limit (and cheap: one list): answered.
  let chain = "name";
  for (let level = QUERY_LIMIT_DEFAULTS.depth - 1; level >= 5; level--) chain = `ofType { ${chain} }`;
  const atLimit = await s.gql(`{ __schema { queryType { fields { type { ${chain} } } } } }`, {}, learner);
  expect(atLimit.errors).toBeUndefined();
  expect(atLimit.data.__schema.queryType.fields.length).toBeGreaterThan(10);
  const { result: r, ms } = await timed(() => s.gql(nestedLearners(60), {}, learner));
  expect(r.status).toBe(400);
  expect(r.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_DEEP", limit: QUERY_LIMIT_DEFAULTS.depth, measured: 60 });
  expect(ms).toBeLessThan(1000);
  await stillServing();
});

test("an exponential nesting within the depth limit is refused by its cost", async () => {
  // skills → prerequisites → dependents → …: each level multiplies the answer.
  const query = nestedSkills(8);
  for (const [token, limit] of [
    [learner, QUERY_COST_BY_ROLE_DEFAULTS.LEARNER],
    [admin, QUERY_LIMIT_DEFAULTS.cost],
  ] as const) {
    const r = await s.gql(query, {}, token);
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit });
    expect(r.errors![0]!.extensions!.measured as number).toBeGreaterThan(QUERY_LIMIT_DEFAULTS.cost);
  }
  // Two levels of the same are an ordinary curriculum query.
  const ok = await s.gql(`{ skills(first: 100) { nodes { id prerequisites { id dependents { id } } } } }`, {}, learner);
  expect(ok.errors).toBeUndefined();
});

describe("the cost budget depends on the caller's role", () => {
  // Three levels of a curriculum's prerequisites and dependents: 1 + 100 × (2 + (1 + 5 × (1 + (1 + 5 × 7)))) = 18,801,
  // above a learner's budget (10,000), within a teacher's or analyst's (20,000) and an admin's (50,000).
  const THREE_LEVELS = `{ skills(first: 100) { nodes { id prerequisites { id dependents { id prerequisites { id } } } } } }`;

  test("the same query is answered for an admin, a teacher and an analyst, and QUERY_TOO_COMPLEX for a learner", async () => {
    for (const token of [admin, teacher, analyst]) {
      const r = await s.gql(THREE_LEVELS, {}, token);
      expect(r.errors).toBeUndefined();
      expect(r.data.skills.nodes).toEqual([]);
    }
    const r = await s.gql(THREE_LEVELS, {}, learner);
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors).toEqual([
      {
        message: `the query's cost 18801 exceeds the limit of ${QUERY_COST_BY_ROLE_DEFAULTS.LEARNER} (ZPD_MAX_QUERY_COST_LEARNER)`,
        extensions: { code: "QUERY_TOO_COMPLEX", limit: QUERY_COST_BY_ROLE_DEFAULTS.LEARNER, measured: 18801 },
      },
    ]);
  });

  test("a caller without a token has the learner's budget (one with an invalid token never gets that far)", async () => {
    const r = await s.gql(THREE_LEVELS, {});
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: QUERY_COST_BY_ROLE_DEFAULTS.LEARNER, measured: 18801 });
    const bad = await s.gql(THREE_LEVELS, {}, "not-a-token");
    expect(bad.status).toBe(401);
    expect(bad.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED" });
  });

  test("configured budgets apply: ZPD_MAX_QUERY_COST_TEACHER lowered, ZPD_MAX_QUERY_COST_LEARNER raised", async () => {
    const custom = await startTestServer({ ZPD_MAX_QUERY_COST_TEACHER: "5000", ZPD_MAX_QUERY_COST_LEARNER: "30000" });
    try {
      const school = await custom.newSchool("Budget School");
      const t = await custom.gql(`mutation { createTeacher(input: { displayName: "T. Budget" }) { id } }`, {}, school.admin);
      const l = await custom.gql(`mutation { createLearner(input: { externalRef: "budget-1" }) { id } }`, {}, school.admin);
      const teacherToken = await custom.token({ schoolId: school.schoolId, role: Role.Teacher, teacherId: t.data.createTeacher.id });
      const learnerToken = await custom.token({ schoolId: school.schoolId, role: Role.Learner, learnerId: l.data.createLearner.id });
      const asTeacher = await custom.gql(THREE_LEVELS, {}, teacherToken);
      expect(asTeacher.errors![0]!.extensions).toEqual({ code: "QUERY_TOO_COMPLEX", limit: 5000, measured: 18801 });
      expect(asTeacher.errors![0]!.message).toMatch(/ZPD_MAX_QUERY_COST_TEACHER/);
      const asLearner = await custom.gql(THREE_LEVELS, {}, learnerToken);
      expect(asLearner.errors).toBeUndefined();
    } finally {
      await custom.stop();
    }
  });
});

test("the cost counts `first` from the variables", async () => {
  const query = `query($n: Int) { learners(first: $n) { nodes { id cohorts { learners(first: $n) { nodes { id profile { displayName } } } } } } }`;
  const small = await s.gql(query, { n: 5 }, admin);
  expect(small.errors).toBeUndefined();
  const large = await s.gql(query, { n: 100 }, admin);
  expect(large.status).toBe(400);
  expect(large.errors![0]!.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  // Variables that do not fit are execution's BAD_USER_INPUT, as without the limits.
  const bad = await s.gql(query, { n: "many" }, admin);
  expect(bad.errors![0]!.extensions?.code).toBe("BAD_USER_INPUT");
});

test("GraphiQL's introspection query and a documented-size query pass", async () => {
  const r = await s.gql(GRAPHIQL_INTROSPECTION);
  expect(r.errors).toBeUndefined();
  expect(r.data.__schema.queryType.name).toBe("Query");
  await stillServing();
});

describe("introspection in production (NODE_ENV=production)", () => {
  let prod: TestServer;
  let token: string;
  beforeAll(async () => {
    prod = await startTestServer({ NODE_ENV: "production" });
    token = (await prod.newSchool("Production School")).admin;
  });
  afterAll(async () => {
    await prod?.stop();
  });

  test("needs a valid token; the schema query itself is refused, not run", async () => {
    for (const query of [
      getIntrospectionQuery(),
      `{ __type(name: "Learner") { name } }`,
      `{ ...F } fragment F on Query { __schema { queryType { name } } }`,
    ]) {
      const r = await prod.gql(query, {});
      expect(r.status).toBe(401);
      expect(r.data).toBeUndefined();
      expect(r.errors).toEqual([
        {
          message: "introspection requires a valid token on this server (NODE_ENV=production)",
          extensions: { code: "UNAUTHENTICATED" },
        },
      ]);
      // An invalid token is refused before GraphQL runs, whatever the query.
      const bad = await prod.gql(query, {}, "not-a-token");
      expect(bad.status).toBe(401);
      expect(bad.data).toBeUndefined();
      expect(bad.errors).toEqual([
        { message: "the token is malformed or its signature is invalid", extensions: { code: "UNAUTHENTICATED" } },
      ]);
    }
    const withToken = await prod.gql(getIntrospectionQuery(), {}, token);
    expect(withToken.errors).toBeUndefined();
    expect(withToken.data.__schema.queryType.name).toBe("Query");
  });

  test("operations without introspection are unaffected (`__typename` included)", async () => {
    const anonymous = await prod.gql(`{ __typename }`);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data).toEqual({ __typename: "Query" });
    const r = await prod.gql(`{ learners(first: 1) { nodes { id } } }`, {}, token);
    expect(r.errors).toBeUndefined();
  });
});

test("in development, introspection is open to anonymous callers (GraphiQL)", async () => {
  const r = await s.gql(`{ __schema { queryType { name } } }`);
  expect(r.errors).toBeUndefined();
  expect(r.data.__schema.queryType.name).toBe("Query");
});
