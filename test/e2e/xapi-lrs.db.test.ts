/**
 * The xAPI LRS at /xapi over real HTTP (api/xapi/, services/xapi/): what the ADL conformance suite in CI
 * does not look at — the project's own promises. A batch is all or nothing; an id is stored once, even
 * sent by many requests at once; a credential's scope and school bound what it reaches; no agent
 * identifier or document content is stored in the clear; paging walks every statement once.
 */
import { createHash, randomUUID } from "node:crypto";
import { startTestServer, TestServer } from "../support/test-server.js";

let s: TestServer;
let base: string;
beforeAll(async () => {
  s = await startTestServer();
  base = s.url.replace(/\/graphql$/, "/xapi");
});
afterAll(async () => {
  await s?.stop();
});

type Scope = "WRITE" | "READ" | "ALL";
interface Client {
  schoolId: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; text: string; json: any }>;
}

async function clientOf(schoolId: string, scope: Scope): Promise<Client> {
  const { credential, secret } = await s.app.services.xapiCredentials.issue(schoolId, { label: `test ${scope}`, scope }, "test");
  const auth = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`;
  return {
    schoolId,
    async call(method, path, body, headers = {}) {
      const raw = body === undefined || typeof body === "string" || Buffer.isBuffer(body);
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: auth,
          "x-experience-api-version": "1.0.3",
          ...(body !== undefined && !raw ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? (body as string | Buffer) : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
  };
}

async function school(name: string): Promise<{ all: Client; read: Client; write: Client }> {
  const { schoolId } = await s.newSchool(name);
  return { all: await clientOf(schoolId, "ALL"), read: await clientOf(schoolId, "READ"), write: await clientOf(schoolId, "WRITE") };
}

const ANSWERED = "http://adlnet.gov/expapi/verbs/answered";
const statement = (mbox: string, activity: string, extra: Record<string, unknown> = {}) => ({
  actor: { objectType: "Agent", name: "Ada Lovelace", mbox: `mailto:${mbox}` },
  verb: { id: ANSWERED, display: { "en-US": "answered" } },
  object: { id: activity, definition: { name: { "en-US": "Fractions 1" } } },
  ...extra,
});
const agentParam = (mbox: string) => encodeURIComponent(JSON.stringify({ mbox: `mailto:${mbox}` }));

test("a statement goes in and comes back with what the LRS sets; every answer names the version; no credential is 401", async () => {
  const { all } = await school("LRS round trip");
  const posted = await all.call("POST", "/statements", statement("ada@example.org", "http://zpd.test/a/1"));
  expect(posted.status).toBe(200);
  expect(posted.headers.get("x-experience-api-version")).toBe("1.0.3");
  const [id] = posted.json;
  const got = await all.call("GET", `/statements?statementId=${id}`);
  expect(got.status).toBe(200);
  expect(got.json).toMatchObject({ id, version: "1.0.3", actor: { mbox: "mailto:ada@example.org" }, authority: { objectType: "Agent" } });
  expect(Date.parse(got.json.stored)).toBeGreaterThan(Date.now() - 60_000);
  expect(got.headers.get("x-experience-api-consistent-through")).toBeTruthy();

  const anonymous = await fetch(`${base}/statements?statementId=${id}`, { headers: { "x-experience-api-version": "1.0.3" } });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic/);
  expect((await all.call("GET", `/statements?statementId=${id}`, undefined, { "x-experience-api-version": "0.9" })).status).toBe(400);
  const about = await fetch(`${base}/about`);
  expect(await about.json()).toEqual({ version: ["1.0.3"], extensions: {} });
});

test("a batch with one invalid statement is refused whole: nothing of it is stored", async () => {
  const { all } = await school("LRS batch");
  const good = { ...statement("bea@example.org", "http://zpd.test/a/2"), id: randomUUID() };
  const bad = { ...statement("bea@example.org", "http://zpd.test/a/3"), verb: { id: "not an iri" } };
  const r = await all.call("POST", "/statements", [good, bad]);
  expect(r.status).toBe(400);
  expect(r.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  expect(r.json.errors[0].message).toContain("verb.id");
  expect((await all.call("GET", `/statements?statementId=${good.id}`)).status).toBe(404);
});

test("an id is stored once: the same statement again is accepted, different content is 409, and concurrent sends store one row", async () => {
  const { all } = await school("LRS immutability");
  const id = randomUUID();
  const st = statement("cy@example.org", "http://zpd.test/a/4");
  const sends = await Promise.all(Array.from({ length: 8 }, () => all.call("PUT", `/statements?statementId=${id}`, st)));
  expect(sends.map((r) => r.status)).toEqual(Array(8).fill(204));
  const [{ n }] = await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM xapi_statement WHERE school_id = $1 AND id = $2`, [
    all.schoolId,
    id,
  ]);
  expect(n).toBe(1);
  expect((await all.call("POST", "/statements", { ...st, id })).status).toBe(200);
  const changed = await all.call("PUT", `/statements?statementId=${id}`, { ...st, object: { id: "http://zpd.test/a/other" } });
  expect(changed.status).toBe(409);
  expect((await all.call("GET", `/statements?statementId=${id}`)).json.object.id).toBe("http://zpd.test/a/4");
});

