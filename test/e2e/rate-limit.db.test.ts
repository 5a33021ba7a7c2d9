/**
 * Rate limits over real HTTP, with small configured limits: a token's burst then 429 with a retry hint
 * (the body's `retryAfterSeconds` and the `Retry-After` header), another token unaffected, two tokens of
 * one caller sharing an allowance, recovery after the window; an operation's cost counting as several
 * requests; requests without a valid token limited per address (X-Forwarded-For believed only with
 * ZPD_TRUST_PROXY), and the audit report pages counted too.
 *
 * Each case uses callers of its own, and sends its requests at once or back to back, well within the
 * one-second window (only a stall of the whole test process over a second could blur a count).
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import { getOperationAST, parse } from "graphql";
import { Role } from "../../src/services/auth/actor.js";
import { operationCost } from "../../src/api/common/query-limits.js";
import { buildApiSchema } from "../../src/api/schema.js";
import { startTestServer, TestServer } from "../support/test-server.js";

interface Answer {
  status: number;
  retryAfterHeader: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function send(
  s: TestServer,
  opts: { token?: string; from?: string; query?: string; path?: string; method?: "GET" | "POST" } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...(opts.from ? { "x-forwarded-for": opts.from } : {}),
  };
  const url = opts.path ? s.url.replace(/\/graphql$/, opts.path) : s.url;
  const method = opts.method ?? "POST";
  const res = await fetch(url, {
    method,
    headers,
    body: method === "POST" ? JSON.stringify({ query: opts.query ?? "{ __typename }" }) : undefined,
  });
  return { status: res.status, retryAfterHeader: res.headers.get("retry-after"), body: (await res.json()) as Answer["body"] };
}

/** The server's Prometheus text (/metrics is open without ZPD_METRICS_TOKEN). */
async function metricsText(s: TestServer): Promise<string> {
  return (await fetch(s.url.replace(/\/graphql$/, "/metrics"))).text();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A refusal as the rate limiter writes it: 429, the code, the hint in the body and the header, nothing run. */
function expectRateLimited(a: Answer, variable: RegExp): number {
  expect(a.status).toBe(429);
  expect(a.body.data).toBeUndefined();
  expect(a.body.errors).toHaveLength(1);
  const { extensions, message } = a.body.errors![0]!;
  expect(extensions?.code).toBe("RATE_LIMITED");
  const retryAfter = extensions?.retryAfterSeconds as number;
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(a.retryAfterHeader).toBe(String(retryAfter));
  expect(message).toMatch(variable);
  return retryAfter;
}

const counts = (answers: Answer[]) => ({
  ok: answers.filter((a) => a.status === 200 && a.body.data).length,
  limited: answers.filter((a) => a.status === 429).length,
});

describe("with ZPD_TRUST_PROXY=loopback: 2 requests a second per token and 3 more per 2 s; 1 and 1 more per address", () => {
  let s: TestServer;
  let schoolId: string;
  const learnerIds: string[] = [];
  const token = (subject: string, extra: { role?: Role; learnerId?: string; expiresIn?: string } = {}) =>
    s.token({ schoolId, role: extra.role ?? Role.Admin, subject, learnerId: extra.learnerId }, extra.expiresIn ?? "1h");

  beforeAll(async () => {
    s = await startTestServer({
      ZPD_RATE_LIMIT_TOKEN: "2",
      ZPD_RATE_LIMIT_TOKEN_BURST: "3",
      ZPD_RATE_LIMIT_ANONYMOUS: "1",
      ZPD_RATE_LIMIT_ANONYMOUS_BURST: "1",
      ZPD_RATE_LIMIT_BURST_SECONDS: "2",
      ZPD_RATE_LIMIT_COST_UNIT: "10",
      ZPD_TRUST_PROXY: "loopback",
    });
    // Set up through the services: requests would count against the limits under test.
    schoolId = (await s.app.services.schools.create("Rate School")).id;
    const setup = { schoolId, role: Role.Admin, subject: "setup" };
    for (const ref of ["rate-1", "rate-2"]) learnerIds.push((await s.app.services.learners.create(setup, { externalRef: ref })).id);
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("a token's burst, then 429 with the retry hint; another learner's token is unaffected; a second token of the same learner shares the allowance; after the wait, answered again", async () => {
    const first = await token("app", { role: Role.Learner, learnerId: learnerIds[0] });
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(s, { token: first })));
    expect(counts(answers)).toEqual({ ok: 5, limited: 3 });
    let retryAfter = 0;
    for (const a of answers.filter((x) => x.status === 429)) retryAfter = expectRateLimited(a, /this token.*ZPD_RATE_LIMIT_TOKEN/);

    const sameLearner = await token("app", { role: Role.Learner, learnerId: learnerIds[0], expiresIn: "2h" });
    expect(sameLearner).not.toBe(first);
    expectRateLimited(await send(s, { token: sameLearner }), /ZPD_RATE_LIMIT_TOKEN/);

    const other = await token("app", { role: Role.Learner, learnerId: learnerIds[1] });
    const otherAnswer = await send(s, { token: other });
    expect(otherAnswer.status).toBe(200);
    expect(otherAnswer.body.data).toEqual({ __typename: "Query" });

    await sleep(retryAfter * 1000 + 100);
    const again = await send(s, { token: first });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ __typename: "Query" });
  });

  describe("an operation's cost counts as 1 + floor(cost / ZPD_RATE_LIMIT_COST_UNIT) requests", () => {
    const SKILLS = `{ skills(first: 10) { nodes { id name } } }`;

    test("the query used costs 31: 4 requests at a unit of 10", async () => {
      const document = parse(SKILLS);
      expect(operationCost(await buildApiSchema(), document, getOperationAST(document)!, {}, 100)).toBe(31);
    });

    test("after one such read, a token has one request of its five left; another token's five cheap requests are all answered", async () => {
      const t = await token("cost-reader");
      const read = await send(s, { token: t, query: SKILLS });
      expect(read.status).toBe(200);
      expect(read.body.errors).toBeUndefined();
      expect((await send(s, { token: t })).status).toBe(200);
      expectRateLimited(await send(s, { token: t }), /ZPD_RATE_LIMIT_TOKEN/);
      // Whereas cheap requests of another token: all five answered.
      const cheap = await token("cost-cheap");
      const five = [];
      for (let i = 0; i < 5; i++) five.push(await send(s, { token: cheap }));
      expect(counts(five)).toEqual({ ok: 5, limited: 0 });
    });

    test("a read whose cost exceeds what is left is refused before it runs, with the same hint, after its request was admitted", async () => {
      const t = await token("cost-late");
      // Three of its five, then the read's request a fourth: its cost's three more do not fit.
      for (let i = 0; i < 3; i++) expect((await send(s, { token: t })).status).toBe(200);
      const refused = await send(s, { token: t, query: SKILLS });
      expectRateLimited(refused, /the operation's cost 31 counts as 4 requests.*ZPD_RATE_LIMIT_COST_UNIT/);
      // The refused cost took nothing: the fifth is still there for a cheap request.
      expect((await send(s, { token: t })).status).toBe(200);
      expectRateLimited(await send(s, { token: t }), /ZPD_RATE_LIMIT_TOKEN/);
    });
  });

  test("requests without a valid token count per address, more tightly; a valid token's do not; another address is unaffected", async () => {
    const from = "203.0.113.7";
    const anonymous = await Promise.all(Array.from({ length: 4 }, () => send(s, { from })));
    expect(counts(anonymous)).toEqual({ ok: 2, limited: 2 });
    for (const a of anonymous.filter((x) => x.status === 429)) expectRateLimited(a, /without a valid token.*ZPD_RATE_LIMIT_ANONYMOUS/);
    // A token that does not verify is no token: the same address's allowance.
    expectRateLimited(await send(s, { from, token: "not-a-token" }), /ZPD_RATE_LIMIT_ANONYMOUS/);
    const expired = await s.token({ schoolId, role: Role.Admin, subject: "expired" }, Math.floor(Date.now() / 1000) - 60);
    expectRateLimited(await send(s, { from, token: expired }), /ZPD_RATE_LIMIT_ANONYMOUS/);

    const withToken = await send(s, { from, token: await token("behind-the-same-address") });
    expect(withToken.status).toBe(200);
    const elsewhere = await send(s, { from: "203.0.113.8" });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.data).toEqual({ __typename: "Query" });
  });

  test("an invalid token is counted against its address first: within the allowance, 401; past it, 429", async () => {
    const from = "203.0.113.20";
    const first = await send(s, { from, token: "not-a-token" });
    expect(first.status).toBe(401);
    expect(first.body).toEqual({
      errors: [{ message: "the token is malformed or its signature is invalid", extensions: { code: "UNAUTHENTICATED" } }],
    });
    // A token naming nobody, signed by us, counts against its claims, not the address: refused with 401 all the same.
    const ghost = await s.token({ schoolId, role: Role.Learner, subject: "ghost", learnerId: "00000000-0000-7000-8000-00000000dead" });
    expect((await send(s, { from, token: ghost })).status).toBe(401);
    expect((await send(s, { from, token: "not-a-token" })).status).toBe(401);
    expectRateLimited(await send(s, { from, token: "not-a-token" }), /ZPD_RATE_LIMIT_ANONYMOUS/);
  });

  test("IPv6 addresses count by their /64", async () => {
    expect((await send(s, { from: "2001:db8:5:6::1" })).status).toBe(200);
    expect((await send(s, { from: "2001:db8:5:6::2" })).status).toBe(200);
    expectRateLimited(await send(s, { from: "2001:db8:5:6:ffff::9" }), /ZPD_RATE_LIMIT_ANONYMOUS/);
    expect((await send(s, { from: "2001:db8:5:7::1" })).status).toBe(200);
  });

  test("the audit report pages count against the same allowance", async () => {
    const t = await token("pages");
    const page = () => send(s, { token: t, path: `/audit-reports/${randomUUID()}`, method: "GET" });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await page());
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
    expectRateLimited(await page(), /ZPD_RATE_LIMIT_TOKEN/);
  });
});

