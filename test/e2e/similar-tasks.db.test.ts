/**
 * Metric learning through the API: `similarTasks` from the active version's Siamese task embedding,
 * and task difficulties calibrated when a model is published.
 */
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 80, seed: 3, idLabel: "similar-tasks" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const TASKS = `{ tasks(first: 100) { nodes { id code difficulty skills { weight skill { id } } } } }`;
const SIMILAR = `query($t: UUID!, $n: Int) { similarTasks(taskId: $t, count: $n) { distance basis task { id code skills { weight skill { id } } } } }`;

type T = { id: string; code: string; difficulty: number | null; skills: { weight: number; skill: { id: string } }[] };
const primary = (t: { skills: { weight: number; skill: { id: string } }[] }) =>
  [...t.skills].sort((a, b) => b.weight - a.weight)[0]!.skill.id;

test("similar tasks share the query's skill far more often than chance, nearest first", async () => {
  const tasks: T[] = (await s.gql(TASKS, {}, admin)).data.tasks.nodes;
  let same = 0;
  let total = 0;
  for (const t of tasks.slice(0, 30)) {
    const r = await s.gql(SIMILAR, { t: t.id, n: 5 }, admin);
    expect(r.errors).toBeUndefined();
    const items = r.data.similarTasks;
    expect(items).toHaveLength(5);
    expect(items.every((i: any) => i.basis === "EMBEDDING" && i.task.id !== t.id && i.distance >= 0)).toBe(true);
    const d = items.map((i: any) => i.distance);
    expect(d).toEqual([...d].sort((a: number, b: number) => a - b));
    same += items.filter((i: any) => primary(i.task) === primary(t)).length;
    total += items.length;
  }
  // Chance: the share of other tasks with the same primary skill (the demo has ~12 tasks per skill among 100+).
  const bySkill = new Map<string, number>();
  for (const t of tasks) bySkill.set(primary(t), (bySkill.get(primary(t)) ?? 0) + 1);
  const chance = tasks.slice(0, 30).reduce((acc, t) => acc + (bySkill.get(primary(t))! - 1) / (tasks.length - 1), 0) / 30;
  expect(same / total).toBeGreaterThan(3 * chance);
});

test("every task has a calibrated difficulty after training, and harder tasks are predicted less often right", async () => {
  const tasks: T[] = (await s.gql(TASKS, {}, admin)).data.tasks.nodes;
  expect(tasks.every((t) => typeof t.difficulty === "number" && Number.isFinite(t.difficulty))).toBe(true);
  const sorted = [...tasks].sort((a, b) => a.difficulty! - b.difficulty!);
  const learner = demo.learnerIds[0]!;
  const r = await s.gql(
    `query($l: UUID!, $t: [UUID!]!) { predictions(learnerId: $l, taskIds: $t) { items { predictedSuccess } } }`,
    { l: learner, t: [sorted[0]!.id, sorted[sorted.length - 1]!.id] },
    admin,
  );
  const [easy, hard] = r.data.predictions.items.map((i: any) => i.predictedSuccess);
  expect(easy).toBeGreaterThan(hard);
});

test("a task created after training gets neighbours through its skills", async () => {
  const tasks: T[] = (await s.gql(TASKS, {}, admin)).data.tasks.nodes;
  const skill = primary(tasks[0]!);
  const created = await s.gql(
    `mutation($s: UUID!) { createTask(input: { code: "new-after-training", title: "New", kind: EXERCISE, topics: [], expectedDurationSeconds: 60, skills: [{ skillId: $s, weight: 1 }] }) { id } }`,
    { s: skill },
    admin,
  );
  expect(created.errors).toBeUndefined();
  const r = await s.gql(SIMILAR, { t: created.data.createTask.id, n: 5 }, admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.similarTasks.filter((i: any) => primary(i.task) === skill).length).toBeGreaterThanOrEqual(3);
});

test("every role may ask; bad counts and unknown tasks get coded errors", async () => {
  const tasks: T[] = (await s.gql(TASKS, {}, admin)).data.tasks.nodes;
  const analyst = await s.token({ schoolId: demo.schoolId, role: Role.Analyst });
  expect((await s.gql(SIMILAR, { t: tasks[0]!.id, n: 2 }, analyst)).data.similarTasks).toHaveLength(2);
  expect(codeOf(await s.gql(SIMILAR, { t: tasks[0]!.id, n: 0 }, admin))).toBe("BAD_USER_INPUT");
  expect(codeOf(await s.gql(SIMILAR, { t: tasks[0]!.id, n: 51 }, admin))).toBe("BAD_USER_INPUT");
  expect(codeOf(await s.gql(SIMILAR, { t: "00000000-0000-7000-8000-000000000000", n: 2 }, admin))).toBe("NOT_FOUND");
  const other = await s.newSchool("Other");
  expect(codeOf(await s.gql(SIMILAR, { t: tasks[0]!.id, n: 2 }, other.admin))).toBe("NOT_FOUND");
});

test("learners declare interests, lower-cased and de-duplicated", async () => {
  const r = await s.gql(
    `mutation { createLearner(input: { externalRef: "interested", interests: ["Pizza", "pizza ", "Sport"] }) { id interests } }`,
    {},
    admin,
  );
  expect(r.data.createLearner.interests).toEqual(["pizza", "sport"]);
});
