/**
 * Invalid text in any string input — a NUL byte, which PostgreSQL text cannot hold, or a lone UTF-16
 * surrogate — is BAD_USER_INPUT naming where it is, never echoing the value, and nothing is written
 * (issue #13, "Input bounds"). Variables at any depth and literals in the document alike.
 */
import { codeOf, startTestServer, type TestServer } from "../support/test-server.js";

let s: TestServer;
let admin: string;
let schoolId: string;
beforeAll(async () => {
  s = await startTestServer();
  ({ schoolId, admin } = await s.newSchool("Text input school"));
});
afterAll(async () => {
  await s?.stop();
});

const rows = async () =>
  Number(
    (
      await s.app.db.dataSource.query(
        `SELECT (SELECT count(*) FROM cohort WHERE school_id = $1) + (SELECT count(*) FROM skill WHERE school_id = $1)
              + (SELECT count(*) FROM learner WHERE school_id = $1) + (SELECT count(*) FROM teacher WHERE school_id = $1) AS n`,
        [schoolId],
      )
    )[0].n,
  );

const CASES: [string, string, Record<string, unknown>, string][] = [
  [
    "a cohort's name (variables)",
    `mutation($i: CreateCohortInput!) { createCohort(input: $i) { id } }`,
    { i: { name: "7A\u0000" } },
    "$i.name",
  ],
  [
    "a skill's description",
    `mutation($i: CreateSkillInput!) { createSkill(input: $i) { id } }`,
    { i: { code: "s1", name: "S", description: "x\uD800" } },
    "$i.description",
  ],
  [
    "a learner's display name, nested",
    `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`,
    { i: { profile: { displayName: "Ada\u0000Lovelace" } } },
    "$i.profile.displayName",
  ],
  [
    "a learner's interest, in a list",
    `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`,
    { i: { interests: ["music", "pi\u0000zza"] } },
    "$i.interests[1]",
  ],
  [
    "a teacher's name, as a literal",
    `mutation { createTeacher(input: { displayName: "Ms\\u0000 Rivera" }) { id } }`,
    {},
    "input.displayName",
  ],
];

test.each(CASES)("%s: BAD_USER_INPUT naming the place, not the value; nothing written", async (_what, query, variables, path) => {
  const before = await rows();
  const r = await s.gql(query, variables, admin);
  expect(codeOf(r)).toBe("BAD_USER_INPUT");
  expect(r.errors![0]!.extensions!.argument).toBe(path);
  expect(JSON.stringify(r)).not.toMatch(/Ada|Lovelace|Rivera|pizza|7A/);
  expect(await rows()).toBe(before);
});

test("the same inputs with valid text are accepted (the refusal is about the text, not the operation)", async () => {
  const r = await s.gql(`mutation($i: CreateCohortInput!) { createCohort(input: $i) { id } }`, { i: { name: "7A \uD83D\uDE00" } }, admin);
  expect(r.errors).toBeUndefined();
});