describe("with the defaults' ZPD_TRUST_PROXY (off), ZPD_RATE_LIMIT_TOKEN=0 and 1 + 1 requests per address", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ZPD_RATE_LIMIT_TOKEN: "0", ZPD_RATE_LIMIT_ANONYMOUS: "1", ZPD_RATE_LIMIT_ANONYMOUS_BURST: "1" });
  });
  afterAll(async () => {
    await s?.stop();
  });

  test("X-Forwarded-For is not believed: every request counts against the TCP peer", async () => {
    expect((await send(s, { from: "198.51.100.1" })).status).toBe(200);
    expect((await send(s, { from: "198.51.100.2" })).status).toBe(200);
    expectRateLimited(await send(s, { from: "198.51.100.3" }), /ZPD_RATE_LIMIT_ANONYMOUS/);
  });

  test("a token refused a moment ago gets, before Express (known-refusals.ts), the answers Express gave it: 401, then 429, counted in /metrics", async () => {
    // From an address of its own (loopback's 127.0.0.0/8): the other cases here spend 127.0.0.1's allowance.
    const post = (token: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const body = JSON.stringify({ query: "{ __typename }" });
        const req = http.request(
          s.url,
          {
            method: "POST",
            localAddress: "127.0.0.7",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const shown = (a: Awaited<ReturnType<typeof post>>) => ({
      status: a.status,
      body: a.body.replace(/\d+ s"/, 'N s"').replace(/"retryAfterSeconds":\d+/, '"retryAfterSeconds":N'),
      type: a.headers["content-type"],
      auth: a.headers["www-authenticate"],
      retry: a.headers["retry-after"] === undefined ? undefined : "N",
    });
    const refused = async () =>
      Number((await metricsText(s)).match(/zpd_graphql_requests_total\{operation="none",outcome="UNAUTHENTICATED"\} (\d+)/)?.[1] ?? 0);
    const before = await refused();
    const [throughExpress, beforeExpress] = [await post("not-a-token"), await post("not-a-token")];
    expect(throughExpress.status).toBe(401);
    expect(shown(beforeExpress)).toEqual(shown(throughExpress));
    expect(await refused()).toBe(before + 2);
    // The address's 1 + 1 are spent: a token never seen goes through Express, then the same token again does not.
    const [limitedByExpress, limitedBefore] = [await post("another-bad-token"), await post("another-bad-token")];
    expect(limitedByExpress.status).toBe(429);
    expect(shown(limitedBefore)).toEqual(shown(limitedByExpress));
    expect(shown(limitedBefore).body).toMatch(/ZPD_RATE_LIMIT_ANONYMOUS.*RATE_LIMITED/);
  });

  test("0 turns the per-token limit off", async () => {
    const admin = (await s.newSchool("Unlimited School")).admin;
    const answers = await Promise.all(Array.from({ length: 30 }, () => send(s, { token: admin })));
    expect(counts(answers)).toEqual({ ok: 30, limited: 0 });
  });
});
