/**
 * Schools and the platform admin over real HTTP: createSchool and schools answer a platform-admin token
 * only; a platform-admin token (no school) is FORBIDDEN on every other operation of the schema — each
 * root field is called with arguments of the right types, so the refusal comes from the resolver's
 * authorisation, not from validation.
 */
import { buildApiSchema } from "../../src/api/schema.js";
import { signToken } from "../../src/api/auth/token.js";
import { PLATFORM_ADMIN, Role } from "../../src/services/auth/actor.js";
import { operation } from "../support/graphql-arguments.js";
import { codeOf, startTestServer, TestServer, TEST_SECRET } from "../support/test-server.js";

let s: TestServer;
let platform: string;
const schoolCount = async () => Number((await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM school`))[0].n);

beforeAll(async () => {
  s = await startTestServer();
  platform = await signToken(TEST_SECRET, { role: PLATFORM_ADMIN, subject: "operator" }, "1h");
});

afterAll(async () => {
  await s?.stop();
});

const CREATE = `mutation($i: CreateSchoolInput!) { createSchool(input: $i) { id name timeZone createdAt } }`;

test("a platform admin creates a school (name trimmed, time zone in its canonical spelling, UTC by default) and lists the schools", async () => {
  const paris = await s.gql(CREATE, { i: { name: "  Collège Vauban ", timeZone: "europe/paris" } }, platform);
  expect(paris.errors).toBeUndefined();
  expect(paris.data.createSchool).toMatchObject({ name: "Collège Vauban", timeZone: "Europe/Paris" });
  const utc = (await s.gql(CREATE, { i: { name: "École UTC" } }, platform)).data.createSchool;
  expect(utc.timeZone).toBe("UTC");

  // Its admin reaches it at once.
  const admin = await s.token({ schoolId: paris.data.createSchool.id, role: Role.Admin });
  expect((await s.gql(`{ school { id name } }`, {}, admin)).data.school).toEqual({
    id: paris.data.createSchool.id,
    name: "Collège Vauban",
  });

  // Listed oldest first (other test files' schools may be there too on a shared server), paged.
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (
      await s.gql(
        `query($a: String) { schools(first: 50, after: $a) { nodes { id } pageInfo { hasNextPage endCursor } } }`,
        { a: after },
        platform,
      )
    ).data.schools;
    ids.push(...page.nodes.map((n: { id: string }) => n.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(ids.indexOf(utc.id)).toBeGreaterThan(ids.indexOf(paris.data.createSchool.id));
  expect(ids.indexOf(paris.data.createSchool.id)).toBeGreaterThanOrEqual(0);
});

test("bad input is BAD_USER_INPUT and writes nothing: an unknown zone, an offset, a blank or too long name", async () => {
  const before = await schoolCount();
  for (const [i, message] of [
    [{ name: "X", timeZone: "Mars/Olympus" }, /unknown time zone "Mars\/Olympus"/],
    [{ name: "X", timeZone: "+01:00" }, /time zone/],
    [{ name: "   " }, /1 to 200 characters/],
    [{ name: "x".repeat(201) }, /./],
  ] as const) {
    const r = await s.gql(CREATE, { i }, platform);
    expect({ code: codeOf(r), data: r.data }).toEqual({ code: "BAD_USER_INPUT", data: null });
    expect(r.errors![0]!.message).toMatch(message);
  }
  expect(await schoolCount()).toBe(before);
});

test("a school's token, of any role, may neither create nor list schools; no token is UNAUTHENTICATED", async () => {
  const { schoolId, admin } = await s.newSchool("Tokens");
  // Real ones: a token naming a learner or teacher that does not exist is UNAUTHENTICATED, not FORBIDDEN.
  const learnerId = (await s.gql(`mutation { createLearner(input: { externalRef: "t-1" }) { id } }`, {}, admin)).data!.createLearner.id;
  const teacherId = (await s.gql(`mutation { createTeacher(input: { displayName: "T" }) { id } }`, {}, admin)).data!.createTeacher.id;
  const before = await schoolCount();
  for (const role of Object.values(Role)) {
    const claims = {
      schoolId,
      role,
      learnerId: role === Role.Learner ? learnerId : undefined,
      teacherId: role === Role.Teacher ? teacherId : undefined,
    };
    const token = await s.token(claims);
    expect(codeOf(await s.gql(CREATE, { i: { name: "Not mine" } }, token))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(`{ schools { nodes { id } } }`, {}, token))).toBe("FORBIDDEN");
  }
  expect(codeOf(await s.gql(CREATE, { i: { name: "Anonymous" } }))).toBe("UNAUTHENTICATED");
  expect(await schoolCount()).toBe(before);
});

test("a platform-admin token is FORBIDDEN on every operation but createSchool and schools (it never reads a school's data)", async () => {
  const schema = await buildApiSchema();
  const roots = [
    ["query", schema.getQueryType()!],
    ["mutation", schema.getMutationType()!],
  ] as const;
  const checked: string[] = [];
  for (const [kind, type] of roots) {
    for (const field of Object.values(type.getFields())) {
      if (field.name === "schools" || field.name === "createSchool") continue;
      const op = operation(kind, field);
      const r = await s.gql(op.text, op.variables, platform);
      expect({ field: field.name, code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({
        field: field.name,
        code: "FORBIDDEN",
        message: expect.stringContaining("platform-admin token has no school"),
      });
      checked.push(field.name);
    }
  }
  // The sweep covered the schema (a guard against an empty or partial walk).
  expect(checked).toEqual(
    expect.arrayContaining([
      "school",
      "learners",
      "learner",
      "modelVersions",
      "jobRuns",
      "recordAttempt",
      "triggerRetrain",
      "updateSchool",
      "createTeacher",
    ]),
  );
  expect(checked.length).toBeGreaterThan(40);
});
