/** Consent, protected attributes, mastery and the state summary over real HTTP, scoped by role. */
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { countRows, learnerWorld, LearnerWorld, UNKNOWN_ID } from "../support/learner-world.js";
import { LearnerState } from "../../src/persistence/learner/learner-state.entity.js";

let s: TestServer;
let w: LearnerWorld;
beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
beforeAll(async () => {
  w = await learnerWorld(s);
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

const SET_CONSENT = `mutation($l: UUID!, $p: ConsentPurpose!, $g: Boolean!, $by: ConsentGrantor!) { setConsent(learnerId: $l, purpose: $p, granted: $g, grantedBy: $by) { id learnerId purpose granted grantedBy updatedAt } }`;
const CONSENTS = `query($id: UUID!) { learner(id: $id) { consents { purpose granted grantedBy } } }`;
const SET_ATTR = `mutation($l: UUID!, $n: String!, $v: String!) { setLearnerAttribute(learnerId: $l, name: $n, value: $v) { id learnerId name value } }`;
const REMOVE_ATTR = `mutation($l: UUID!, $n: String!) { removeLearnerAttribute(learnerId: $l, name: $n) }`;
const ATTRS = `query($l: UUID!, $first: Int, $after: String) { learnerAttributes(learnerId: $l, first: $first, after: $after) { nodes { name value } pageInfo { hasNextPage endCursor } } }`;
const MASTERY = `query($id: UUID!) { learner(id: $id) { mastery { skill { code } mastery uncertainty attempts updatedAt } state { attemptCount modelVersionId updatedAt } } }`;

describe("consent", () => {
  test("setConsent upserts one row per purpose; Learner.consents lists them in purpose order", async () => {
    const first = await s.gql(SET_CONSENT, { l: w.inMaple, p: "TRAINING", g: true, by: "GUARDIAN" }, w.admin);
    expect(first.errors).toBeUndefined();
    expect(first.data!.setConsent).toMatchObject({ learnerId: w.inMaple, purpose: "TRAINING", granted: true, grantedBy: "GUARDIAN" });
    const second = await s.gql(SET_CONSENT, { l: w.inMaple, p: "TRAINING", g: false, by: "LEARNER" }, w.learnerMaple);
    expect(second.data!.setConsent).toMatchObject({ id: first.data!.setConsent.id, granted: false, grantedBy: "LEARNER" });
    await s.gql(SET_CONSENT, { l: w.inMaple, p: "ANALYTICS", g: true, by: "SCHOOL" }, w.teacher);
    const rows = await s.app.db.dataSource.query(
      `SELECT purpose, granted, granted_by FROM consent WHERE learner_id = $1 ORDER BY purpose`,
      [w.inMaple],
    );
    expect(rows).toEqual([
      { purpose: "ANALYTICS", granted: true, granted_by: "SCHOOL" },
      { purpose: "TRAINING", granted: false, granted_by: "LEARNER" },
    ]);
    const listed = await s.gql(CONSENTS, { id: w.inMaple }, w.learnerMaple);
    expect(listed.data!.learner.consents).toEqual([
      { purpose: "ANALYTICS", granted: true, grantedBy: "SCHOOL" },
      { purpose: "TRAINING", granted: false, grantedBy: "LEARNER" },
    ]);
    expect((await s.gql(CONSENTS, { id: w.inOak }, w.admin)).data!.learner.consents).toEqual([]);
  });

  test("consent is learner-level data: scoped by role and school; bad input writes nothing", async () => {
    const other = await learnerWorld(s, "Consent elsewhere");
    const before = await countRows(s, "consent");
    const set = (l: string, token: string, p = "PERSONALISATION", by = "LEARNER") => s.gql(SET_CONSENT, { l, p, g: true, by }, token);
    expect(codeOf(await set(w.inOak, w.learnerMaple))).toBe("NOT_FOUND");
    expect(codeOf(await set(w.inOak, w.teacher))).toBe("NOT_FOUND");
    expect(codeOf(await set(w.inMaple, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await set(w.inMaple, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await set(w.inMaple, other.service))).toBe("NOT_FOUND");
    expect(codeOf(await set(UNKNOWN_ID, w.admin))).toBe("NOT_FOUND");
    expect(codeOf(await set("nope", w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await set(w.inMaple, w.admin, "MARKETING"))).toBe("BAD_USER_INPUT");
    expect(codeOf(await set(w.inMaple, w.admin, "TRAINING", "NEIGHBOUR"))).toBe("BAD_USER_INPUT");
    expect(await countRows(s, "consent")).toBe(before);
    expect(codeOf(await s.gql(CONSENTS, { id: w.inOak }, w.teacher))).toBe("NOT_FOUND");
    expect((await set(w.inOak, w.service)).data!.setConsent.purpose).toBe("PERSONALISATION");
    expect(await countRows(s, "consent")).toBe(before + 1);
  });
});

describe("protected attributes", () => {
  test("an admin sets, replaces, lists and removes them", async () => {
    const set = async (n: string, v: string) => (await s.gql(SET_ATTR, { l: w.inOak, n, v }, w.admin)).data!.setLearnerAttribute;
    const a = await set("language_status", "EAL");
    expect(a).toMatchObject({ learnerId: w.inOak, name: "language_status", value: "EAL" });
    expect((await set("gender", "F")).value).toBe("F");
    expect(await set("language_status", "native")).toMatchObject({ id: a.id, value: "native" });
    const listed = await s.gql(ATTRS, { l: w.inOak }, w.admin);
    expect(listed.data!.learnerAttributes.nodes).toEqual([
      { name: "gender", value: "F" },
      { name: "language_status", value: "native" },
    ]);
    const page1 = await s.gql(ATTRS, { l: w.inOak, first: 1 }, w.admin);
    expect(page1.data!.learnerAttributes.nodes).toEqual([{ name: "gender", value: "F" }]);
    const page2 = await s.gql(ATTRS, { l: w.inOak, first: 1, after: page1.data!.learnerAttributes.pageInfo.endCursor }, w.admin);
    expect(page2.data!.learnerAttributes).toEqual({
      nodes: [{ name: "language_status", value: "native" }],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
    expect((await s.gql(REMOVE_ATTR, { l: w.inOak, n: "gender" }, w.admin)).data!.removeLearnerAttribute).toBe(true);
    expect(codeOf(await s.gql(REMOVE_ATTR, { l: w.inOak, n: "gender" }, w.admin))).toBe("NOT_FOUND");
    expect((await s.gql(ATTRS, { l: w.inOak }, w.admin)).data!.learnerAttributes.nodes).toEqual([
      { name: "language_status", value: "native" },
    ]);
  });

  test("everyone but the admin is FORBIDDEN, even for the learner itself, and nothing is written", async () => {
    await s.gql(SET_ATTR, { l: w.inMaple, n: "gender", v: "M" }, w.admin);
    const before = await countRows(s, "learner_attribute", w.schoolId);
    for (const token of [w.service, w.teacher, w.analyst, w.learnerMaple]) {
      expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "gender", v: "X" }, token))).toBe("FORBIDDEN");
      expect(codeOf(await s.gql(REMOVE_ATTR, { l: w.inMaple, n: "gender" }, token))).toBe("FORBIDDEN");
      expect(codeOf(await s.gql(ATTRS, { l: w.inMaple }, token))).toBe("FORBIDDEN");
    }
    expect(await countRows(s, "learner_attribute", w.schoolId)).toBe(before);
    expect((await s.gql(ATTRS, { l: w.inMaple }, w.admin)).data!.learnerAttributes.nodes).toEqual([{ name: "gender", value: "M" }]);
  });

  test("another school's admin gets NOT_FOUND; bad names and values are refused", async () => {
    const other = await learnerWorld(s, "Attributes elsewhere");
    const before = await countRows(s, "learner_attribute");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "gender", v: "X" }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ATTRS, { l: w.inMaple }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(REMOVE_ATTR, { l: w.inMaple, n: "gender" }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "has space", v: "X" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "", v: "X" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "n".repeat(65), v: "X" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "gender", v: "" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_ATTR, { l: w.inMaple, n: "gender", v: "v".repeat(201) }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_ATTR, { l: "nope", n: "gender", v: "X" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(ATTRS, { l: w.inMaple, first: 100000 }, w.admin))).toBe("BAD_USER_INPUT");
    expect(await countRows(s, "learner_attribute")).toBe(before);
  });

  test("the Learner type does not expose them", async () => {
    const r = await s.gql(`{ __type(name: "Learner") { fields { name } } }`, {}, w.admin);
    const fields = r.data!.__type.fields.map((f: { name: string }) => f.name);
    expect(fields).toEqual(expect.arrayContaining(["id", "goals", "consents", "mastery", "state"]));
    expect(fields.filter((f: string) => /attribute/i.test(f))).toEqual([]);
    expect(codeOf(await s.gql(`query($id: UUID!) { learner(id: $id) { attributes { name } } }`, { id: w.inMaple }, w.admin))).toBe(
      "GRAPHQL_VALIDATION_FAILED",
    );
  });
});

describe("mastery and state", () => {
  beforeAll(async () => {
    const ds = s.app.db.dataSource;
    const t = Date.parse("2026-11-02T10:00:00Z");
    // The mastery lives in the learner's state row (learner_state.mastery); Oak has mastery but no attempt counted.
    await ds.getRepository(LearnerState).save([
      {
        learnerId: w.inMaple,
        schoolId: w.schoolId,
        modelVersionId: null,
        state: { secret: [1, 2, 3] },
        attemptCount: 15,
        mastery: { [w.skills["B.1"]!]: [0.25, 0.2, 3, 0, t], [w.skills["A.1"]!]: [0.9, 0.05, 12, 0.01, t] },
      },
      {
        learnerId: w.inOak,
        schoolId: w.schoolId,
        modelVersionId: null,
        state: {},
        attemptCount: 0,
        mastery: { [w.skills["A.1"]!]: [0.5, 0.3, 1, 0, t] },
      },
    ]);
  });

  test("Learner.mastery lists the rows in skill code order and Learner.state the summary", async () => {
    const r = await s.gql(MASTERY, { id: w.inMaple }, w.learnerMaple);
    expect(r.errors).toBeUndefined();
    expect(r.data!.learner.mastery.map((m: any) => [m.skill.code, m.mastery, m.uncertainty, m.attempts, m.updatedAt])).toEqual([
      ["A.1", 0.9, 0.05, 12, "2026-11-02T10:00:00.000Z"],
      ["B.1", 0.25, 0.2, 3, "2026-11-02T10:00:00.000Z"],
    ]);
    expect(r.data!.learner.state).toEqual({ attemptCount: 15, modelVersionId: null, updatedAt: expect.any(String) });
    const oak = await s.gql(MASTERY, { id: w.inOak }, w.admin);
    expect(oak.data!.learner).toEqual({
      mastery: [expect.objectContaining({ skill: { code: "A.1" }, mastery: 0.5 })],
      state: expect.objectContaining({ attemptCount: 0 }),
    });
  });

  test("the engine's opaque state is not exposed", async () => {
    const r = await s.gql(`{ __type(name: "LearnerStateInfo") { fields { name } } }`, {}, w.admin);
    expect(r.data!.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(["attemptCount", "modelVersionId", "updatedAt"]);
  });

  test("mastery is scoped like the learner: teacher its cohorts, learner itself, analyst nothing, other schools nothing", async () => {
    expect((await s.gql(MASTERY, { id: w.inMaple }, w.teacher)).data!.learner.mastery).toHaveLength(2);
    expect(codeOf(await s.gql(MASTERY, { id: w.inOak }, w.teacher))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(MASTERY, { id: w.inOak }, w.learnerMaple))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(MASTERY, { id: w.inMaple }, w.analyst))).toBe("FORBIDDEN");
    const other = await learnerWorld(s, "Mastery elsewhere");
    expect(codeOf(await s.gql(MASTERY, { id: w.inMaple }, other.admin))).toBe("NOT_FOUND");
    // Through a list: the teacher's learners only, each with its own rows.
    const list = await s.gql(`{ learners(first: 50) { nodes { id mastery { skill { code } } } } }`, {}, w.teacher);
    expect(list.data!.learners.nodes).toEqual([{ id: w.inMaple, mastery: [{ skill: { code: "A.1" } }, { skill: { code: "B.1" } }] }]);
  });

  test("a list of learners with consents, mastery and state costs the same queries for 2 learners as for 6", async () => {
    const world = await learnerWorld(s, "Mastery loaders");
    const ds = s.app.db.dataSource;
    const addLearners = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = (await s.gql(`mutation { createLearner(input: {}) { id } }`, {}, world.admin)).data!.createLearner.id;
        await ds.getRepository(LearnerState).save({
          learnerId: id,
          schoolId: world.schoolId,
          modelVersionId: null,
          state: {},
          attemptCount: 1,
          mastery: { [world.skills["A.1"]!]: [0.5, 0.1, 1, 0, Date.now()] },
        });
        await s.gql(SET_CONSENT, { l: id, p: "TRAINING", g: true, by: "SCHOOL" }, world.admin);
      }
    };
    const measure = async () => {
      const before = s.app.db.queries.count;
      const r = await s.gql(
        `{ learners(first: 50) { nodes { id consents { purpose } mastery { skill { code } mastery } state { attemptCount } } } }`,
        {},
        world.admin,
      );
      expect(r.errors).toBeUndefined();
      return { queries: s.app.db.queries.count - before, nodes: r.data!.learners.nodes };
    };
    await addLearners(1); // plus the world's two learners without rows
    const small = await measure();
    await addLearners(4);
    const large = await measure();
    expect(small.nodes).toHaveLength(3);
    expect(large.nodes).toHaveLength(7);
    expect(large.nodes.filter((n: any) => n.state?.attemptCount === 1 && n.mastery.length === 1 && n.consents.length === 1)).toHaveLength(
      5,
    );
    expect(large.queries).toBe(small.queries);
  });
});
