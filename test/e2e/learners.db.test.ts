/**
 * Learners, cohorts and teachers over real HTTP: created, read back, paged, and scoped by role; and the
 * bearer token: an invalid one refused with 401 before the body is read, none at all anonymous.
 */
import http from "node:http";
import { SignJWT } from "jose";
import { Role } from "../../src/services/auth/actor.js";
import { codeOf, startTestServer, TEST_SECRET, TestServer } from "../support/test-server.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const CREATE_COHORT = `mutation($name: String!) { createCohort(input: { name: $name }) { id name } }`;
const CREATE_LEARNER = `mutation($input: CreateLearnerInput!) { createLearner(input: $input) { id externalRef profile { displayName email } cohorts { id name } } }`;
const CREATE_TEACHER = `mutation($n: String!) { createTeacher(input: { displayName: $n }) { id } }`;
const ASSIGN = `mutation($c: UUID!, $t: UUID!) { assignTeacher(cohortId: $c, teacherId: $t) { id teachers { id } } }`;
const LEARNER = `query($id: UUID!) { learner(id: $id) { id externalRef profile { displayName } } }`;
const LEARNERS = `query($first: Int, $after: String) { learners(first: $first, after: $after) { edges { cursor node { id externalRef } } pageInfo { hasNextPage endCursor } } }`;

async function schoolWithClasses() {
  const { schoolId, admin } = await s.newSchool();
  const maple = (await s.gql(CREATE_COHORT, { name: "Maple" }, admin)).data!.createCohort.id as string;
  const oak = (await s.gql(CREATE_COHORT, { name: "Oak" }, admin)).data!.createCohort.id as string;
  const teacher = (await s.gql(CREATE_TEACHER, { n: "T. One" }, admin)).data!.createTeacher.id as string;
  await s.gql(ASSIGN, { c: maple, t: teacher }, admin);
  const inMaple = (
    await s.gql(
      CREATE_LEARNER,
      { input: { externalRef: "m-1", profile: { displayName: "Ana", email: "ana@example.org" }, cohortIds: [maple] } },
      admin,
    )
  ).data!.createLearner;
  const inOak = (await s.gql(CREATE_LEARNER, { input: { externalRef: "o-1", cohortIds: [oak] } }, admin)).data!.createLearner;
  return { schoolId, admin, maple, oak, teacher, inMaple, inOak };
}

test("a school's learners are created with profile and cohorts, and read back", async () => {
  const { admin, inMaple } = await schoolWithClasses();
  expect(inMaple.profile).toEqual({ displayName: "Ana", email: "ana@example.org" });
  expect(inMaple.cohorts.map((c: { name: string }) => c.name)).toEqual(["Maple"]);
  const r = await s.gql(LEARNER, { id: inMaple.id }, admin);
  expect(r.data!.learner).toEqual({ id: inMaple.id, externalRef: "m-1", profile: { displayName: "Ana" } });
});

test("personal data is stored encrypted, not in clear text", async () => {
  const { inMaple } = await schoolWithClasses();
  const rows = await s.app.db.dataSource.query(`SELECT display_name_enc::text AS t FROM learner_profile WHERE learner_id = $1`, [
    inMaple.id,
  ]);
  expect(rows).toHaveLength(1);
  expect(String(rows[0].t)).not.toContain("Ana");
});

test("a duplicate externalRef is a CONFLICT and writes nothing", async () => {
  const { admin } = await schoolWithClasses();
  const r = await s.gql(CREATE_LEARNER, { input: { externalRef: "m-1" } }, admin);
  expect(codeOf(r)).toBe("CONFLICT");
  const list = await s.gql(LEARNERS, { first: 50 }, admin);
  expect(list.data!.learners.edges).toHaveLength(2);
});

