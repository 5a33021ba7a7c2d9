/** Goals, learning paths and path steps over real HTTP: created, read back, re-ordered, scoped by role. */
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { countRows, learnerWorld, LearnerWorld, UNKNOWN_ID } from "../support/learner-world.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

const GOAL_FIELDS = `id learnerId title masteryThreshold deadline status skills { code } learner { id } path { id }`;
const CREATE_GOAL = `mutation($input: CreateGoalInput!) { createGoal(input: $input) { ${GOAL_FIELDS} } }`;
const UPDATE_GOAL = `mutation($id: UUID!, $input: UpdateGoalInput!) { updateGoal(id: $id, input: $input) { ${GOAL_FIELDS} } }`;
const GOAL = `query($id: UUID!) { goal(id: $id) { ${GOAL_FIELDS} } }`;
const GOALS = `query($learnerId: UUID, $first: Int, $after: String) { goals(learnerId: $learnerId, first: $first, after: $after) { nodes { id title learnerId } pageInfo { hasNextPage endCursor } } }`;
const PATH_FIELDS = `id goalId learnerId modelVersionId plannedAt goal { id } steps { id position reason status pinned task { code } skill { code } }`;
const SET_STEPS = `mutation($goalId: UUID!, $steps: [PathStepInput!]!) { setPathSteps(goalId: $goalId, steps: $steps) { ${PATH_FIELDS} } }`;
const PATH = `query($id: UUID!) { learningPath(id: $id) { ${PATH_FIELDS} } }`;
const UPDATE_STEP = `mutation($id: UUID!, $input: UpdatePathStepInput!) { updatePathStep(id: $id, input: $input) { id position status pinned task { code } path { id } } }`;

let w: LearnerWorld;
beforeAll(async () => {
  w = await learnerWorld(s);
}, 60_000);