test("voiding hides a statement from reads but by voidedStatementId; a voiding statement cannot be voided", async () => {
  const { all } = await school("LRS voiding");
  const [target] = (await all.call("POST", "/statements", statement("dee@example.org", "http://zpd.test/a/5"))).json;
  const voiding = {
    actor: { mbox: "mailto:teacher@example.org" },
    verb: { id: "http://adlnet.gov/expapi/verbs/voided" },
    object: { objectType: "StatementRef", id: target },
  };
  const [voidingId] = (await all.call("POST", "/statements", voiding)).json;
  expect((await all.call("GET", `/statements?statementId=${target}`)).status).toBe(404);
  expect((await all.call("GET", `/statements?voidedStatementId=${target}`)).json.id).toBe(target);
  const listed = (await all.call("GET", `/statements?agent=${agentParam("dee@example.org")}`)).json.statements.map(
    (x: { id: string }) => x.id,
  );
  expect(listed).not.toContain(target);
  // The voiding statement targets a match of the filter, so it matches too (7.2.3, StatementRefs).
  expect(listed).toContain(voidingId);
  const again = await all.call("POST", "/statements", { ...voiding, object: { objectType: "StatementRef", id: voidingId } });
  expect(again.status).toBe(400);
});

test("queries filter by agent (a group's members too), verb, activity and registration; paging walks every statement once", async () => {
  const { all } = await school("LRS queries");
  const registration = randomUUID();
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const ctx = i % 2 === 0 ? { context: { registration, contextActivities: { parent: { id: "http://zpd.test/course" } } } } : {};
    ids.push(...(await all.call("POST", "/statements", statement(`e${i % 3}@example.org`, `http://zpd.test/q/${i}`, ctx))).json);
  }
  const group = {
    actor: { objectType: "Group", name: "Team", member: [{ mbox: "mailto:e1@example.org" }, { mbox: "mailto:zed@example.org" }] },
    verb: { id: "http://adlnet.gov/expapi/verbs/attempted" },
    object: { id: "http://zpd.test/q/group" },
  };
  const [groupId] = (await all.call("POST", "/statements", group)).json;
  const q = async (query: string) =>
    (await all.call("GET", `/statements?${query}`)).json.statements.map((x: { id: string }) => x.id).sort();

  expect(await q(`agent=${agentParam("e1@example.org")}`)).toEqual([ids[1], ids[4], groupId].sort());
  expect(await q(`verb=${encodeURIComponent("http://adlnet.gov/expapi/verbs/attempted")}`)).toEqual([groupId]);
  expect(await q(`activity=${encodeURIComponent("http://zpd.test/q/3")}`)).toEqual([ids[3]]);
  expect(await q(`activity=${encodeURIComponent("http://zpd.test/course")}`)).toEqual([]);
  expect(await q(`activity=${encodeURIComponent("http://zpd.test/course")}&related_activities=true`)).toEqual(
    [ids[0], ids[2], ids[4], ids[6]].sort(),
  );
  expect(await q(`registration=${registration}`)).toEqual([ids[0], ids[2], ids[4], ids[6]].sort());

  const seen: string[] = [];
  let next = "/statements?limit=3&ascending=true";
  let pages = 0;
  for (;;) {
    const page = await all.call("GET", next.replace(/^\/xapi/, ""));
    expect(page.status).toBe(200);
    seen.push(...page.json.statements.map((x: { id: string }) => x.id));
    pages++;
    if (!page.json.more) break;
    next = page.json.more;
    // A statement stored after the first page is not in this query's pages (they are consistent).
    if (pages === 1) await all.call("POST", "/statements", statement("late@example.org", "http://zpd.test/q/late"));
  }
  expect(pages).toBe(3);
  expect(seen).toEqual([...ids, groupId]);
});

