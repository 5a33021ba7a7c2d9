/** The curriculum over real HTTP: skills, the prerequisite DAG, tasks and their Q-matrix. */
import { Role } from "../../src/services/auth/actor.js";
import { codeOf, GraphQLResponse, startTestServer, TestServer } from "../support/test-server.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

const UNKNOWN = "00000000-0000-7000-8000-000000000000";

const SKILL_FIELDS = `id code name description prerequisites { id code } dependents { id code }`;
const CREATE_SKILL = `mutation($input: CreateSkillInput!) { createSkill(input: $input) { ${SKILL_FIELDS} } }`;
const UPDATE_SKILL = `mutation($id: UUID!, $input: UpdateSkillInput!) { updateSkill(id: $id, input: $input) { ${SKILL_FIELDS} } }`;
const SKILL = `query($id: UUID!) { skill(id: $id) { ${SKILL_FIELDS} } }`;
const SKILLS = `query($first: Int, $after: String) { skills(first: $first, after: $after) { edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }`;
const ADD_PREREQ = `mutation($s: UUID!, $p: UUID!) { addPrerequisite(skillId: $s, prerequisiteId: $p) { id prerequisites { id } } }`;
const REMOVE_PREREQ = `mutation($s: UUID!, $p: UUID!) { removePrerequisite(skillId: $s, prerequisiteId: $p) { id prerequisites { id } } }`;

const TASK_FIELDS = `id code title kind topics expectedDurationSeconds difficulty skills { weight skill { id code } }`;
const CREATE_TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { ${TASK_FIELDS} } }`;
const UPDATE_TASK = `mutation($id: UUID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { ${TASK_FIELDS} } }`;
const TASK = `query($id: UUID!) { task(id: $id) { ${TASK_FIELDS} } }`;
const TASKS = `query($first: Int, $after: String, $skillId: UUID, $kind: TaskKind) {
  tasks(first: $first, after: $after, skillId: $skillId, kind: $kind) { edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } }
}`;

type Ok<T = any> = GraphQLResponse<T>;

/** The response's data, failing the test with the errors when there are any. */
function ok<T = any>(r: Ok<T>): T {
  if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

async function count(table: "skill" | "skill_prerequisite" | "task" | "task_skill", schoolId: string): Promise<number> {
  const rows = await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE school_id = $1`, [schoolId]);
  return Number(rows[0].n);
}

async function counts(schoolId: string) {
  return {
    skill: await count("skill", schoolId),
    prereq: await count("skill_prerequisite", schoolId),
    task: await count("task", schoolId),
    taskSkill: await count("task_skill", schoolId),
  };
}

async function createSkill(token: string, code: string, name = `Skill ${code}`): Promise<string> {
  return ok(await s.gql(CREATE_SKILL, { input: { code, name } }, token)).createSkill.id;
}

const taskInput = (code: string, skills: { skillId: string; weight?: number }[], extra: Record<string, unknown> = {}) => ({
  code,
  title: `Task ${code}`,
  kind: "EXERCISE",
  topics: [],
  expectedDurationSeconds: 60,
  skills,
  ...extra,
});