async function newGoal(token: string, input: Record<string, unknown>) {
  const r = await s.gql(CREATE_GOAL, { input: { learnerId: w.inMaple, title: "Fractions", skillIds: [w.skills["A.1"]], ...input } }, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!.createGoal;
}

const taskCodes = (steps: { task: { code: string } }[]) => steps.map((st) => st.task.code);

describe("goals", () => {
  test("a goal is created with defaults and read back through goal, goals and Learner.goals", async () => {
    const g = await newGoal(w.admin, { skillIds: [w.skills["B.1"], w.skills["A.1"]] });
    expect(g).toMatchObject({
      learnerId: w.inMaple,
      title: "Fractions",
      masteryThreshold: 0.8,
      deadline: null,
      status: "ACTIVE",
      learner: { id: w.inMaple },
      path: null,
    });
    expect(g.skills).toEqual([{ code: "A.1" }, { code: "B.1" }]);
    expect((await s.gql(GOAL, { id: g.id }, w.admin)).data!.goal).toEqual(g);
    const listed = await s.gql(GOALS, { learnerId: w.inMaple, first: 100 }, w.admin);
    expect(listed.data!.goals.nodes.map((n: { id: string }) => n.id)).toContain(g.id);
    const viaLearner = await s.gql(
      `query($id: UUID!) { learner(id: $id) { goals(first: 100) { nodes { id skills { code } } } } }`,
      { id: w.inMaple },
      w.admin,
    );
    expect(viaLearner.data!.learner.goals.nodes).toContainEqual({ id: g.id, skills: [{ code: "A.1" }, { code: "B.1" }] });
  });

  test("a goal with a threshold and a deadline keeps them; a duplicate skill id counts once", async () => {
    const g = await newGoal(w.service, {
      masteryThreshold: 1,
      deadline: "2027-06-30T00:00:00.000Z",
      skillIds: [w.skills["A.2"], w.skills["A.2"]],
    });
    expect(g).toMatchObject({ masteryThreshold: 1, deadline: "2027-06-30T00:00:00.000Z", skills: [{ code: "A.2" }] });
  });

  test("updateGoal changes title, threshold, deadline, status and target skills; omitted fields stay", async () => {
    const g = await newGoal(w.admin, { deadline: "2027-01-01T00:00:00.000Z" });
    const u = await s.gql(
      UPDATE_GOAL,
      { id: g.id, input: { title: "Ratios", masteryThreshold: 0.95, status: "ACHIEVED", skillIds: [w.skills["A.2"], w.skills["B.1"]] } },
      w.teacher,
    );
    expect(u.errors).toBeUndefined();
    expect(u.data!.updateGoal).toMatchObject({
      title: "Ratios",
      masteryThreshold: 0.95,
      status: "ACHIEVED",
      deadline: "2027-01-01T00:00:00.000Z",
      skills: [{ code: "A.2" }, { code: "B.1" }],
    });
    const cleared = await s.gql(UPDATE_GOAL, { id: g.id, input: { deadline: null } }, w.learnerMaple);
    expect(cleared.data!.updateGoal).toMatchObject({ title: "Ratios", masteryThreshold: 0.95, status: "ACHIEVED", deadline: null });
    const rows = await s.app.db.dataSource.query(`SELECT skill_id FROM goal_skill WHERE goal_id = $1 ORDER BY skill_id`, [g.id]);
    expect(rows.map((r: { skill_id: string }) => r.skill_id).sort()).toEqual([w.skills["A.2"], w.skills["B.1"]].sort());
  });

  test("goals page with cursors; an oversized page and a bad cursor are refused", async () => {
    const world = await learnerWorld(s, "Paging");
    const titles = ["g0", "g1", "g2", "g3", "g4"];
    for (const title of titles) {
      const r = await s.gql(CREATE_GOAL, { input: { learnerId: world.inOak, title, skillIds: [world.skills["A.1"]] } }, world.admin);
      expect(r.errors).toBeUndefined();
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const r: any = await s.gql(GOALS, { learnerId: world.inOak, first: 2, after }, world.admin);
      seen.push(...r.data.goals.nodes.map((n: { title: string }) => n.title));
      if (!r.data.goals.pageInfo.hasNextPage) break;
      after = r.data.goals.pageInfo.endCursor;
    }
    expect(seen).toEqual(titles);
    expect(codeOf(await s.gql(GOALS, { learnerId: world.inOak, first: 100000 }, world.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(GOALS, { learnerId: world.inOak, first: -1 }, world.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(GOALS, { learnerId: world.inOak, after: "nope" }, world.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(`query { learner(id: "${world.inOak}") { goals(first: 100000) { nodes { id } } } }`, {}, world.admin))).toBe(
      "BAD_USER_INPUT",
    );
  });
});

describe("learning paths", () => {
  test("setPathSteps creates the path with its steps in order; a second call replaces the steps of the same path", async () => {
    const g = await newGoal(w.admin, {});
    const r = await s.gql(
      SET_STEPS,
      {
        goalId: g.id,
        steps: [
          { taskId: w.tasks.T3, skillId: w.skills["A.1"], reason: "warm-up" },
          { taskId: w.tasks.T1 },
          { taskId: w.tasks.T2, reason: "stretch" },
        ],
      },
      w.teacher,
    );
    expect(r.errors).toBeUndefined();
    const path = r.data!.setPathSteps;
    expect(path).toMatchObject({ goalId: g.id, learnerId: w.inMaple, modelVersionId: null, goal: { id: g.id } });
    expect(path.plannedAt).toEqual(expect.any(String));
    expect(path.steps.map((st: any) => [st.position, st.task.code, st.skill?.code ?? null, st.reason, st.status, st.pinned])).toEqual([
      [1, "T3", "A.1", "warm-up", "PENDING", false],
      [2, "T1", null, "", "PENDING", false],
      [3, "T2", null, "stretch", "PENDING", false],
    ]);
    expect((await s.gql(GOAL, { id: g.id }, w.admin)).data!.goal.path).toEqual({ id: path.id });
    expect((await s.gql(PATH, { id: path.id }, w.learnerMaple)).data!.learningPath).toEqual(path);

    const again = await s.gql(
      SET_STEPS,
      { goalId: g.id, steps: [{ taskId: w.tasks.T4 }, { taskId: w.tasks.T4, reason: "again" }] },
      w.learnerMaple,
    );
    expect(again.data!.setPathSteps.id).toBe(path.id);
    expect(again.data!.setPathSteps.steps.map((st: any) => [st.position, st.task.code, st.reason])).toEqual([
      [1, "T4", ""],
      [2, "T4", "again"],
    ]);
    const stored = await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM path_step WHERE path_id = $1`, [path.id]);
    expect(stored[0].n).toBe(2);
    expect((await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM learning_path WHERE goal_id = $1`, [g.id]))[0].n).toBe(1);
  });

  test("steps are pinned, skipped, done and moved; positions are renumbered without gaps", async () => {
    const g = await newGoal(w.admin, {});
    const path = (await s.gql(SET_STEPS, { goalId: g.id, steps: ["T1", "T2", "T3", "T4"].map((t) => ({ taskId: w.tasks[t] })) }, w.admin))
      .data!.setPathSteps;
    const [s1, s2, s3, s4] = path.steps.map((st: { id: string }) => st.id);

    const pinned = await s.gql(UPDATE_STEP, { id: s2, input: { pinned: true } }, w.teacher);
    expect(pinned.data!.updatePathStep).toEqual({
      id: s2,
      position: 2,
      status: "PENDING",
      pinned: true,
      task: { code: "T2" },
      path: { id: path.id },
    });
    expect((await s.gql(UPDATE_STEP, { id: s1, input: { status: "DONE" } }, w.learnerMaple)).data!.updatePathStep.status).toBe("DONE");
    expect((await s.gql(UPDATE_STEP, { id: s3, input: { status: "SKIPPED" } }, w.service)).data!.updatePathStep.status).toBe("SKIPPED");

    // T4 to the front, then T1 to the end.
    expect((await s.gql(UPDATE_STEP, { id: s4, input: { position: 1 } }, w.teacher)).data!.updatePathStep.position).toBe(1);
    let steps = (await s.gql(PATH, { id: path.id }, w.admin)).data!.learningPath.steps;
    expect(taskCodes(steps)).toEqual(["T4", "T1", "T2", "T3"]);
    expect(steps.map((st: { position: number }) => st.position)).toEqual([1, 2, 3, 4]);
    expect((await s.gql(UPDATE_STEP, { id: s1, input: { position: 4 } }, w.admin)).data!.updatePathStep.position).toBe(4);
    steps = (await s.gql(PATH, { id: path.id }, w.admin)).data!.learningPath.steps;
    expect(taskCodes(steps)).toEqual(["T4", "T2", "T3", "T1"]);
    expect(steps.map((st: any) => [st.position, st.status, st.pinned])).toEqual([
      [1, "PENDING", false],
      [2, "PENDING", true],
      [3, "SKIPPED", false],
      [4, "DONE", false],
    ]);
    const db = await s.app.db.dataSource.query(`SELECT position FROM path_step WHERE path_id = $1 ORDER BY position`, [path.id]);
    expect(db.map((r: { position: number }) => r.position)).toEqual([1, 2, 3, 4]);

    // Out of range: refused, nothing moved, nothing else applied either.
    expect(codeOf(await s.gql(UPDATE_STEP, { id: s2, input: { position: 5, pinned: false } }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE_STEP, { id: s2, input: { position: 0 } }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE_STEP, { id: s2, input: { status: "LATER" } }, w.admin))).toBe("BAD_USER_INPUT");
    steps = (await s.gql(PATH, { id: path.id }, w.admin)).data!.learningPath.steps;
    expect(steps.map((st: any) => [st.task.code, st.position, st.pinned])).toEqual([
      ["T4", 1, false],
      ["T2", 2, true],
      ["T3", 3, false],
      ["T1", 4, false],
    ]);
  });

  test("unknown tasks, skills and goals are NOT_FOUND and leave the existing path as it was", async () => {
    const g = await newGoal(w.admin, {});
    const path = (await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: w.tasks.T1 }, { taskId: w.tasks.T2 }] }, w.admin)).data!
      .setPathSteps;
    const before = await countRows(s, "path_step", w.schoolId);
    expect(codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: w.tasks.T3 }, { taskId: UNKNOWN_ID }] }, w.admin))).toBe(
      "NOT_FOUND",
    );
    expect(codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: w.tasks.T3, skillId: UNKNOWN_ID }] }, w.admin))).toBe(
      "NOT_FOUND",
    );
    expect(codeOf(await s.gql(SET_STEPS, { goalId: UNKNOWN_ID, steps: [{ taskId: w.tasks.T3 }] }, w.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: "T3" }] }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: w.tasks.T3, reason: "x".repeat(1001) }] }, w.admin))).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: Array.from({ length: 201 }, () => ({ taskId: w.tasks.T3 })) }, w.admin)),
    ).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE_STEP, { id: UNKNOWN_ID, input: { pinned: true } }, w.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(PATH, { id: UNKNOWN_ID }, w.admin))).toBe("NOT_FOUND");
    expect(await countRows(s, "path_step", w.schoolId)).toBe(before);
    expect(taskCodes((await s.gql(PATH, { id: path.id }, w.admin)).data!.learningPath.steps)).toEqual(["T1", "T2"]);
  });

  test("a path of tasks of another school is refused", async () => {
    const other = await learnerWorld(s, "Other tasks");
    const g = await newGoal(w.admin, {});
    expect(codeOf(await s.gql(SET_STEPS, { goalId: g.id, steps: [{ taskId: other.tasks.T1 }] }, w.admin))).toBe("NOT_FOUND");
    expect((await s.gql(GOAL, { id: g.id }, w.admin)).data!.goal.path).toBeNull();
  });
});

