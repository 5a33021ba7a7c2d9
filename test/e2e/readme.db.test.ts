/**
 * The example operations of the README and the API guide (docs/api-guide.md), run as written, in
 * order, against the demo school: if the API or the demo data drift from the docs, this fails.
 */
import { parse, OperationDefinitionNode } from "graphql";
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { docOperations } from "../support/doc-operations.js";

const blocks = docOperations("README.md", "docs/api-guide.md");

let s: TestServer;
let demo: DemoSchool;
let admin: string;
// The docs' operations need a trained model, not the privacy audit's shadow models: with none (the
// loss-threshold attack only) the demo's Meta trains in one fit instead of climbing the task-influence
// ladder with four shadows per rung (~7 s against ~50 s). privacy-gate-demo.db.test.ts trains the demo as the
// product does, shadows included.
beforeAll(async () => {
  s = await startTestServer({ ZPD_PRIVACY_SHADOWS: "0" });
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, new Date("2026-11-01T12:00:00Z"), { idLabel: "readme" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: new Date("2026-11-01T12:00:00Z") });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

test("the README and the API guide have example operations", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(11);
});

test("every example operation runs against the demo school without errors", async () => {
  const first = await s.gql(`{ tasks(first: 1) { nodes { id } } }`, {}, admin);
  const ids: Record<string, unknown> = {
    learnerId: demo.learnerIds[0],
    taskId: first.data.tasks.nodes[0].id,
  };
  let goalSkill: { mastery: number; skill: { id: string; prerequisites: unknown[] } } | undefined;
  const results: Record<string, any> = {};
  for (const block of blocks) {
    const op = parse(block).definitions[0] as OperationDefinitionNode;
    const name = op.name!.value;
    const variables = Object.fromEntries((op.variableDefinitions ?? []).map((v) => [v.variable.name.value, ids[v.variable.name.value]]));
    for (const [k, v] of Object.entries(variables)) if (v === undefined) throw new Error(`${name}: no value for $${k}`);
    const r = await s.gql(block, variables, admin);
    expect({ name, errors: r.errors }).toEqual({ name, errors: undefined });
    results[name] = r.data;
    if (name === "SetGoal") ids.goalId = r.data.createGoal.id;
    if (name === "Mastery") {
      // As the README says: a skill the learner has not mastered, with prerequisites (the least mastered such one).
      const open = r.data.mastery.skills.filter((k: any) => k.mastery < 0.8 && k.skill.prerequisites.length > 0);
      goalSkill = open.sort((a: any, b: any) => a.mastery - b.mastery)[0];
      expect(goalSkill).toBeDefined();
      ids.skillId = goalSkill!.skill.id;
    }
  }
  expect(results.Learners.learners.edges).toHaveLength(5);
  expect(results.Learners.learners.edges[0].node.profile.displayName).toBe("Ada");
  expect(results.Curriculum.skills.nodes.length).toBeGreaterThanOrEqual(10);
  expect(results.LearnerHistory.learner.attempts.nodes.length).toBeGreaterThan(0);
  expect(results.RecordAttempt.recordAttempt.duplicate).toBe(false);
  expect(results.IngestAttempts.ingestAttempts.map((a: any) => a.duplicate)).toEqual([false, false]);
  expect(results.Models.activeModel.version).toBe(1);
  expect(results.Models.modelVersions.nodes[0].status).toBe("ACTIVE");
  expect(results.Mastery.mastery.personalisation).toBe("PERSONALISED");
  expect(results.Mastery.mastery.skills.length).toBeGreaterThanOrEqual(10);
  // The seeded learner's trends reflect its two weeks of attempts (measured by the rebuild that seeds
  // the states), not only the one attempt recorded online above.
  const practised = results.Mastery.mastery.skills.filter((k: any) => k.attempts > 0);
  const moving = practised.filter((k: any) => k.trend !== 0);
  expect({ practised: practised.length, moving: moving.length }).toEqual({ practised: practised.length, moving: practised.length });
  expect(results.Recommend.recommendations.items).toHaveLength(3);
  expect(results.Recommend.recommendations.items[0].explanation).toMatch(/practises/);
  // The demo has no learned policy yet: POLICY falls back to the ZPD rule and says why (docs/policy.md).
  expect(results.RecommendByPolicy.recommendations.strategy).toBe("ZPD");
  expect(results.RecommendByPolicy.recommendations.fallback.code).toBe("NO_POLICY");
  expect(results.RecommendByPolicy.recommendations.items).toHaveLength(3);
  expect(results.Predict.predictions.items[0].basis).toBe("PERSONALISED");
  expect(results.Predict.similarTasks).toHaveLength(3);
  // The example plans what it describes: steps toward an unmastered goal skill, not ACHIEVED.
  const planned = results.Plan.planPath;
  expect(planned.path.steps.length).toBeGreaterThanOrEqual(1);
  expect(planned.path.steps.every((st: any) => st.status === "PENDING" && st.reason.length > 0)).toBe(true);
  expect(planned.skills.filter((k: any) => k.target)).toEqual([expect.objectContaining({ mastered: false, target: true })]);
  expect(planned.progress.status).not.toBe("ACHIEVED");
  expect(planned.progress.shareMastered).toBe(0);
  expect(planned.progress.attemptsRemaining).toBeGreaterThan(0);
  expect(results.Answer.recordAttempt.mastery.length).toBeGreaterThan(0);
  for (const p of results.Answer.recordAttempt.pathsReplanned) expect(["AHEAD", "BEHIND"]).toContain(p.reason);
});

test("the demo school is what the README promises: a skill DAG, tasks, three cohorts, a teacher, learners with attempts and an active model", async () => {
  const r = await s.gql(
    `{ skills(first: 100) { nodes { prerequisites { id } } } tasks(first: 100) { nodes { id } } cohorts { nodes { name teachers { id } } } learners(first: 100) { nodes { attempts(first: 1) { nodes { id } } mastery { mastery } } } activeModel { version kind } }`,
    {},
    admin,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.skills.nodes.length).toBeGreaterThanOrEqual(10);
  expect(r.data.skills.nodes.some((n: any) => n.prerequisites.length > 0)).toBe(true);
  expect(r.data.tasks.nodes.length).toBe(100);
  expect(r.data.cohorts.nodes).toHaveLength(3);
  expect(r.data.cohorts.nodes.filter((c: any) => c.teachers.length === 1)).toHaveLength(1);
  expect(r.data.learners.nodes).toHaveLength(100);
  expect(r.data.learners.nodes.every((l: any) => l.attempts.nodes.length === 1)).toBe(true);
  expect(r.data.activeModel).toEqual({ version: 1, kind: "meta" });
  // Every consenting learner has mastery estimates under the active model; the one who did not consent has none.
  const withMastery = r.data.learners.nodes.filter((l: any) => l.mastery.length > 0).length;
  expect(withMastery).toBe(99);
  const teacher = await s.token({ schoolId: demo.schoolId, role: Role.Teacher, teacherId: demo.teacherId });
  const seen = await s.gql(`{ learners(first: 100) { nodes { id } } }`, {}, teacher);
  expect(seen.data.learners.nodes).toHaveLength(40);
});