test("a credential reaches its own school only, and its scope bounds what it may do", async () => {
  const a = await school("LRS school A");
  const b = await school("LRS school B");
  const [id] = (await a.all.call("POST", "/statements", statement("fay@example.org", "http://zpd.test/s/1"))).json;
  expect((await b.all.call("GET", `/statements?statementId=${id}`)).status).toBe(404);
  expect((await b.all.call("GET", `/statements?agent=${agentParam("fay@example.org")}`)).json.statements).toEqual([]);
  expect((await a.read.call("GET", `/statements?statementId=${id}`)).status).toBe(200);
  expect((await a.read.call("POST", "/statements", statement("fay@example.org", "http://zpd.test/s/2"))).status).toBe(403);
  expect((await a.write.call("GET", `/statements?statementId=${id}`)).status).toBe(403);
  expect((await a.write.call("POST", "/statements", statement("fay@example.org", "http://zpd.test/s/3"))).status).toBe(200);
});

test("documents keep their ETag discipline, POST merges JSON, and no agent or content is stored in the clear", async () => {
  const { all } = await school("LRS documents");
  const agent = agentParam("gus@example.org");
  const state = `/activities/state?activityId=${encodeURIComponent("http://zpd.test/d/1")}&agent=${agent}&stateId=progress`;
  expect((await all.call("PUT", state, { page: 3, secretNote: "gus-private-note" })).status).toBe(204);
  expect((await all.call("POST", state, { score: 0.5 })).status).toBe(204);
  const got = await all.call("GET", state);
  expect(got.json).toEqual({ page: 3, secretNote: "gus-private-note", score: 0.5 });
  expect(got.headers.get("etag")).toBe(`"${createHash("sha1").update(got.text).digest("hex")}"`);

  const profile = `/agents/profile?agent=${agent}&profileId=prefs`;
  expect((await all.call("PUT", profile, { theme: "dark" })).status).toBe(400); // neither If-Match nor If-None-Match
  expect((await all.call("PUT", profile, { theme: "dark" }, { "if-none-match": "*" })).status).toBe(204);
  expect((await all.call("PUT", profile, { theme: "light" })).status).toBe(409);
  expect((await all.call("PUT", profile, { theme: "light" }, { "if-match": '"0000"' })).status).toBe(412);
  const etag = (await all.call("GET", profile)).headers.get("etag")!;
  expect((await all.call("PUT", profile, { theme: "light" }, { "if-match": etag })).status).toBe(204);
  expect((await all.call("GET", profile)).json).toEqual({ theme: "light" });

  await all.call("POST", "/statements", statement("gus@example.org", "http://zpd.test/d/2"));
  const rows = JSON.stringify(
    await s.app.db.dataSource.query(
      `SELECT to_jsonb(x) AS r FROM xapi_statement x WHERE school_id = $1
       UNION ALL SELECT to_jsonb(d) FROM xapi_document d WHERE school_id = $1`,
      [all.schoolId],
    ),
  );
  for (const clear of ["gus@example.org", "Ada Lovelace", "gus-private-note", "dark", "light"]) expect(rows).not.toContain(clear);
  expect((await all.call("DELETE", state)).status).toBe(204);
  expect((await all.call("GET", state)).status).toBe(404);
});

test("attachments travel as multipart/mixed parts named by their SHA-2; a part that does not hash to it is refused", async () => {
  const { all } = await school("LRS attachments");
  const content = Buffer.from("a learner's essay, as a file");
  const sha2 = createHash("sha256").update(content).digest("hex");
  const st = {
    ...statement("hal@example.org", "http://zpd.test/t/1"),
    attachments: [
      { usageType: "http://zpd.test/usage/essay", display: { "en-US": "essay" }, contentType: "text/plain", length: content.length, sha2 },
    ],
  };
  const body = (part: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--b0\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(st)}\r\n--b0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${sha2}\r\n\r\n`,
      ),
      part,
      Buffer.from("\r\n--b0--\r\n"),
    ]);
  const type = { "content-type": "multipart/mixed; boundary=b0" };
  expect((await all.call("POST", "/statements", body(Buffer.from("something else")), type)).status).toBe(400);
  expect((await all.call("POST", "/statements", JSON.stringify(st), { "content-type": "application/json" })).status).toBe(400);
  const ok = await all.call("POST", "/statements", body(content), type);
  expect(ok.status).toBe(200);
  const got = await all.call("GET", `/statements?statementId=${ok.json[0]}&attachments=true`);
  expect(got.headers.get("content-type")).toMatch(/^multipart\/mixed; boundary=/);
  expect(got.text).toContain(content.toString());
  expect(got.text).toContain(`X-Experience-API-Hash: ${sha2}`);
});

test("the alternate request syntax carries a PUT as a form POST", async () => {
  const { all } = await school("LRS alternate syntax");
  const id = randomUUID();
  const res = await fetch(`${base}/statements?method=PUT`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      statementId: id,
      "X-Experience-API-Version": "1.0.3",
      "Content-Type": "application/json",
      Authorization: await (async () => {
        const { credential, secret } = await s.app.services.xapiCredentials.issue(all.schoolId, { label: "form", scope: "ALL" }, "test");
        return `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`;
      })(),
      content: JSON.stringify(statement("ida@example.org", "http://zpd.test/f/1")),
    }).toString(),
  });
  expect(res.status).toBe(204);
  expect((await all.call("GET", `/statements?statementId=${id}`)).json.actor.mbox).toBe("mailto:ida@example.org");
  const extra = await fetch(`${base}/statements?method=PUT&statementId=${id}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "",
  });
  expect(extra.status).toBe(400);
});