describe("who may see and change goals and paths", () => {
  let mapleGoal: any;
  let oakGoal: any;
  let oakPath: any;
  beforeAll(async () => {
    mapleGoal = await newGoal(w.admin, { title: "maple goal" });
    oakGoal = await newGoal(w.admin, { learnerId: w.inOak, title: "oak goal" });
    oakPath = (await s.gql(SET_STEPS, { goalId: oakGoal.id, steps: [{ taskId: w.tasks.T1 }, { taskId: w.tasks.T2 }] }, w.admin)).data!
      .setPathSteps;
  });

  test("a learner reads and changes its own goals and path only", async () => {
    expect((await s.gql(GOAL, { id: mapleGoal.id }, w.learnerMaple)).data!.goal.id).toBe(mapleGoal.id);
    expect(codeOf(await s.gql(GOAL, { id: oakGoal.id }, w.learnerMaple))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(GOALS, { learnerId: w.inOak }, w.learnerMaple))).toBe("NOT_FOUND");
    const mine = await s.gql(GOALS, { first: 100 }, w.learnerMaple);
    expect(mine.data!.goals.nodes.length).toBeGreaterThan(0);
    expect(new Set(mine.data!.goals.nodes.map((n: { learnerId: string }) => n.learnerId))).toEqual(new Set([w.inMaple]));
    expect(codeOf(await s.gql(PATH, { id: oakPath.id }, w.learnerMaple))).toBe("NOT_FOUND");
    const before = await countRows(s, "goal", w.schoolId);
    expect(
      codeOf(await s.gql(CREATE_GOAL, { input: { learnerId: w.inOak, title: "x", skillIds: [w.skills["A.1"]] } }, w.learnerMaple)),
    ).toBe("NOT_FOUND");
    expect(await countRows(s, "goal", w.schoolId)).toBe(before);
    expect(codeOf(await s.gql(UPDATE_GOAL, { id: oakGoal.id, input: { title: "mine now" } }, w.learnerMaple))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(SET_STEPS, { goalId: oakGoal.id, steps: [] }, w.learnerMaple))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(UPDATE_STEP, { id: oakPath.steps[0].id, input: { pinned: true } }, w.learnerMaple))).toBe("NOT_FOUND");
    const oakNow = (await s.gql(PATH, { id: oakPath.id }, w.admin)).data!.learningPath;
    expect(oakNow.steps.map((st: any) => [st.task.code, st.pinned])).toEqual([
      ["T1", false],
      ["T2", false],
    ]);
    expect((await s.gql(GOAL, { id: oakGoal.id }, w.admin)).data!.goal.title).toBe("oak goal");
  });

  test("a teacher reads and changes goals of its cohorts' learners only", async () => {
    expect((await s.gql(GOAL, { id: mapleGoal.id }, w.teacher)).data!.goal.id).toBe(mapleGoal.id);
    expect(codeOf(await s.gql(GOAL, { id: oakGoal.id }, w.teacher))).toBe("NOT_FOUND");
    const listed = await s.gql(GOALS, { first: 100 }, w.teacher);
    expect(new Set(listed.data!.goals.nodes.map((n: { learnerId: string }) => n.learnerId))).toEqual(new Set([w.inMaple]));
    expect(codeOf(await s.gql(CREATE_GOAL, { input: { learnerId: w.inOak, title: "x", skillIds: [w.skills["A.1"]] } }, w.teacher))).toBe(
      "NOT_FOUND",
    );
    expect(codeOf(await s.gql(UPDATE_STEP, { id: oakPath.steps[1].id, input: { position: 1 } }, w.teacher))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(PATH, { id: oakPath.id }, w.teacher))).toBe("NOT_FOUND");
    const created = await s.gql(
      CREATE_GOAL,
      { input: { learnerId: w.inMaple, title: "by teacher", skillIds: [w.skills["A.1"]] } },
      w.teacher,
    );
    expect(created.data!.createGoal.title).toBe("by teacher");
  });

  test("an analyst gets no goals or paths at all", async () => {
    expect(codeOf(await s.gql(GOAL, { id: mapleGoal.id }, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(GOALS, { first: 10 }, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(PATH, { id: oakPath.id }, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(CREATE_GOAL, { input: { learnerId: w.inMaple, title: "x", skillIds: [w.skills["A.1"]] } }, w.analyst))).toBe(
      "FORBIDDEN",
    );
    expect(codeOf(await s.gql(UPDATE_GOAL, { id: mapleGoal.id, input: { title: "x" } }, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(SET_STEPS, { goalId: mapleGoal.id, steps: [] }, w.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(UPDATE_STEP, { id: oakPath.steps[0].id, input: { pinned: true } }, w.analyst))).toBe("FORBIDDEN");
  });

  test("no token reads or changes another school's goals and paths", async () => {
    const other = await learnerWorld(s, "Elsewhere");
    for (const token of [other.admin, other.service]) {
      expect(codeOf(await s.gql(GOAL, { id: mapleGoal.id }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(GOALS, { learnerId: w.inMaple }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(PATH, { id: oakPath.id }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(UPDATE_GOAL, { id: mapleGoal.id, input: { title: "x" } }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(SET_STEPS, { goalId: oakGoal.id, steps: [{ taskId: other.tasks.T1 }] }, token))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(UPDATE_STEP, { id: oakPath.steps[0].id, input: { pinned: true } }, token))).toBe("NOT_FOUND");
      expect(
        codeOf(await s.gql(CREATE_GOAL, { input: { learnerId: w.inMaple, title: "x", skillIds: [other.skills["A.1"]] } }, token)),
      ).toBe("NOT_FOUND");
      expect((await s.gql(GOALS, { first: 100 }, token)).data!.goals.nodes).toEqual([]);
    }
    expect(await countRows(s, "goal", other.schoolId)).toBe(0);
    expect((await s.gql(GOAL, { id: mapleGoal.id }, w.admin)).data!.goal.title).toBe("maple goal");
  });
});

describe("bad input", () => {
  test("thresholds outside (0, 1], missing or foreign skills, malformed ids and unknown enums write nothing", async () => {
    const other = await learnerWorld(s, "Foreign skills");
    const goals = await countRows(s, "goal", w.schoolId);
    const goalSkills = await countRows(s, "goal_skill", w.schoolId);
    const base = { learnerId: w.inMaple, title: "bad", skillIds: [w.skills["A.1"]] };
    const create = (input: Record<string, unknown>) => s.gql(CREATE_GOAL, { input: { ...base, ...input } }, w.admin);
    expect(codeOf(await create({ masteryThreshold: 0 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ masteryThreshold: 1.5 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ masteryThreshold: -0.2 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ skillIds: [] }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ title: "" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ skillIds: [w.skills["A.1"], UNKNOWN_ID] }))).toBe("NOT_FOUND");
    expect(codeOf(await create({ skillIds: [other.skills["A.1"]] }))).toBe("NOT_FOUND");
    expect(codeOf(await create({ skillIds: ["A.1"] }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ learnerId: "not-a-uuid" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await create({ learnerId: UNKNOWN_ID }))).toBe("NOT_FOUND");
    expect(codeOf(await create({ learnerId: other.inMaple }))).toBe("NOT_FOUND");
    expect(codeOf(await create({ deadline: "tomorrow" }))).toBe("BAD_USER_INPUT");
    expect(await countRows(s, "goal", w.schoolId)).toBe(goals);
    expect(await countRows(s, "goal_skill", w.schoolId)).toBe(goalSkills);

    const g = await newGoal(w.admin, { title: "kept" });
    const update = (input: Record<string, unknown>) => s.gql(UPDATE_GOAL, { id: g.id, input }, w.admin);
    expect(codeOf(await update({ masteryThreshold: 0 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await update({ masteryThreshold: 1.01 }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await update({ status: "FINISHED" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await update({ skillIds: [] }))).toBe("BAD_USER_INPUT");
    // The title would be valid; the unknown skill makes the whole update fail.
    expect(codeOf(await update({ title: "changed", skillIds: [UNKNOWN_ID] }))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(UPDATE_GOAL, { id: UNKNOWN_ID, input: { title: "x" } }, w.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(UPDATE_GOAL, { id: "nope", input: { title: "x" } }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(GOAL, { id: "nope" }, w.admin))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(GOAL, { id: UNKNOWN_ID }, w.admin))).toBe("NOT_FOUND");
    const after = (await s.gql(GOAL, { id: g.id }, w.admin)).data!.goal;
    expect(after).toMatchObject({ title: "kept", masteryThreshold: 0.8, status: "ACTIVE", skills: [{ code: "A.1" }] });
  });
});

describe("data loaders", () => {
  test("goals with skills and paths with steps cost the same number of queries for 2 goals as for 6", async () => {
    const world = await learnerWorld(s, "Loaders");
    const query = `query($id: UUID!) { goals(learnerId: $id, first: 50) { nodes { id skills { code } learner { id } path { id goal { id } steps { position task { code } skill { code } } } } } }`;
    const addGoals = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const g = (
          await s.gql(
            CREATE_GOAL,
            { input: { learnerId: world.inMaple, title: `g${i}`, skillIds: [world.skills["A.1"], world.skills["B.1"]] } },
            world.admin,
          )
        ).data!.createGoal;
        await s.gql(
          SET_STEPS,
          { goalId: g.id, steps: [{ taskId: world.tasks.T1, skillId: world.skills["A.1"] }, { taskId: world.tasks.T2 }] },
          world.admin,
        );
      }
    };
    const measure = async () => {
      const before = s.app.db.queries.count;
      const r = await s.gql(query, { id: world.inMaple }, world.teacher);
      expect(r.errors).toBeUndefined();
      return { queries: s.app.db.queries.count - before, nodes: r.data!.goals.nodes };
    };
    // The token is checked to name somebody when the server first sees it (one query, then cached): not per request.
    await s.gql(`{ school { id } }`, {}, world.teacher);
    await addGoals(2);
    const small = await measure();
    await addGoals(4);
    const large = await measure();
    expect(small.nodes).toHaveLength(2);
    expect(large.nodes).toHaveLength(6);
    expect(large.nodes.every((n: any) => n.skills.length === 2 && n.path.steps.length === 2 && n.path.steps[0].skill.code === "A.1")).toBe(
      true,
    );
    expect(large.queries).toBe(small.queries);
  });
});
