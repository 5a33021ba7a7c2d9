/** Learners, cohorts and teachers over real HTTP: created, read back, paged, and scoped by role. */
import { Role } from "../../src/services/auth/actor.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";

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
  test("missing, malformed, forged and expired tokens are UNAUTHENTICATED and the server stays up", async () => {
    const { schoolId } = await s.newSchool();
    expect(codeOf(await s.gql(`{ school { id } }`))).toBe("UNAUTHENTICATED");
    expect(codeOf(await s.gql(`{ school { id } }`, {}, "not.a.jwt"))).toBe("UNAUTHENTICATED");
    const expired = await s.token({ schoolId, role: Role.Admin }, Math.floor(Date.now() / 1000) - 60);
    const r = await s.gql(`{ school { id } }`, {}, expired);
    expect(codeOf(r)).toBe("UNAUTHENTICATED");
    expect(r.errors![0]!.message).toMatch(/expired/);
    const good = await s.token({ schoolId, role: Role.Admin });
    const forged = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(codeOf(await s.gql(`{ school { id } }`, {}, forged))).toBe("UNAUTHENTICATED");
    expect((await s.gql(`{ school { id } }`, {}, good)).data!.school.id).toBe(schoolId);
  });

  test("a signed token for a school, learner or teacher that does not exist is UNAUTHENTICATED, and writes nothing", async () => {
    const { schoolId } = await schoolWithClasses();
    const nobody = "00000000-0000-7000-8000-00000000dead";
    const ghostSchool = await s.token({ schoolId: nobody, role: Role.Admin });
    const r = await s.gql(`mutation { createCohort(input: { name: "Ghost" }) { id } }`, {}, ghostSchool);
    expect(codeOf(r)).toBe("UNAUTHENTICATED");
    expect(r.errors![0]!.message).toMatch(/does not exist/);
    expect(Number((await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM cohort WHERE school_id = $1`, [nobody]))[0].n)).toBe(0);
    const ghostLearner = await s.token({ schoolId, role: Role.Learner, learnerId: nobody });
    expect(codeOf(await s.gql(`{ skills { nodes { id } } }`, {}, ghostLearner))).toBe("UNAUTHENTICATED");
    const ghostTeacher = await s.token({ schoolId, role: Role.Teacher, teacherId: nobody });
    expect(codeOf(await s.gql(`{ cohorts { nodes { id } } }`, {}, ghostTeacher))).toBe("UNAUTHENTICATED");
    // Another school's learner is nobody here either.
    const other = await schoolWithClasses();
    const foreign = await s.token({ schoolId, role: Role.Learner, learnerId: other.inMaple.id });
    expect(codeOf(await s.gql(`{ skills { nodes { id } } }`, {}, foreign))).toBe("UNAUTHENTICATED");
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