test("learners page with cursors, and an oversized page is refused", async () => {
  const { admin } = await s.newSchool();
  for (let i = 0; i < 5; i++) await s.gql(CREATE_LEARNER, { input: { externalRef: `p-${i}` } }, admin);
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r: any = await s.gql(LEARNERS, { first: 2, after }, admin);
    const conn: any = r.data.learners;
    seen.push(...conn.edges.map((e: any) => e.node.externalRef));
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  expect(seen).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4"]);
  expect(codeOf(await s.gql(LEARNERS, { first: 100000 }, admin))).toBe("BAD_USER_INPUT");
  expect(codeOf(await s.gql(LEARNERS, { first: 2, after: "not-a-cursor" }, admin))).toBe("BAD_USER_INPUT");
});

describe("who may see whom", () => {
  test("a learner reads itself but not another learner", async () => {
    const { schoolId, inMaple, inOak } = await schoolWithClasses();
    const me = await s.token({ schoolId, role: Role.Learner, learnerId: inMaple.id });
    expect((await s.gql(LEARNER, { id: inMaple.id }, me)).data!.learner.id).toBe(inMaple.id);
    expect(codeOf(await s.gql(LEARNER, { id: inOak.id }, me))).toBe("NOT_FOUND");
    const list = await s.gql(LEARNERS, { first: 10 }, me);
    expect(list.data!.learners.edges.map((e: any) => e.node.id)).toEqual([inMaple.id]);
  });

  test("a learner reads its own cohorts, but not their teachers (FORBIDDEN); its teacher does", async () => {
    const { schoolId, teacher, inMaple } = await schoolWithClasses();
    const PATH = `query($id: UUID!) { learner(id: $id) { cohorts { name teachers { displayName } } } }`;
    const me = await s.token({ schoolId, role: Role.Learner, learnerId: inMaple.id });
    expect(
      (await s.gql(`query($id: UUID!) { learner(id: $id) { cohorts { name } } }`, { id: inMaple.id }, me)).data!.learner.cohorts,
    ).toEqual([{ name: "Maple" }]);
    const refused = await s.gql(PATH, { id: inMaple.id }, me);
    expect(codeOf(refused)).toBe("FORBIDDEN");
    expect(JSON.stringify(refused)).not.toMatch(/T\. One/);
    const t = await s.token({ schoolId, role: Role.Teacher, teacherId: teacher });
    expect((await s.gql(PATH, { id: inMaple.id }, t)).data!.learner.cohorts[0].teachers).toHaveLength(1);
  });

  test("a teacher reads learners of its cohorts only", async () => {
    const { schoolId, teacher, inMaple, inOak } = await schoolWithClasses();
    const t = await s.token({ schoolId, role: Role.Teacher, teacherId: teacher });
    expect((await s.gql(LEARNER, { id: inMaple.id }, t)).data!.learner.id).toBe(inMaple.id);
    expect(codeOf(await s.gql(LEARNER, { id: inOak.id }, t))).toBe("NOT_FOUND");
    const list = await s.gql(LEARNERS, { first: 10 }, t);
    expect(list.data!.learners.edges.map((e: any) => e.node.id)).toEqual([inMaple.id]);
    const cohorts = await s.gql(`{ cohorts { nodes { name } } }`, {}, t);
    expect(cohorts.data!.cohorts.nodes).toEqual([{ name: "Maple" }]);
  });

  test("a learner out of a teacher's scope gets the answer a random id gets: NOT_FOUND, same message shape, nothing that tells it exists", async () => {
    const { schoolId, teacher, maple, oak, inOak } = await schoolWithClasses();
    const t = await s.token({ schoolId, role: Role.Teacher, teacherId: teacher });
    const random = "018f0000-0000-7000-8000-000000000001";
    // The answer with the asked id masked: code, message and details must not differ.
    const shape = (r: { errors?: readonly any[] }, id: string) => JSON.parse(JSON.stringify(r.errors).split(id).join("<id>"));
    const other = shape(await s.gql(LEARNER, { id: inOak.id }, t), inOak.id);
    expect(other).toEqual(shape(await s.gql(LEARNER, { id: random }, t), random));
    expect(other[0].extensions.code).toBe("NOT_FOUND");
    expect(other[0].message).toBe("Learner <id> was not found");
    // The same for a cohort the teacher does not teach, against a random cohort id.
    const COHORT = `query($id: UUID!) { cohort(id: $id) { id name } }`;
    expect((await s.gql(COHORT, { id: maple }, t)).data!.cohort.name).toBe("Maple");
    expect(shape(await s.gql(COHORT, { id: oak }, t), oak)).toEqual(shape(await s.gql(COHORT, { id: random }, t), random));
  });

  test("an analyst gets no learner-level data", async () => {
    const { schoolId, inMaple } = await schoolWithClasses();
    const a = await s.token({ schoolId, role: Role.Analyst });
    expect(codeOf(await s.gql(LEARNER, { id: inMaple.id }, a))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(LEARNERS, { first: 10 }, a))).toBe("FORBIDDEN");
  });

  test("no token reads another school", async () => {
    const one = await schoolWithClasses();
    const other = await s.newSchool("Other");
    expect(codeOf(await s.gql(LEARNER, { id: one.inMaple.id }, other.admin))).toBe("NOT_FOUND");
    const list = await s.gql(LEARNERS, { first: 50 }, other.admin);
    expect(list.data!.learners.edges).toEqual([]);
    const service = await s.token({ schoolId: other.schoolId, role: Role.Service });
    expect(codeOf(await s.gql(LEARNER, { id: one.inMaple.id }, service))).toBe("NOT_FOUND");
  });

  test("a learner and a teacher may not create learners; a service may", async () => {
    const { schoolId, teacher, inMaple } = await schoolWithClasses();
    const t = await s.token({ schoolId, role: Role.Teacher, teacherId: teacher });
    const l = await s.token({ schoolId, role: Role.Learner, learnerId: inMaple.id });
    const svc = await s.token({ schoolId, role: Role.Service });
    expect(codeOf(await s.gql(CREATE_LEARNER, { input: { externalRef: "x" } }, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(CREATE_LEARNER, { input: { externalRef: "y" } }, l))).toBe("FORBIDDEN");
    expect((await s.gql(CREATE_LEARNER, { input: { externalRef: "z" } }, svc)).data!.createLearner.externalRef).toBe("z");
  });
});