describe("skills", () => {
  test("are created, read back, updated and listed with cursors", async () => {
    const { admin } = await s.newSchool();
    const created = ok(
      await s.gql(CREATE_SKILL, { input: { code: "FRAC.EQUIV", name: "Equivalent fractions", description: "1/2 = 2/4" } }, admin),
    ).createSkill;
    expect(created).toMatchObject({
      code: "FRAC.EQUIV",
      name: "Equivalent fractions",
      description: "1/2 = 2/4",
      prerequisites: [],
      dependents: [],
    });
    expect(ok(await s.gql(SKILL, { id: created.id }, admin)).skill).toEqual(created);

    const updated = ok(await s.gql(UPDATE_SKILL, { id: created.id, input: { name: "Fraction equivalence" } }, admin)).updateSkill;
    expect(updated).toMatchObject({ code: "FRAC.EQUIV", name: "Fraction equivalence", description: "1/2 = 2/4" });
    expect(ok(await s.gql(SKILL, { id: created.id }, admin)).skill.name).toBe("Fraction equivalence");

    for (const c of ["B", "C", "D", "E"]) await createSkill(admin, c);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const conn: any = ok(await s.gql(SKILLS, { first: 2, after }, admin)).skills;
      seen.push(...conn.edges.map((e: any) => e.node.code));
      pages++;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(["FRAC.EQUIV", "B", "C", "D", "E"]);
    expect(pages).toBe(3);
  });

  test("a duplicate code in the school is a CONFLICT and writes nothing; another school may reuse it", async () => {
    const { schoolId, admin } = await s.newSchool();
    const a = await createSkill(admin, "DUP");
    const b = await createSkill(admin, "OTHER");
    expect(codeOf(await s.gql(CREATE_SKILL, { input: { code: "DUP", name: "again" } }, admin))).toBe("CONFLICT");
    expect(await count("skill", schoolId)).toBe(2);
    expect(codeOf(await s.gql(UPDATE_SKILL, { id: b, input: { code: "DUP" } }, admin))).toBe("CONFLICT");
    expect(ok(await s.gql(SKILL, { id: b }, admin)).skill.code).toBe("OTHER");
    expect(ok(await s.gql(SKILL, { id: a }, admin)).skill.code).toBe("DUP");
    const other = await s.newSchool("Other");
    expect(await createSkill(other.admin, "DUP")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("bad skill input is BAD_USER_INPUT and writes nothing", async () => {
    const { schoolId, admin } = await s.newSchool();
    expect(codeOf(await s.gql(CREATE_SKILL, { input: { code: "has space", name: "x" } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(CREATE_SKILL, { input: { code: "OK", name: "" } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(CREATE_SKILL, { input: { code: "X".repeat(101), name: "long" } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SKILL, { id: "not-a-uuid" }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SKILL, { id: UNKNOWN }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(SKILLS, { first: 100000 }, admin))).toBe("BAD_USER_INPUT");
    expect(await count("skill", schoolId)).toBe(0);
  });
});

describe("the prerequisite DAG", () => {
  test("prerequisites and dependents are added, read back and removed", async () => {
    const { admin } = await s.newSchool();
    const [a, b, c] = [await createSkill(admin, "A"), await createSkill(admin, "B"), await createSkill(admin, "C")];
    // A needs B and C; B needs C (a diamond-free DAG with a shortcut, which is not a cycle).
    expect(ok(await s.gql(ADD_PREREQ, { s: a, p: b }, admin)).addPrerequisite.prerequisites).toEqual([{ id: b }]);
    ok(await s.gql(ADD_PREREQ, { s: b, p: c }, admin));
    ok(await s.gql(ADD_PREREQ, { s: a, p: c }, admin));
    const skillA = ok(await s.gql(SKILL, { id: a }, admin)).skill;
    expect(skillA.prerequisites.map((x: any) => x.code)).toEqual(["B", "C"]);
    expect(skillA.dependents).toEqual([]);
    expect(ok(await s.gql(SKILL, { id: c }, admin)).skill.dependents.map((x: any) => x.code)).toEqual(["B", "A"]);

    expect(codeOf(await s.gql(ADD_PREREQ, { s: a, p: b }, admin))).toBe("CONFLICT");
    expect(ok(await s.gql(REMOVE_PREREQ, { s: a, p: b }, admin)).removePrerequisite.prerequisites).toEqual([{ id: c }]);
    expect(codeOf(await s.gql(REMOVE_PREREQ, { s: a, p: b }, admin))).toBe("NOT_FOUND");
    expect(ok(await s.gql(SKILL, { id: b }, admin)).skill.dependents).toEqual([]);
  });

  test("a cycle A→B→C→A is refused with PREREQUISITE_CYCLE and the cycle, and nothing is written", async () => {
    const { schoolId, admin } = await s.newSchool();
    const [a, b, c] = [await createSkill(admin, "A"), await createSkill(admin, "B"), await createSkill(admin, "C")];
    ok(await s.gql(ADD_PREREQ, { s: a, p: b }, admin));
    ok(await s.gql(ADD_PREREQ, { s: b, p: c }, admin));
    expect(await count("skill_prerequisite", schoolId)).toBe(2);

    const r = await s.gql(ADD_PREREQ, { s: c, p: a }, admin);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors![0]!.extensions).toMatchObject({ reason: "PREREQUISITE_CYCLE", cycle: [c, a, b, c] });
    expect(r.errors![0]!.message).toMatch(/cycle/);
    expect(await count("skill_prerequisite", schoolId)).toBe(2);
    expect(ok(await s.gql(SKILL, { id: c }, admin)).skill.prerequisites).toEqual([]);

    // The direct reverse edge too.
    const two = await s.gql(ADD_PREREQ, { s: b, p: a }, admin);
    expect(two.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "PREREQUISITE_CYCLE", cycle: [b, a, b] });
    expect(await count("skill_prerequisite", schoolId)).toBe(2);
  });

  test("a self-loop is refused with PREREQUISITE_CYCLE and nothing is written", async () => {
    const { schoolId, admin } = await s.newSchool();
    const a = await createSkill(admin, "A");
    const r = await s.gql(ADD_PREREQ, { s: a, p: a }, admin);
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
    expect(r.errors![0]!.extensions).toMatchObject({ reason: "PREREQUISITE_CYCLE", cycle: [a, a] });
    expect(await count("skill_prerequisite", schoolId)).toBe(0);
  });

  test("unknown and other-school skills are NOT_FOUND and nothing is written", async () => {
    const { schoolId, admin } = await s.newSchool();
    const other = await s.newSchool("Other");
    const a = await createSkill(admin, "A");
    const foreign = await createSkill(other.admin, "F");
    expect(codeOf(await s.gql(ADD_PREREQ, { s: a, p: UNKNOWN }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ADD_PREREQ, { s: a, p: foreign }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ADD_PREREQ, { s: foreign, p: a }, admin))).toBe("NOT_FOUND");
    expect(await count("skill_prerequisite", schoolId)).toBe(0);
    expect(await count("skill_prerequisite", other.schoolId)).toBe(0);
  });
});

describe("tasks", () => {
  test("are created with a Q-matrix and read back; topics are lower-cased; weight defaults to 1", async () => {
    const { admin } = await s.newSchool();
    const [a, b] = [await createSkill(admin, "A"), await createSkill(admin, "B")];
    const input = taskInput("T-1", [{ skillId: a, weight: 0.25 }, { skillId: b }], {
      title: "Add fractions",
      kind: "QUIZ_ITEM",
      topics: ["Pizza", " Sports ", "pizza"],
      expectedDurationSeconds: 90,
    });
    const created = ok(await s.gql(CREATE_TASK, { input }, admin)).createTask;
    expect(created).toMatchObject({
      code: "T-1",
      title: "Add fractions",
      kind: "QUIZ_ITEM",
      topics: ["pizza", "sports"],
      expectedDurationSeconds: 90,
      difficulty: null,
      skills: [
        { weight: 0.25, skill: { id: a, code: "A" } },
        { weight: 1, skill: { id: b, code: "B" } },
      ],
    });
    expect(ok(await s.gql(TASK, { id: created.id }, admin)).task).toEqual(created);
    expect(codeOf(await s.gql(CREATE_TASK, { input: taskInput("T-1", [{ skillId: a }]) }, admin))).toBe("CONFLICT");
  });

  test("carry the xAPI activity IRI statements name them by: unique in the school, an absolute IRI, removable", async () => {
    const { admin } = await s.newSchool();
    const other = await s.newSchool();
    const a = await createSkill(admin, "A");
    const iri = "https://school.example/activities/fractions-1";
    const WITH_IRI = `mutation($input: CreateTaskInput!) { createTask(input: $input) { id activityId } }`;
    const SET_IRI = `mutation($id: UUID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { activityId } }`;
    const t1 = ok(await s.gql(WITH_IRI, { input: taskInput("X-1", [{ skillId: a }], { activityId: iri }) }, admin)).createTask;
    expect(t1.activityId).toBe(iri);
    expect(ok(await s.gql(`query($id: UUID!) { task(id: $id) { activityId } }`, { id: t1.id }, admin)).task.activityId).toBe(iri);
    // Another task of the school may not take it; another school's may.
    const taken = await s.gql(WITH_IRI, { input: taskInput("X-2", [{ skillId: a }], { activityId: iri }) }, admin);
    expect(taken.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", field: "activityId" });
    const b = await createSkill(other.admin, "B");
    expect(
      ok(await s.gql(WITH_IRI, { input: taskInput("X-1", [{ skillId: b }], { activityId: iri }) }, other.admin)).createTask.activityId,
    ).toBe(iri);
    for (const bad of ["fractions-1", "https://school.example/has space", `https://x.example/${"a".repeat(2048)}`])
      expect(codeOf(await s.gql(WITH_IRI, { input: taskInput(`X-${bad.length}`, [{ skillId: a }], { activityId: bad }) }, admin))).toBe(
        "BAD_USER_INPUT",
      );
    // Removed with null, then free for another task; left alone when absent.
    const t2 = ok(await s.gql(WITH_IRI, { input: taskInput("X-3", [{ skillId: a }]) }, admin)).createTask;
    expect(t2.activityId).toBeNull();
    expect(ok(await s.gql(SET_IRI, { id: t1.id, input: { title: "Renamed" } }, admin)).updateTask.activityId).toBe(iri);
    expect(ok(await s.gql(SET_IRI, { id: t1.id, input: { activityId: null } }, admin)).updateTask.activityId).toBeNull();
    expect(ok(await s.gql(SET_IRI, { id: t2.id, input: { activityId: iri } }, admin)).updateTask.activityId).toBe(iri);
  });

  test("are updated; skills, when given, replace the Q-matrix row; a failed update changes nothing", async () => {
    const { schoolId, admin } = await s.newSchool();
    const [a, b, c] = [await createSkill(admin, "A"), await createSkill(admin, "B"), await createSkill(admin, "C")];
    const t = ok(await s.gql(CREATE_TASK, { input: taskInput("T-1", [{ skillId: a }, { skillId: b, weight: 0.5 }]) }, admin)).createTask;
    ok(await s.gql(CREATE_TASK, { input: taskInput("T-2", [{ skillId: a }]) }, admin));

    const renamed = ok(
      await s.gql(UPDATE_TASK, { id: t.id, input: { title: "Renamed", kind: "VIDEO", topics: ["Music"] } }, admin),
    ).updateTask;
    expect(renamed).toMatchObject({ code: "T-1", title: "Renamed", kind: "VIDEO", topics: ["music"], expectedDurationSeconds: 60 });
    expect(renamed.skills.map((x: any) => [x.skill.code, x.weight])).toEqual([
      ["A", 1],
      ["B", 0.5],
    ]);

    const replaced = ok(await s.gql(UPDATE_TASK, { id: t.id, input: { skills: [{ skillId: c, weight: 0.75 }] } }, admin)).updateTask;
    expect(replaced.skills).toEqual([{ weight: 0.75, skill: { id: c, code: "C" } }]);
    expect(ok(await s.gql(TASK, { id: t.id }, admin)).task.skills).toEqual([{ weight: 0.75, skill: { id: c, code: "C" } }]);
    expect(await count("task_skill", schoolId)).toBe(2); // T-1: C; T-2: A

    // A code conflict fails after the Q-matrix was rewritten in the transaction: all of it rolls back.
    const before = await counts(schoolId);
    const conflict = await s.gql(UPDATE_TASK, { id: t.id, input: { code: "T-2", skills: [{ skillId: a }, { skillId: b }] } }, admin);
    expect(codeOf(conflict)).toBe("CONFLICT");
    expect(await counts(schoolId)).toEqual(before);
    expect(ok(await s.gql(TASK, { id: t.id }, admin)).task).toMatchObject({
      code: "T-1",
      skills: [{ weight: 0.75, skill: { id: c, code: "C" } }],
    });

    expect(codeOf(await s.gql(UPDATE_TASK, { id: t.id, input: { skills: [{ skillId: UNKNOWN }] } }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(UPDATE_TASK, { id: t.id, input: { skills: [] } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE_TASK, { id: t.id, input: { expectedDurationSeconds: -1 } }, admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE_TASK, { id: UNKNOWN, input: { title: "x" } }, admin))).toBe("NOT_FOUND");
    expect(await counts(schoolId)).toEqual(before);
    expect(ok(await s.gql(TASK, { id: t.id }, admin)).task).toMatchObject({
      title: "Renamed",
      expectedDurationSeconds: 60,
      skills: [{ skill: { code: "C" } }],
    });
  });

  test("page with cursors, filtered by skill and by kind", async () => {
    const { admin } = await s.newSchool();
    const [a, b] = [await createSkill(admin, "A"), await createSkill(admin, "B")];
    for (let i = 0; i < 7; i++) {
      const skills = i % 2 === 0 ? [{ skillId: a }] : [{ skillId: a }, { skillId: b, weight: 0.5 }];
      ok(await s.gql(CREATE_TASK, { input: taskInput(`T${i}`, skills, { kind: i < 3 ? "READING" : "EXERCISE" }) }, admin));
    }
    const all = async (vars: Record<string, unknown>, first: number) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const conn: any = ok(await s.gql(TASKS, { ...vars, first, after }, admin)).tasks;
        expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...conn.edges.map((e: any) => e.node.code));
        if (!conn.pageInfo.hasNextPage) return seen;
        after = conn.pageInfo.endCursor;
      }
      throw new Error("paging did not end");
    };
    expect(await all({}, 3)).toEqual(["T0", "T1", "T2", "T3", "T4", "T5", "T6"]);
    expect(await all({ skillId: b }, 2)).toEqual(["T1", "T3", "T5"]);
    expect(await all({ skillId: a }, 10)).toEqual(["T0", "T1", "T2", "T3", "T4", "T5", "T6"]);
    expect(await all({ kind: "READING" }, 2)).toEqual(["T0", "T1", "T2"]);
    expect(await all({ kind: "EXERCISE", skillId: b }, 5)).toEqual(["T3", "T5"]);

    const viaSkill = ok(
      await s.gql(`query($id: UUID!) { skill(id: $id) { tasks(first: 2) { nodes { code } pageInfo { hasNextPage } } } }`, { id: b }, admin),
    ).skill;
    expect(viaSkill.tasks).toEqual({ nodes: [{ code: "T1" }, { code: "T3" }], pageInfo: { hasNextPage: true } });

    expect(codeOf(await s.gql(TASKS, { skillId: UNKNOWN }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(TASKS, { first: 2, after: "garbage" }, admin))).toBe("BAD_USER_INPUT");
  });

  describe("bad input gets a coded error and writes no row", () => {
    let schoolId: string;
    let admin: string;
    let a: string;
    let foreign: string;
    beforeAll(async () => {
      ({ schoolId, admin } = await s.newSchool());
      a = await createSkill(admin, "A");
      const other = await s.newSchool("Other");
      foreign = await createSkill(other.admin, "F");
    });

    const refused = async (input: unknown, code: string) => {
      const before = await counts(schoolId);
      const r = await s.gql(CREATE_TASK, { input }, admin);
      expect(codeOf(r)).toBe(code);
      expect(r.data?.createTask ?? null).toBeNull();
      expect(await counts(schoolId)).toEqual(before);
    };

    test("a negative expected duration", () =>
      refused(taskInput("NEG", [{ skillId: a }], { expectedDurationSeconds: -5 }), "BAD_USER_INPUT"));
    test("a weight of 0", () => refused(taskInput("W0", [{ skillId: a, weight: 0 }]), "BAD_USER_INPUT"));
    test("a weight above 1", () => refused(taskInput("W2", [{ skillId: a, weight: 1.01 }]), "BAD_USER_INPUT"));
    test("a negative weight", () => refused(taskInput("WN", [{ skillId: a, weight: -0.5 }]), "BAD_USER_INPUT"));
    test("no skill at all", () => refused(taskInput("NONE", []), "BAD_USER_INPUT"));
    test("the same skill twice", () => refused(taskInput("TWICE", [{ skillId: a }, { skillId: a, weight: 0.5 }]), "BAD_USER_INPUT"));
    test("more than 20 topics", () =>
      refused(taskInput("TOPICS", [{ skillId: a }], { topics: Array.from({ length: 21 }, (_, i) => `t${i}`) }), "BAD_USER_INPUT"));
    test("an unknown skill id", () => refused(taskInput("UNK", [{ skillId: a }, { skillId: UNKNOWN }]), "NOT_FOUND"));
    test("another school's skill id", () => refused(taskInput("FOREIGN", [{ skillId: foreign }]), "NOT_FOUND"));
    test("a malformed skill id", () => refused(taskInput("BADID", [{ skillId: "nope" }]), "BAD_USER_INPUT"));
    test("an unknown enum value in a variable", () => refused(taskInput("ENUM", [{ skillId: a }], { kind: "PUZZLE" }), "BAD_USER_INPUT"));

    test("an unknown enum value as an inline literal", async () => {
      const before = await counts(schoolId);
      const r = await s.gql(
        `mutation($a: UUID!) { createTask(input: { code: "LIT", title: "t", kind: PUZZLE, expectedDurationSeconds: 1, skills: [{ skillId: $a }] }) { id } }`,
        { a },
        admin,
      );
      expect(codeOf(r)).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(r.errors![0]!.message).toMatch(/PUZZLE/);
      expect(await counts(schoolId)).toEqual(before);
      // …and the same literal with a valid value goes through, so the refusal was the enum's.
      const good = await s.gql(
        `mutation($a: UUID!) { createTask(input: { code: "LIT", title: "t", kind: READING, expectedDurationSeconds: 1, skills: [{ skillId: $a }] }) { kind } }`,
        { a },
        admin,
      );
      expect(ok(good).createTask.kind).toBe("READING");
    });

    test("an unknown enum value in a filter", async () => {
      expect(codeOf(await s.gql(TASKS, { kind: "PUZZLE" }, admin))).toBe("BAD_USER_INPUT");
    });
  });
});

describe("who may read and write the curriculum", () => {
  test("teacher, learner and analyst read but may not write; a service may write", async () => {
    const { schoolId, admin } = await s.newSchool();
    const a = await createSkill(admin, "A");
    const b = await createSkill(admin, "B");
    const t = ok(await s.gql(CREATE_TASK, { input: taskInput("T", [{ skillId: a }]) }, admin)).createTask.id as string;
    const teacherId = ok(await s.gql(`mutation { createTeacher(input: { displayName: "T" }) { id } }`, {}, admin)).createTeacher.id;
    const learnerId = ok(await s.gql(`mutation { createLearner(input: { externalRef: "l-1" }) { id } }`, {}, admin)).createLearner.id;
    const readers = {
      teacher: await s.token({ schoolId, role: Role.Teacher, teacherId }),
      learner: await s.token({ schoolId, role: Role.Learner, learnerId }),
      analyst: await s.token({ schoolId, role: Role.Analyst }),
    };
    const before = await counts(schoolId);
    for (const [who, token] of Object.entries(readers)) {
      expect([who, ok(await s.gql(SKILL, { id: a }, token)).skill.code]).toEqual([who, "A"]);
      expect([who, ok(await s.gql(TASK, { id: t }, token)).task.skills]).toEqual([who, [{ weight: 1, skill: { id: a, code: "A" } }]]);
      expect([who, ok(await s.gql(TASKS, { first: 5 }, token)).tasks.edges.length]).toEqual([who, 1]);
      expect([who, ok(await s.gql(SKILLS, { first: 5 }, token)).skills.edges.length]).toEqual([who, 2]);
      const writes = [
        await s.gql(CREATE_SKILL, { input: { code: `X-${who}`, name: "x" } }, token),
        await s.gql(UPDATE_SKILL, { id: a, input: { name: "hacked" } }, token),
        await s.gql(ADD_PREREQ, { s: a, p: b }, token),
        await s.gql(CREATE_TASK, { input: taskInput(`X-${who}`, [{ skillId: a }]) }, token),
        await s.gql(UPDATE_TASK, { id: t, input: { title: "hacked" } }, token),
      ];
      expect([who, writes.map(codeOf)]).toEqual([who, ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]]);
    }
    expect(await counts(schoolId)).toEqual(before);
    expect(ok(await s.gql(SKILL, { id: a }, admin)).skill.name).toBe("Skill A");

    const svc = await s.token({ schoolId, role: Role.Service });
    const c = ok(await s.gql(CREATE_SKILL, { input: { code: "SVC", name: "by service" } }, svc)).createSkill.id;
    expect(ok(await s.gql(ADD_PREREQ, { s: c, p: a }, svc)).addPrerequisite.prerequisites).toEqual([{ id: a }]);
    expect(ok(await s.gql(CREATE_TASK, { input: taskInput("SVC-T", [{ skillId: c, weight: 0.3 }]) }, svc)).createTask.skills).toEqual([
      { weight: 0.3, skill: { id: c, code: "SVC" } },
    ]);
    expect(ok(await s.gql(UPDATE_TASK, { id: t, input: { title: "by service" } }, svc)).updateTask.title).toBe("by service");
  });

  test("no token reads or writes another school's curriculum", async () => {
    const one = await s.newSchool();
    const a = await createSkill(one.admin, "A");
    const t = ok(await s.gql(CREATE_TASK, { input: taskInput("T", [{ skillId: a }]) }, one.admin)).createTask.id as string;
    const other = await s.newSchool("Other");
    const svc = await s.token({ schoolId: other.schoolId, role: Role.Service });
    for (const token of [other.admin, svc]) {
      expect(codeOf(await s.gql(SKILL, { id: a }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(TASK, { id: t }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(UPDATE_SKILL, { id: a, input: { name: "x" } }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(UPDATE_TASK, { id: t, input: { title: "x" } }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(TASKS, { skillId: a }, token))).toBe("NOT_FOUND");
      expect(ok(await s.gql(SKILLS, { first: 50 }, token)).skills.edges).toEqual([]);
      expect(ok(await s.gql(TASKS, { first: 50 }, token)).tasks.edges).toEqual([]);
    }
    expect(ok(await s.gql(TASK, { id: t }, one.admin)).task.title).toBe("Task T");
  });

  test("no token at all is UNAUTHENTICATED", async () => {
    expect(codeOf(await s.gql(SKILLS, { first: 1 }))).toBe("UNAUTHENTICATED");
  });
});

describe("no N+1", () => {
  test("tasks → skills → skill → prerequisites costs the same few queries for 5 tasks as for 30", async () => {
    const { admin } = await s.newSchool();
    const skills: string[] = [];
    for (let i = 0; i < 10; i++) skills.push(await createSkill(admin, `S${i}`));
    for (let i = 1; i < 10; i++) ok(await s.gql(ADD_PREREQ, { s: skills[i], p: skills[i - 1] }, admin));
    for (let i = 0; i < 30; i++) {
      const pair = [{ skillId: skills[i % 10]! }, { skillId: skills[(i + 3) % 10]!, weight: 0.5 }];
      ok(await s.gql(CREATE_TASK, { input: taskInput(`N${i}`, pair) }, admin));
    }
    const query = `query($first: Int) { tasks(first: $first) { edges { node { skills { weight skill { name prerequisites { id } } } } } } }`;
    const measure = async (first: number) => {
      const before = s.app.db.queries.count;
      const r = ok(await s.gql(query, { first }, admin));
      const queries = s.app.db.queries.count - before;
      return { queries, edges: r.tasks.edges as any[] };
    };
    const small = await measure(5);
    const large = await measure(30);
    expect(small.edges).toHaveLength(5);
    expect(large.edges).toHaveLength(30);
    // The data is really there: 2 skills per task, each skill's prerequisite (all but S0 have one).
    const cells = large.edges.flatMap((e) => e.node.skills);
    expect(cells).toHaveLength(60);
    expect(cells.filter((c: any) => c.skill.prerequisites.length === 1)).toHaveLength(54);
    expect(large.queries).toBe(small.queries);
    expect(large.queries).toBeLessThanOrEqual(5);
  });
});