test("an Activity's definition gathers what every statement said of it, in one batch and across batches", async () => {
  const { all } = await school("LRS activities");
  const act = (lang: string, name: string, extra: object = {}) => ({
    ...statement("jo@example.org", "http://zpd.test/act/1"),
    object: { id: "http://zpd.test/act/1", definition: { name: { [lang]: name }, ...extra } },
  });
  await all.call("POST", "/statements", [act("en-US", "Fractions"), act("fr-FR", "Fractions (fr)")]);
  await all.call("POST", "/statements", act("de-DE", "Brüche", { type: "http://adlnet.gov/expapi/activities/assessment" }));
  const got = await all.call("GET", `/activities?activityId=${encodeURIComponent("http://zpd.test/act/1")}`);
  expect(got.json).toEqual({
    objectType: "Activity",
    id: "http://zpd.test/act/1",
    definition: {
      name: { "en-US": "Fractions", "fr-FR": "Fractions (fr)", "de-DE": "Brüche" },
      type: "http://adlnet.gov/expapi/activities/assessment",
    },
  });
});

describe("rate limits and metrics", () => {
  let limited: TestServer;
  let xapi: string;
  beforeAll(async () => {
    limited = await startTestServer({
      ZPD_RATE_LIMIT_TOKEN: "2",
      ZPD_RATE_LIMIT_TOKEN_BURST: "1",
      ZPD_RATE_LIMIT_ANONYMOUS: "1",
      ZPD_RATE_LIMIT_ANONYMOUS_BURST: "1",
      ZPD_RATE_LIMIT_BURST_SECONDS: "60",
    });
    xapi = limited.url.replace(/\/graphql$/, "/xapi");
  });
  afterAll(async () => {
    await limited?.stop();
  });

  test("a wrong credential is counted against its address and then refused with 429; a credential against itself", async () => {
    const { schoolId } = await limited.newSchool("LRS limits");
    const get = (auth: string) =>
      fetch(`${xapi}/statements?limit=1`, { headers: { authorization: auth, "x-experience-api-version": "1.0.3" } });
    const wrong = `Basic ${Buffer.from("zpdx_AAAAAAAAAAAAAAAAAAAA:not-the-secret").toString("base64")}`;
    const refusals = [];
    for (let i = 0; i < 4; i++) refusals.push((await get(wrong)).status);
    expect(refusals.slice(0, 2)).toEqual([401, 401]);
    expect(refusals.slice(2)).toEqual([429, 429]);
    const { credential, secret } = await limited.app.services.xapiCredentials.issue(schoolId, { label: "limits", scope: "ALL" }, "test");
    const right = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(right)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const last = await get(right);
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await last.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("RATE_LIMITED");

    const metrics = await (await fetch(limited.url.replace(/\/graphql$/, "/metrics"))).text();
    expect(metrics).toMatch(/zpd_graphql_requests_total\{operation="xapi statements",outcome="ok"\} 3/);
    expect(metrics).toMatch(/zpd_graphql_requests_total\{operation="xapi statements",outcome="429"\} [3-9]/);
  });
});

test("a batch of 2,500 statements is stored whole (in chunks under PostgreSQL's parameter limit); over 10,000 is refused with 413", async () => {
  const { all } = await school("LRS big batch");
  const batch = Array.from({ length: 2_500 }, (_, i) => ({
    actor: { mbox: `mailto:big${i % 50}@example.org` },
    verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
    object: { id: `http://zpd.test/big/${i % 20}` },
  }));
  const stored = await all.call("POST", "/statements", batch);
  expect(stored.status).toBe(200);
  expect(stored.json).toHaveLength(2_500);
  const [{ n }] = await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM xapi_statement WHERE school_id = $1`, [all.schoolId]);
  expect(n).toBe(2_500);
  const tooMany = Array.from({ length: 10_001 }, () => batch[0]);
  const refused = await all.call("POST", "/statements", tooMany);
  expect(refused.status).toBe(413);
  const [{ after }] = await s.app.db.dataSource.query(`SELECT count(*)::int AS after FROM xapi_statement WHERE school_id = $1`, [
    all.schoolId,
  ]);
  expect(after).toBe(2_500);
});