describe("tokens", () => {
  /** A raw POST: status, the WWW-Authenticate header and the JSON body. */
  async function post(authorization: string | undefined, body: string) {
    const res = await fetch(s.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
      body,
    });
    return { status: res.status, challenge: res.headers.get("www-authenticate"), body: (await res.json()) as Record<string, unknown> };
  }
  const SCHOOL = JSON.stringify({ query: "{ school { id } }" });
  /** The refusal of an invalid token, whole: 401, the challenge, the code and the refusal's message; nothing else. */
  const refused = (message: RegExp) => ({
    status: 401,
    challenge: 'Bearer error="invalid_token"',
    body: { errors: [{ message: expect.stringMatching(message), extensions: { code: "UNAUTHENTICATED" } }] },
  });

  test("malformed, forged, expired, unexpiring and overlong tokens are refused with HTTP 401 and a challenge; the server stays up", async () => {
    const { schoolId } = await s.newSchool();
    const good = await s.token({ schoolId, role: Role.Admin });
    const forged = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    const expired = await s.token({ schoolId, role: Role.Admin }, Math.floor(Date.now() / 1000) - 60);
    const key = new TextEncoder().encode(TEST_SECRET);
    const claims = { school: schoolId, role: Role.Admin };
    const unexpiring = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("zpd")
      .setAudience("zpd-api")
      .setIssuedAt()
      .sign(key);
    const century = await s.token({ schoolId, role: Role.Admin }, "36500d");
    expect(await post("Bearer not.a.jwt", SCHOOL)).toEqual(refused(/malformed/));
    expect(await post(`Bearer ${forged}`, SCHOOL)).toEqual(refused(/signature/));
    expect(await post(`Bearer ${expired}`, SCHOOL)).toEqual(refused(/expired/));
    expect(await post(`Bearer ${unexpiring}`, SCHOOL)).toEqual(refused(/no expiry/));
    expect(await post(`Bearer ${century}`, SCHOOL)).toEqual(refused(/maximum token lifetime/));
    // An Authorization header that is not a bearer token is no valid token either.
    expect(await post(`Basic ${Buffer.from("a:b").toString("base64")}`, SCHOOL)).toEqual(refused(/malformed/));
    // The same bad token again (its refusal remembered): the same answer.
    expect(await post("Bearer not.a.jwt", SCHOOL)).toEqual(refused(/malformed/));
    expect(await post(`Bearer ${good}`, SCHOOL)).toMatchObject({ status: 200, body: { data: { school: { id: schoolId } } } });
  });

  test("no Authorization header stays anonymous: GraphQL answers, UNAUTHENTICATED where a caller is needed, HTTP 200", async () => {
    const none = await post(undefined, SCHOOL);
    expect(none.status).toBe(200);
    expect(none.challenge).toBeNull();
    expect((none.body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe("UNAUTHENTICATED");
    expect(await post(undefined, JSON.stringify({ query: "{ __typename }" }))).toEqual({
      status: 200,
      challenge: null,
      body: { data: { __typename: "Query" } },
    });
  });

  test("an invalid token is refused before the body is read or parsed", async () => {
    // A body that is not JSON: refused for the token, not as a malformed body.
    expect(await post("Bearer not.a.jwt", "{ this is not json")).toEqual(refused(/malformed/));
    // A body that never comes: declared, never sent. The answer does not wait for it.
    const { port } = new URL(s.url);
    const answer = await new Promise<{ status: number; challenge: string | undefined; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": 100_000, authorization: "Bearer not.a.jwt" },
        },
        (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => {
            req.destroy();
            resolve({ status: res.statusCode!, challenge: res.headers["www-authenticate"], body });
          });
        },
      );
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer error="invalid_token"');
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  test("a signed token for a school, learner or teacher that does not exist is refused with 401, and writes nothing", async () => {
    const { schoolId } = await schoolWithClasses();
    const nobody = "00000000-0000-7000-8000-00000000dead";
    const ghostSchool = await s.token({ schoolId: nobody, role: Role.Admin });
    const cohort = JSON.stringify({ query: `mutation { createCohort(input: { name: "Ghost" }) { id } }` });
    expect(await post(`Bearer ${ghostSchool}`, cohort)).toEqual(refused(/does not exist/));
    expect(Number((await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM cohort WHERE school_id = $1`, [nobody]))[0].n)).toBe(0);
    const skills = JSON.stringify({ query: "{ skills { nodes { id } } }" });
    const ghostLearner = await s.token({ schoolId, role: Role.Learner, learnerId: nobody });
    expect(await post(`Bearer ${ghostLearner}`, skills)).toEqual(refused(/does not exist/));
    const ghostTeacher = await s.token({ schoolId, role: Role.Teacher, teacherId: nobody });
    expect(await post(`Bearer ${ghostTeacher}`, JSON.stringify({ query: "{ cohorts { nodes { id } } }" }))).toEqual(
      refused(/does not exist/),
    );
    // Another school's learner is nobody here either.
    const other = await schoolWithClasses();
    const foreign = await s.token({ schoolId, role: Role.Learner, learnerId: other.inMaple.id });
    expect(await post(`Bearer ${foreign}`, skills)).toEqual(refused(/does not exist/));
  });
});

describe("bad input", () => {
  test("malformed ids, unknown ids and invalid fields get coded errors and write nothing", async () => {
    const { admin } = await schoolWithClasses();
    expect(codeOf(await s.gql(LEARNER, { id: "nope" }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(LEARNER, { id: "00000000-0000-7000-8000-000000000000" }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(CREATE_LEARNER, { input: { externalRef: "bad ref with spaces" } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(CREATE_LEARNER, { input: { externalRef: "ok-1", profile: { email: "not-an-email" } } }, admin))).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      codeOf(await s.gql(CREATE_LEARNER, { input: { externalRef: "ok-2", cohortIds: ["00000000-0000-7000-8000-000000000000"] } }, admin)),
    ).toBe("NOT_FOUND");
    const list = await s.gql(LEARNERS, { first: 50 }, admin);
    expect(list.data!.learners.edges.map((e: any) => e.node.externalRef).sort()).toEqual(["m-1", "o-1"]);
  });
});
