/**
 * No personal data in the logs: the server runs with its logger at debug level, writing to a capture,
 * through a representative set of operations on the demo school — reads and writes of every personal
 * field by every role, recommendations, plans and attempts (re-plans log at debug), a model trained,
 * bad input, refusals, a value tampered with in the database and SQL statements that fail while writing
 * personal data (logged as unexpected errors, with their driver's details). Then the capture is searched
 * for the demo learners' names and e-mails, the teachers' names, goal titles, attribute values and
 * interests — as text, as hex and as a JSON byte array. None may appear.
 *
 * The demo's protected attribute is the simulator's one-letter group, too short to search for; the
 * attribute values searched for are set here.
 */
import { seedDemo, demoProfile, DEMO_GOAL_TITLE, DEMO_TEACHER, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { codeOf, startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-10-01T09:00:00Z");
const LEARNERS = 48;
const NEW = {
  name: "Quintessa Valdéz-Orténsio",
  renamed: "Quintessa Renamed-Ulloa",
  email: "quintessa.vo@example.invalid",
  teacher: "Dr. Xanthippe Quillfeather",
  teacherRenamed: "Dr. Xanthippe Q. Renamed",
  title: "Finish the Zanzibar unit",
  retitled: "Finish the Zanzibar unit, again",
  attribute: "Quetzalcoatl-speaker",
  interest: "origami-club-zq",
  failingName: "Failing Fenwick-Thorne",
  failingTeacher: "Failing Teacher Umbrage",
};

const lines: string[] = [];
let s: TestServer;
let demo: DemoSchool;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({}, { logger: createLogger("debug", { write: (line: string) => void lines.push(line) }) });
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: LEARNERS, seed: 5, idLabel: "logs" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
  const base = { schoolId: demo.schoolId };
  tokens.admin = await s.token({ ...base, role: Role.Admin });
  tokens.teacher = await s.token({ ...base, role: Role.Teacher, teacherId: demo.teacherId });
  tokens.learner = await s.token({ ...base, role: Role.Learner, learnerId: demo.learnerIds[0]! });
  tokens.service = await s.token({ ...base, role: Role.Service });
  tokens.analyst = await s.token({ ...base, role: Role.Analyst });
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const gql = async (query: string, variables: Record<string, unknown>, token: string) => s.gql(query, variables, token);
const ok = async (query: string, variables: Record<string, unknown>, token: string) => {
  const r = await gql(query, variables, token);
  expect(r.errors).toBeUndefined();
  return r.data!;
};

test("reads and writes of every personal field, by every role, leave no personal data in the debug log", async () => {
  // Reads: the personal data flows through the server (the answers hold it), never into its log.
  const all = await ok(
    `query { learners(first: 100) { nodes { id interests profile { displayName email } goals { nodes { id title } } } } teachers { nodes { displayName } } }`,
    {},
    tokens.admin!,
  );
  const names = all.learners.nodes.map((l: { profile: { displayName: string } }) => l.profile.displayName);
  expect(names).toContain(demoProfile(0).displayName);
  expect(all.teachers.nodes.map((t: { displayName: string }) => t.displayName)).toEqual([DEMO_TEACHER]);
  expect(all.learners.nodes[0].goals.nodes[0].title).toBe(DEMO_GOAL_TITLE);
  await ok(
    `query { cohorts { nodes { teachers { displayName } learners(first: 50) { nodes { profile { displayName } } } } } }`,
    {},
    tokens.teacher!,
  );
  await ok(`query($id: UUID!) { learner(id: $id) { interests profile { email } } }`, { id: demo.learnerIds[0] }, tokens.learner!);
  await ok(`query($l: UUID!) { learnerAttributes(learnerId: $l) { nodes { name value } } }`, { l: demo.learnerIds[1] }, tokens.admin!);

  // Writes of every personal field.
  const created = await ok(
    `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`,
    { i: { externalRef: "logs-new", interests: [NEW.interest], profile: { displayName: NEW.name, email: NEW.email } } },
    tokens.service!,
  );
  const learnerId = created.createLearner.id;
  await ok(
    `mutation($id: UUID!, $i: UpdateLearnerInput!) { updateLearner(id: $id, input: $i) { id } }`,
    {
      id: learnerId,
      i: { profile: { displayName: NEW.renamed } },
    },
    tokens.admin!,
  );
  const teacher = (
    await ok(`mutation($n: String!) { createTeacher(input: { displayName: $n }) { id } }`, { n: NEW.teacher }, tokens.admin!)
  ).createTeacher.id;
  await ok(
    `mutation($id: UUID!, $n: String!) { updateTeacher(id: $id, input: { displayName: $n }) { id } }`,
    { id: teacher, n: NEW.teacherRenamed },
    tokens.admin!,
  );
  await ok(
    `mutation($l: UUID!, $v: String!) { setLearnerAttribute(learnerId: $l, name: "home_language", value: $v) { id } }`,
    {
      l: demo.learnerIds[2],
      v: NEW.attribute,
    },
    tokens.admin!,
  );
  const [{ id: skillId }] = await s.app.db.dataSource.query(`SELECT id FROM skill WHERE school_id = $1 ORDER BY code LIMIT 1`, [
    demo.schoolId,
  ]);
  const goal = (
    await ok(
      `mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }`,
      { i: { learnerId: demo.learnerIds[3], title: NEW.title, skillIds: [skillId] } },
      tokens.teacher!,
    )
  ).createGoal.id;
  await ok(
    `mutation($id: UUID!, $t: String!) { updateGoal(id: $id, input: { title: $t }) { id } }`,
    { id: goal, t: NEW.retitled },
    tokens.admin!,
  );
});

test("personalised answers, plans and attempts (re-plans log at debug) leave no personal data in the log", async () => {
  const learnerId = demo.learnerIds[0]!;
  const goals = await ok(`query($l: UUID!) { goals(learnerId: $l) { nodes { id } } }`, { l: learnerId }, tokens.admin!);
  const goalId = goals.goals.nodes[0].id;
  const rec = await ok(
    `query($l: UUID!, $g: UUID) { recommendations(learnerId: $l, goalId: $g, count: 3) { personalisation items { task { id } } } }`,
    { l: learnerId, g: goalId },
    tokens.learner!,
  );
  expect(rec.recommendations.personalisation).toBe("PERSONALISED");
  const plan = await ok(`mutation($g: UUID!) { planPath(goalId: $g) { path { steps { task { id } } } } }`, { g: goalId }, tokens.teacher!);
  const taskId = plan.planPath.path.steps[0].task.id;
  for (let i = 0; i < 4; i++)
    await ok(
      `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`,
      { i: { learnerId, taskId, correct: false, idempotencyKey: `logs-attempt-${i}` } },
      tokens.service!,
    );
});

test("bad input, refusals, tampered values and failing SQL leave no personal data in the log", async () => {
  const long = (needle: string) => `${needle} ${"x".repeat(250)}`;
  const bad = [
    await gql(
      `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`,
      { i: { profile: { displayName: long(NEW.name) } } },
      tokens.admin!,
    ),
    await gql(
      `mutation($i: CreateGoalInput!) { createGoal(input: $i) { id } }`,
      { i: { learnerId: demo.learnerIds[4], title: long(NEW.title), skillIds: [] } },
      tokens.admin!,
    ),
    await gql(
      `mutation($l: UUID!, $v: String!) { setLearnerAttribute(learnerId: $l, name: "x", value: $v) { id } }`,
      { l: demo.learnerIds[4], v: long(NEW.attribute) },
      tokens.admin!,
    ),
    await gql(`mutation { createTeacher(input: { displayName: "${NEW.teacher}" ) { id } }`, {}, tokens.admin!),
  ];
  expect(bad.map(codeOf)).toEqual(["BAD_USER_INPUT", "BAD_USER_INPUT", "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"]);
  // Nor does the error answer echo the personal data it refused (clients and proxies log error bodies):
  // it names the field and the rule.
  expect(JSON.stringify(bad[0]!.errors)).not.toContain(NEW.name);
  expect(JSON.stringify(bad[0]!.errors)).toMatch(/displayName/);
  expect(
    codeOf(await gql(`query($id: UUID!) { learner(id: $id) { profile { displayName } } }`, { id: demo.learnerIds[5] }, tokens.learner!)),
  ).toBe("NOT_FOUND");
  expect(
    codeOf(await gql(`query($id: UUID!) { learner(id: $id) { profile { displayName } } }`, { id: demo.learnerIds[5] }, tokens.analyst!)),
  ).toBe("FORBIDDEN");

  // A goal title moved to another goal's row in the database: an unexpected error, logged without the value.
  const q = (sql: string, p: unknown[] = []) => s.app.db.dataSource.query(sql, p);
  const [g1, g2] = (await q(`SELECT id FROM goal WHERE school_id = $1 ORDER BY id LIMIT 2`, [demo.schoolId])).map(
    (r: { id: string }) => r.id,
  );
  await q(`UPDATE goal SET title_enc = (SELECT title_enc FROM goal WHERE id = $2) WHERE id = $1`, [g1, g2]);
  expect(codeOf(await gql(`query($id: UUID!) { goal(id: $id) { title } }`, { id: g1 }, tokens.admin!))).toBe("INTERNAL_SERVER_ERROR");

  // SQL that fails while writing personal data: the statement's parameters and the driver's details are logged.
  // Only this school's rows are refused (on PostgreSQL other test files write to these tables meanwhile).
  for (const table of ["learner_profile", "teacher"])
    await q(`ALTER TABLE ${table} ADD CONSTRAINT zpd_logs_test CHECK (school_id <> '${demo.schoolId}') NOT VALID`);
  try {
    const failing = [
      await gql(
        `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`,
        { i: { profile: { displayName: NEW.failingName, email: NEW.email } } },
        tokens.admin!,
      ),
      await gql(`mutation($n: String!) { createTeacher(input: { displayName: $n }) { id } }`, { n: NEW.failingTeacher }, tokens.admin!),
    ];
    expect(failing.map(codeOf)).toEqual(["INTERNAL_SERVER_ERROR", "INTERNAL_SERVER_ERROR"]);
  } finally {
    await q(`ALTER TABLE learner_profile DROP CONSTRAINT zpd_logs_test`);
    await q(`ALTER TABLE teacher DROP CONSTRAINT zpd_logs_test`);
  }
});

test("the captured log holds none of it (and holds what it should: the errors, debug lines)", () => {
  const text = lines.join("");
  // The capture works and saw the failures and the debug level.
  expect(text.match(/unexpected error in a GraphQL operation/g)?.length).toBe(3);
  expect(text).toMatch(/"level":20/);
  expect(text).toMatch(/"msg":"path re-planned"/);
  const needles = [
    ...Array.from({ length: LEARNERS }, (_, i) => Object.values(demoProfile(i))).flat(),
    DEMO_TEACHER,
    DEMO_GOAL_TITLE,
    ...Object.values(NEW),
  ];
  // Encoded forms of short needles ("Ada") would match random bytes by chance: searched from 8 characters.
  const forms = (n: string) => [
    n,
    JSON.stringify(n).slice(1, -1),
    ...(n.length >= 8 ? [Buffer.from(n).toString("hex"), Buffer.from(n).join(",")] : []),
  ];
  const found = needles.filter((n) => forms(n).some((f) => text.includes(f)));
  expect(found).toEqual([]);
});
