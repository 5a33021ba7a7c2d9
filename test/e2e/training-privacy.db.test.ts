/**
 * A school's privacy budget for training (services/audit/training-privacy.service.ts; issue #18, item 4):
 * admins set the (ε, δ) over GraphQL, checked; Meta is then trained with DP-SGD spending it, the version
 * records the guarantee (metrics and ModelVersion.differentialPrivacy), the privacy audit's
 * DIFFERENTIAL_PRIVACY check holds a model to the budget set at its audit, and a kind that cannot spend
 * a budget is refused.
 */
import { seedDemo, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { loadModel } from "../../src/engine/registry.js";
import { PrivacyAuditor } from "../../src/services/audit/privacy-audit.service.js";
import { PrivacyCheckName } from "../../src/services/audit/privacy-audit.types.js";
import { partitionSchool } from "../../src/services/training/comparison-set.js";
import { snapshotTrainingSet } from "../../src/services/training/training-set.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 80, seed: 5, idLabel: "dp" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

const SET = `mutation($i: SetTrainingPrivacyInput!) { setTrainingPrivacy(input: $i) { epsilon delta updatedAt } }`;
const set = (i: object) => s.gql(SET, { i }, admin);
const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const dpCheck = async (versionId: string, kind: string) => {
  const [row] = await q(`SELECT weights FROM model_version WHERE id = $1`, [versionId]);
  const { evaluation } = partitionSchool(demo.schoolId, await snapshotTrainingSet(s.app.db.dataSource.manager, demo.schoolId, NOW));
  const audit = await new PrivacyAuditor(s.app.services.deps).audit(
    demo.schoolId,
    { model: loadModel(new Uint8Array(row.weights)), kind, trained: null, heldOut: evaluation, atTraining: false },
    { now: NOW },
  );
  return audit.checks.find((c) => c.name === PrivacyCheckName.DifferentialPrivacy)!;
};

test("admins set the budget; out-of-range values are BAD_USER_INPUT naming the field, and change nothing", async () => {
  expect((await s.gql(`{ trainingPrivacy { epsilon delta updatedAt } }`, {}, admin)).data).toEqual({
    trainingPrivacy: { epsilon: null, delta: null, updatedAt: null },
  });
  for (const [input, field] of [
    [{ epsilon: 0 }, "epsilon"],
    [{ epsilon: -1 }, "epsilon"],
    [{ epsilon: 101 }, "epsilon"],
    [{ epsilon: 4, delta: 0 }, "delta"],
    [{ epsilon: 4, delta: 0.02 }, "delta"],
    [{ delta: 0.001 }, "delta"],
  ] as const) {
    const r = await set(input);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(r.errors)).toContain(field);
  }
  expect((await s.gql(`{ trainingPrivacy { epsilon } }`, {}, admin)).data.trainingPrivacy.epsilon).toBeNull();
  const r = await set({ epsilon: 4 });
  expect(r.data.setTrainingPrivacy).toMatchObject({ epsilon: 4, delta: null });
  expect(r.data.setTrainingPrivacy.updatedAt).not.toBeNull();
});

test("with a budget, Meta trains with DP-SGD spending it: the version records its guarantee; the audit holds it to the budget in force", async () => {
  await set({ epsilon: 4 });
  const version = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, activate: false });
  const metrics = version.metrics as Record<string, any>;
  expect(metrics.trainingOptions).toEqual({ taskInfluenceLearners: 0, privacy: { targetEpsilon: 4, delta: null } });
  expect(metrics.privacyLadder).toEqual([]);
  const dp = metrics.differentialPrivacy;
  expect(dp.epsilon).toBeLessThanOrEqual(4);
  expect(dp.epsilon).toBeGreaterThan(3.5); // the noise is calibrated to reach the budget, not far below it
  expect(dp.delta).toBeCloseTo(1 / metrics.trainingLearners, 12);
  expect(dp.noiseMultiplier).toBeGreaterThan(0);
  expect(dp.budget).toEqual({ epsilon: 4, delta: null });
  // No task embedding: it would be trained on the data outside ε.
  expect(await q(`SELECT task_embedding IS NULL AS none FROM model_version WHERE id = $1`, [version.id])).toEqual([{ none: true }]);
  const listed = await s.gql(
    `{ modelVersions(first: 5) { nodes { id differentialPrivacy { epsilon delta steps budgetEpsilon } } } }`,
    {},
    admin,
  );
  const node = listed.data.modelVersions.nodes.find((n: { id: string }) => n.id === version.id);
  expect(node.differentialPrivacy).toEqual({ epsilon: dp.epsilon, delta: dp.delta, steps: dp.steps, budgetEpsilon: 4 });

  expect(await dpCheck(version.id, "meta")).toMatchObject({ status: "PASS" });
  // A stricter budget set since: the version is beyond it.
  await set({ epsilon: 1 });
  const stricter = await dpCheck(version.id, "meta");
  expect(stricter.status).toBe("FAIL");
  expect(stricter.reason).toMatch(/beyond the school's budget ε = 1/);
  // No budget: it passes, and says what the model has anyway.
  await set({ epsilon: null });
  expect((await dpCheck(version.id, "meta")).reason).toMatch(/^no privacy budget is set; the model was trained with DP-SGD at ε = /);
});

test("a model trained without DP fails the check under a budget; a kind that cannot spend a budget is refused", async () => {
  await set({ epsilon: null });
  const plain = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa", activate: false });
  expect((plain.metrics as Record<string, unknown>).differentialPrivacy).toBeNull();
  await set({ epsilon: 8, delta: 0.001 });
  expect(await dpCheck(plain.id, "pfa")).toMatchObject({ status: "FAIL", reason: expect.stringMatching(/trained without DP/) });
  await expect(s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" })).rejects.toMatchObject({
    code: "BAD_USER_INPUT",
  });
  await set({ epsilon: null });
});
